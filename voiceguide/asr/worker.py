"""A decoder in a process of its own, spoken to over two pipes.

Decoders hold the GIL for a tenth of a second to a second per utterance, which in the
guide's own process starves the speaker's callback and breaks the voice up; waiting on a
pipe releases it. The worker is a plain script run by path rather than
``multiprocessing``: spawning re-runs the parent's main script, forking copies
PortAudio's threads, and ``python -m`` would import the whole package (a third of a
second and 40 MB) for a decoder. It ends when its input closes: when its owner is
collected, exits or is killed.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

from voiceguide.errors import ModelError


class WholeUtterance:
    """A recogniser that decodes an utterance only at its end: the samples are kept as
    they come and handed over whole."""

    def __init__(self) -> None:
        self._pcm = bytearray()

    def start(self) -> None:
        self._pcm.clear()

    def accept(self, pcm: bytes) -> None:
        self._pcm += pcm

    def _utterance(self) -> bytes:
        """The samples since ``start``, taken (the next utterance starts empty)."""
        pcm = bytes(self._pcm)
        self._pcm.clear()
        return pcm


class DecoderProcess:
    """Writes an utterance's length and samples; reads one JSON line back."""

    def __init__(self, script: Path, config: dict[str, object], name: str, *,
                 flags: tuple[str, ...] = (), missing_module: str | None = None,
                 grace: float = 1.0) -> None:
        """``missing_module``: the error to give when the worker cannot import what it
        needs; ``grace``: seconds a closed worker has to exit before it is killed."""
        self._command = [sys.executable, *flags, str(script), json.dumps(config)]
        self._name = name
        self._missing_module = missing_module
        self._grace = grace
        self._start()

    def _start(self) -> None:
        self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        self._finalizer = weakref.finalize(self, _close, self._process, self._grace)
        ready = self._process.stdout.readline() if self._process.stdout else b""
        if ready != b"ready\n":
            problem = ready.decode(errors="replace").strip() or "its process exited"
            self.close()
            if self._missing_module and problem.startswith(("ModuleNotFoundError",
                                                            "ImportError")):
                raise ModelError(self._missing_module)
            raise ModelError(f"{self._name} could not start: {problem}")

    def decode(self, pcm: bytes) -> list[Any]:
        """The worker's answer for one utterance. A worker that died (killed, out of
        memory) is started once more for this utterance; a second failure is the
        caller's to report."""
        try:
            return self._ask(pcm)
        except (EOFError, OSError):
            self.close()
            self._start()
            return self._ask(pcm)

    def _ask(self, pcm: bytes) -> list[Any]:
        """Blocks on the pipe, which lets the rest of the guide's process run."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(len(pcm).to_bytes(4, "little") + pcm)
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise EOFError(f"the {self._name} process ended")
        return list(json.loads(line))

    def peak_memory(self) -> int | None:
        """The worker's peak resident memory in bytes (Linux), for the benchmark."""
        try:
            status = Path(f"/proc/{self._process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) * 1024 if found else None

    def close(self) -> None:
        self._finalizer()


def _close(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()

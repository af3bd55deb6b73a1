"""PocketSphinx, the recogniser that works on a fresh install: its US English acoustic
model ships inside the wheel, so nothing is downloaded."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.asr import Transcript
from voiceguide.asr.domain import LanguageModel, stock_model_dir
from voiceguide.errors import ModelError

if TYPE_CHECKING:
    from pocketsphinx import Decoder

_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[noise]", "(null)"})


def decoder_config(model: LanguageModel, **extra: object) -> dict[str, object]:
    config: dict[str, object] = {
        "hmm": str(stock_model_dir() / "en-us"),
        "loglevel": "FATAL",
        "bestpath": True,
        **extra,
    }
    if model.lm is not None and model.dictionary is not None:
        config["lm"] = str(model.lm)
        config["dict"] = str(model.dictionary)
    return config


class PocketSphinxRecognizer:
    """One decoder, reused utterance after utterance, in a process of its own.

    PocketSphinx keeps the GIL while it decodes (0.2 to 0.25 s for a command, over a
    second for a long utterance), and nothing else in the guide's process can run
    meanwhile: the speaker's stream callback starved and the voice broke up whenever
    the recogniser worked. Waiting on a pipe releases the GIL, so in its own process
    the decoder no longer stops the voice.
    """

    def __init__(self, model: LanguageModel) -> None:
        self.name = f"pocketsphinx:{model.variant}"
        self._config = decoder_config(model)
        self._pcm = bytearray()
        self._worker = _Worker(self._config)

    def start(self) -> None:
        self._pcm.clear()

    def accept(self, pcm: bytes) -> Transcript | None:
        # Decoding waits for the whole utterance: cepstral mean normalisation over the
        # utterance itself beats the running estimate, most of all on the first thing
        # said after a quiet night (measured: "my calf is cramping" came out as
        # "confused the" streamed, right in one pass). Endpointed utterances are short,
        # so this costs a tenth of a second at the end.
        self._pcm += pcm
        return None

    def finish(self) -> Transcript:
        if not self._pcm:
            return Transcript("", 0.0)
        pcm = bytes(self._pcm)
        self._pcm.clear()
        try:
            text, confidence = self._worker.decode(pcm)
        except (EOFError, OSError):
            # The decoder's process died (killed, out of memory): one fresh start, and
            # this utterance again; a second failure is the caller's to report.
            self._worker.close()
            self._worker = _Worker(self._config)
            text, confidence = self._worker.decode(pcm)
        return Transcript(text, confidence)


class _Worker:
    """The decoder's process, and the pipes to it. It ends when its input closes: when
    the recogniser is collected, or its owner exits or is killed.

    A plain ``python -m`` child rather than ``multiprocessing``: spawning re-runs the
    parent's main script, and forking copies PortAudio's threads.
    """

    def __init__(self, config: dict[str, object]) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "voiceguide.asr.sphinx", json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path})
        self._finalizer = weakref.finalize(self, _close, self._process)
        ready = self._process.stdout.readline() if self._process.stdout else b""
        if ready != b"ready\n":
            problem = ready.decode(errors="replace").strip() or "its process exited"
            self.close()
            raise ModelError(f"PocketSphinx could not start: {problem}")

    def decode(self, pcm: bytes) -> tuple[str, float]:
        """Blocks on the pipe, which lets the rest of the guide's process run."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(len(pcm).to_bytes(4, "little") + pcm)
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise EOFError("the PocketSphinx process ended")
        text, confidence = json.loads(line)
        return text, confidence

    def close(self) -> None:
        self._finalizer()


def _close(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(1.0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _serve(config: dict[str, object]) -> None:
    """The decoder's process: a length-prefixed utterance in on standard input, a JSON
    line of its words and confidence out."""
    out, source = sys.stdout.buffer, sys.stdin.buffer
    try:
        from pocketsphinx import Decoder

        decoder = Decoder(**config)
    except Exception as error:  # a bad model or dictionary: the parent says so
        out.write(f"{type(error).__name__}: {error}".replace("\n", " ").encode() + b"\n")
        out.flush()
        return
    out.write(b"ready\n")
    out.flush()
    while len(header := source.read(4)) == 4:
        pcm = source.read(int.from_bytes(header, "little"))
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        out.write(json.dumps([text, _confidence(decoder) if text else 0.0]).encode() + b"\n")
        out.flush()


def _confidence(decoder: Decoder) -> float:
    """Geometric mean of the words' lattice posteriors: one doubtful word in a short
    utterance is enough to doubt it."""
    posteriors = [segment.prob for segment in decoder.seg()
                  if segment.word.lower() not in _FILLERS
                  and not segment.word.startswith("[")]
    if not posteriors:
        return 0.0
    return math.exp(sum(math.log(max(p, 1e-6)) for p in posteriors) / len(posteriors))


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))

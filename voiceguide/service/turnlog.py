"""One JSON line per turn (and per notable event) for whoever looks after a kiosk.

What was heard is a person's own words, often about their health, so it is written
only when the operator turns transcripts on; intent, confidence, latency and outcome
are what tuning and fault-finding need. A log that cannot be written must never take
the guide down with it: the first failure is warned about and later lines dropped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from voiceguide.errors import LogFileError
from voiceguide.loop.turn import Turn

_LOGGER = logging.getLogger(__name__)

_RESERVED = frozenset({"time", "event", "transcript"})


class TurnLog:
    """Safe to share between the loop and audio threads: each line is written whole."""

    def __init__(self, out: TextIO | Path | None = None, transcripts: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        """``out`` is a stream (standard error when None) or a file to append to, whose
        folder is created; ``clock`` stamps events."""
        self._transcripts = transcripts
        self._clock = clock
        self._owned = isinstance(out, Path)
        self._out: TextIO = (_open(out) if isinstance(out, Path)
                             else sys.stderr if out is None else out)
        self._lock = threading.Lock()
        self._failed = False

    def write(self, turn: Turn) -> None:
        """The turn, stamped now: its intent, confidence, the time from the end of speech
        to the match, and its outcome."""
        match = turn.match
        line: dict[str, object] = {
            "time": _iso(self._clock()),
            "intent": match.intent if match else "-",
            "confidence": _rounded(match.confidence if match else turn.transcript.confidence,
                                   3),
            "latency_ms": _rounded(turn.asr_ms + turn.match_ms, 1),
            "outcome": turn.outcome,
        }
        if self._transcripts:
            line["transcript"] = turn.text
        self._emit(line)

    def event(self, name: str, /, **fields: object) -> None:
        """A line that is not a turn: ``event("device_lost", retry_in=2.0)``. Transcripts
        never go here, whatever the setting."""
        if taken := _RESERVED & fields.keys():
            raise ValueError(f"event fields may not be named {', '.join(sorted(taken))}")
        self._emit({"time": _iso(self._clock()), "event": name,
                    **{key: _finite(value) for key, value in fields.items()}})

    def close(self) -> None:
        """Closes a file this log opened; a stream it was given is only flushed."""
        with self._lock, contextlib.suppress(OSError, ValueError):
            if self._owned:
                self._out.close()
            else:
                self._out.flush()

    def _emit(self, line: dict[str, object]) -> None:
        # ASCII-only JSON, so a C-locale standard error cannot fail on a word.
        text = json.dumps(line, default=str) + "\n"
        with self._lock:
            if self._failed:
                return
            try:
                self._out.write(text)
                self._out.flush()
            except (OSError, ValueError) as error:  # ValueError: a closed stream
                self._failed = True
                _LOGGER.warning("the turn log cannot be written (%s); later lines are "
                                "dropped", error)


def _open(path: Path) -> TextIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("a", encoding="utf-8", buffering=1)
    except OSError as error:
        raise LogFileError(f"cannot write the turn log {path} ({error.strerror}); give a "
                           "file in a writable folder") from None


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def _rounded(value: float, digits: int) -> float | None:
    """None for NaN and infinity, which are not JSON."""
    return round(value, digits) if math.isfinite(value) else None


def _finite(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value

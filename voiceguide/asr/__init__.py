"""Speech recognition behind one small interface.

A recogniser takes 16 kHz mono 16-bit PCM in chunks, can say what it has heard so
far, and gives a final transcript with a confidence when the utterance ends. The live
loop, ``ask`` and ``transcribe`` only ever see this interface, so PocketSphinx and
Vosk swap without touching anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    """Lower-case words, no punctuation; empty when nothing was recognised."""
    confidence: float
    """0..1: how sure the engine is of these words, not of any intent."""
    final: bool = True
    alternatives: tuple[str, ...] = ()
    """The engine's next best hearings of the same sound, best first (its n-best
    list), where it gives them."""
    overruled: str = ""
    """The hearing of a faster engine that this one was asked to replace (the cascade's
    PocketSphinx, when Whisper answered): where the two disagree about a danger, the
    guide asks rather than drop it."""


class Recognizer(Protocol):
    name: str
    """Engine and model, for logs and ``ask --json``: ``pocketsphinx:domain``."""

    def start(self) -> None:
        """Begin a new utterance, forgetting the last one."""

    def accept(self, pcm: bytes) -> Transcript | None:
        """Feed a chunk; returns a partial transcript when the engine has one."""

    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""


def feed(recognizer: Recognizer, pcm: bytes, chunk: int = 8192) -> None:
    """Samples in chunks, as a microphone would deliver them."""
    for offset in range(0, len(pcm), chunk):
        recognizer.accept(pcm[offset:offset + chunk])


def transcribe(recognizer: Recognizer, pcm: bytes, chunk: int = 8192) -> Transcript:
    """A whole utterance in one go, fed in chunks as a microphone would deliver it."""
    recognizer.start()
    feed(recognizer, pcm, chunk)
    return recognizer.finish()

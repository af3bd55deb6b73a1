"""Endpointing: where an utterance starts and where the person stopped talking.

PocketSphinx's WebRTC-style voice activity detector, with a window so one breath or
a click does not end or start an utterance. The guide answers when the window after
the last word has been quiet, so the window is the floor on how fast it can answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from voiceguide.audio.sources import FRAME_SAMPLES

ENDPOINT_WINDOW = 0.3
"""Seconds of audio the speech/non-speech decision looks at."""
ENDPOINT_RATIO = 0.9
"""Share of the window that must agree before speech starts or ends."""
MAX_UTTERANCE = 12.0
"""Seconds: longer than anyone asks for help at night; a television is cut here."""


@dataclass(slots=True)
class Utterance:
    pcm: bytearray = field(default_factory=bytearray)
    start: float = 0.0
    end: float = 0.0


class Endpointer:
    """Feeds frames in, hands whole utterances out."""

    def __init__(self, window: float = ENDPOINT_WINDOW, ratio: float = ENDPOINT_RATIO,
                 max_seconds: float = MAX_UTTERANCE) -> None:
        from pocketsphinx import Endpointer as PsEndpointer
        from pocketsphinx import Vad

        self._ep = PsEndpointer(window=window, ratio=ratio, vad_mode=Vad.LOOSE)
        if self._ep.frame_bytes != FRAME_SAMPLES * 2:
            raise RuntimeError("endpointer frame size differs from the source's")
        self._max_bytes = int(max_seconds * 16000) * 2
        self._current: Utterance | None = None

    @property
    def in_speech(self) -> bool:
        return self._current is not None

    @property
    def speech(self) -> bytearray:
        """The utterance going on, so far (empty between utterances)."""
        return self._current.pcm if self._current is not None else bytearray()

    def push(self, frame: bytes) -> Utterance | None:
        """One 30 ms frame; returns the utterance when it has just ended."""
        speech = self._ep.process(frame)
        if speech is None:
            return None
        if self._current is None:
            self._current = Utterance(start=self._ep.speech_start)
        self._current.pcm += speech
        if not self._ep.in_speech or len(self._current.pcm) >= self._max_bytes:
            done, self._current = self._current, None
            done.end = self._ep.speech_end if not self._ep.in_speech else done.start + len(
                done.pcm) / 32000
            return done
        return None


def utterances(pcm: bytes) -> Iterator[Utterance]:
    """A recording cut into utterances as the live loop's endpointer cuts the stream."""
    endpointer = Endpointer()
    size = FRAME_SAMPLES * 2
    for offset in range(0, len(pcm) - size + 1, size):
        if (utterance := endpointer.push(pcm[offset:offset + size])) is not None:
            yield utterance


def has_speech(pcm: bytes) -> bool:
    """Would the live loop's endpointer hear anything in this recording at all?"""
    endpointer = Endpointer()
    size = FRAME_SAMPLES * 2
    for offset in range(0, len(pcm) - size + 1, size):
        if endpointer.push(pcm[offset:offset + size]) is not None or endpointer.in_speech:
            return True
    return False

"""Fakes of the guide's own parts, for tests and for anything that embeds the guide:
a conversation on a manual clock whose speech is recorded instead of played, a
recogniser that hears a script, a synthesiser that renders silence of the right
length, a microphone that is unplugged, and sound that an endpointer takes for speech.

Each stands behind the same interface as the real part (``Recognizer``,
``Synthesizer``, ``AudioSource``), so what a test drives is the guide as built by
``assemble``, with only what cannot exist here swapped out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from voiceguide.asr import Transcript
from voiceguide.audio.sources import AudioSource
from voiceguide.audio.wav import RATE
from voiceguide.clock import ManualClock
from voiceguide.dialogue.events import Say
from voiceguide.errors import AudioDeviceError
from voiceguide.guide import Guide
from voiceguide.loop.session import Session, advance
from voiceguide.match import EMERGENCY, NO_SLOTS, Alternative, Match
from voiceguide.speech.speakers import RecordingSpeaker


class Night:
    """A conversation driven by hand: ``say`` what the person says, ``wait`` seconds."""

    def __init__(self, guide: Guide) -> None:
        self.clock = ManualClock()
        self.speaker = RecordingSpeaker(self.clock)
        self.session = Session(guide, self.speaker, self.clock)
        self._seen = 0

    def say(self, text: str) -> Match:
        return self.session.hear(text)

    def wait(self, seconds: float) -> None:
        advance(self.session, self.clock, seconds)

    def new_keys(self) -> list[str]:
        """Speech keys since the last look: what the person heard in between."""
        start, self._seen = self._seen, len(self.speaker.events)
        return self.speaker.trace(start)

    def new_text(self) -> str:
        """Everything said since the last look, as one string."""
        start, self._seen = self._seen, len(self.speaker.events)
        return " ".join(s.event.text for s in self.speaker.events[start:]
                        if isinstance(s.event, Say))


def _clarifying(night: Night) -> None:
    night.session.respond("my leg", Match("cramp.relief", None, 0.5, NO_SLOTS, "clarify",
                                          (Alternative("numbness.relief", None, 0.5),)))


def _confirming(night: Night) -> None:
    night.session.respond("my leg is so lenient hot", Match(
        EMERGENCY, "emergency.clot", 0.2, NO_SLOTS, "confirm",
        confirm="your leg is swollen and hot"))


def _in_a_stretch(seconds: float, then: str = "") -> Callable[[Night], None]:
    def into(night: Night) -> None:
        night.say("my calf is cramping")
        night.wait(seconds)
        if then:
            night.say(then)
    return into


STATES: dict[str, Callable[[Night], object]] = {
    "idle": lambda night: night.session.start(),
    "routine": _in_a_stretch(12),
    "checkin": _in_a_stretch(36),
    "offer": lambda night: night.say("why do i get cramps at night"),
    "clarify": _clarifying,
    "paused": _in_a_stretch(12, then="pause"),
    "confirm": _confirming,
    "emergency": lambda night: night.say("my left calf is swollen and hot"),
}
"""How to bring a night to each state of the dialogue, for tests that sweep states."""


def into(guide: Guide, state: str) -> Night:
    """A night in ``state`` (a key of ``STATES``), with what was said so far looked at."""
    night = Night(guide)
    STATES[state](night)
    assert night.session.mode == state, (state, night.session.mode)
    night.new_keys()
    return night


def repertoire(guide: Guide, minutes: float = 15) -> list[str]:
    """Every sentence the guide says on a night that starts with each intent and is then
    left alone: the welcome, answers, routine steps, countdowns, check-ins and chimes.

    Its own voice coming back through a microphone must never trigger anything, and
    this is the audio that proves it.
    """
    from voiceguide.sentences import split_sentences

    said: dict[str, None] = {}
    for intent in guide.kb.intents.values():
        night = Night(guide)
        night.session.start()
        night.say(intent.examples[0])
        night.wait(minutes * 60)
        for sentence in split_sentences(night.new_text()):
            said.setdefault(sentence, None)
    return list(said)


class ScriptedRecognizer:
    """Hears the next line of ``lines`` in each utterance, whatever was said: for the
    behaviour of the loop (resets, lost microphones, barge-in), not of recognition."""

    name = "scripted"

    def __init__(self, lines: Sequence[str], confidence: float = 0.9) -> None:
        self._lines = iter(lines)
        self._confidence = confidence

    def start(self) -> None:
        pass

    def accept(self, pcm: bytes) -> Transcript | None:
        return None

    def finish(self) -> Transcript:
        return Transcript(next(self._lines, ""), self._confidence)


class SilentSynthesizer:
    """Renders silence as long as the sentence would take to say, so a routine keeps
    the timing it has with a real voice."""

    def __init__(self, words_per_second: float = 2.5) -> None:
        self._words_per_second = words_per_second

    def render(self, sentence: str, rate: int) -> np.ndarray:
        seconds = len(sentence.split()) / self._words_per_second * 150 / max(rate, 1)
        return np.zeros(int(seconds * RATE))


def speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    """A burst an endpointer takes for speech (noise shaped like syllables), between
    quiet: an utterance for a ``ScriptedRecognizer`` to hear as its next line."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    voiced = np.sin(2 * np.pi * 160 * t) + 0.5 * np.sin(2 * np.pi * 320 * t)
    burst = (voiced + 0.3 * rng.standard_normal(t.size)) * syllables * 0.3
    quiet = np.zeros(int(0.4 * RATE))
    return np.concatenate([quiet, burst, quiet])


class Unplugged:
    """A microphone that fails once ``count`` frames have met ``when``."""

    def __init__(self, source: AudioSource | None = None,
                 when: Callable[[bytes], bool] = lambda _: True, count: int = 1) -> None:
        self._source, self._when, self._count = source, when, count

    def frames(self) -> Iterator[bytes]:
        seen = 0
        for frame in self._source.frames() if self._source is not None else iter(()):
            seen += self._when(frame)
            if seen == self._count:
                raise AudioDeviceError("Input overflowed: device unavailable")
            yield frame
        if self._source is None:
            raise AudioDeviceError("Input overflowed: device unavailable")

    def close(self) -> None:
        pass


def absent() -> AudioSource:
    """Opening a microphone that is not there."""
    raise AudioDeviceError("cannot open the microphone")

"""Helpers shared by the tests and by anything that embeds the guide: a conversation
on a manual clock whose speech is recorded instead of played."""

from __future__ import annotations

from collections.abc import Callable

from voiceguide.clock import ManualClock
from voiceguide.dialogue.events import Say
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


STATES: dict[str, Callable[[Night], object]] = {
    "idle": lambda night: night.session.start(),
    "routine": lambda night: (night.say("my calf is cramping"), night.wait(12)),
    "checkin": lambda night: (night.say("my calf is cramping"), night.wait(36)),
    "offer": lambda night: night.say("why do i get cramps at night"),
    "clarify": _clarifying,
    "paused": lambda night: (night.say("my calf is cramping"), night.wait(12),
                             night.say("pause")),
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
    from voiceguide.speech.synth import sentences

    said: dict[str, None] = {}
    for intent in guide.kb.intents.values():
        night = Night(guide)
        night.session.start()
        night.say(intent.examples[0])
        night.wait(minutes * 60)
        for sentence in sentences(night.new_text()):
            said.setdefault(sentence, None)
    return list(said)

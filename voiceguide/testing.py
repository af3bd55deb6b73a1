"""Helpers shared by the tests and by anything that embeds the guide: a conversation
on a manual clock whose speech is recorded instead of played."""

from __future__ import annotations

from voiceguide.clock import ManualClock
from voiceguide.dialogue.events import Say
from voiceguide.guide import Guide
from voiceguide.match import Match
from voiceguide.runtime import Session, advance
from voiceguide.speaker import RecordingSpeaker


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


def repertoire(guide: Guide, minutes: float = 15) -> list[str]:
    """Every sentence the guide says on a night that starts with each intent and is then
    left alone: the welcome, answers, routine steps, countdowns, check-ins and chimes.

    Its own voice coming back through a microphone must never trigger anything, and
    this is the audio that proves it.
    """
    from voiceguide.tts import sentences

    said: dict[str, None] = {}
    for intent in guide.kb.intents.values():
        night = Night(guide)
        night.session.start()
        night.say(intent.examples[0])
        night.wait(minutes * 60)
        for sentence in sentences(night.new_text()):
            said.setdefault(sentence, None)
    return list(said)

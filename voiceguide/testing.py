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

"""The loop that joins the stages: text -> match -> dialogue -> speech, plus timers.

One ``Session`` serves every front end: ``chat`` feeds it typed lines on the system
clock, ``script`` feeds it a file on a manual clock, and the live loop feeds it
recognised speech. Timers live here, not in the dialogue, and fire on the clock given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from voiceguide.asr import Transcript
from voiceguide.clock import Clock, ManualClock
from voiceguide.dialogue.events import (
    Action,
    CancelTimer,
    End,
    Heard,
    Say,
    StartTimer,
    TimerFired,
)
from voiceguide.dialogue.player import Progress
from voiceguide.guide import Guide
from voiceguide.loop.turn import Turn
from voiceguide.match import Match
from voiceguide.safety import Triage
from voiceguide.speech.speakers import Speaker

_LOGGER = logging.getLogger(__name__)


class Session:
    """One conversation, from welcome to goodbye."""

    def __init__(self, guide: Guide, speaker: Speaker, clock: Clock,
                 on_turn: Callable[[Turn], None] | None = None,
                 speech_ends: Callable[[], float] | None = None) -> None:
        self._guide = guide
        self._speaker = speaker
        self._clock = clock
        self._dialogue = guide.dialogue()
        self._timers: dict[str, float] = {}
        self._on_turn = on_turn
        self._speech_ends = speech_ends
        """When the audio queued so far will have played; None when speech is instant."""
        self.ended = False

    @property
    def mode(self) -> str:
        return self._dialogue.mode.value

    @property
    def timers(self) -> dict[str, float]:
        """Pending timers: id -> due time. At most one, by the dialogue's design."""
        return dict(self._timers)

    def start(self, first_time: bool = False, aloud: bool = True) -> list[Say]:
        """The welcome; the first time ever, also how to use the guide by voice.

        ``aloud=False`` keeps it for "repeat" and returns it for a screen without saying
        it: a kiosk that forgets a conversation must not speak into an empty bedroom,
        where the last person may have fallen back asleep."""
        actions = self._dialogue.welcome(first_time)
        if aloud:
            self._carry_out(actions)
        return [a for a in actions if isinstance(a, Say)]

    def progress(self) -> Progress | None:
        """The running routine's step and countdown, for a screen."""
        return self._dialogue.progress(self.now())

    def now(self) -> float:
        return self._clock.monotonic()

    @property
    def triage(self) -> Triage:
        return self._guide.triage

    def hear(self, text: str) -> Match:
        return self.respond(text, self.understand(text))

    def understand(self, text: str) -> Match:
        """The match in the dialogue's current context, without acting on it."""
        # The matcher alone: the dialogue says the words, so the response a bare
        # ``Guide.match`` would work out for display is not needed here.
        return self._guide.matcher.match(text, self._dialogue.context())

    def respond(self, text: str, match: Match) -> Match:
        """Act on a match; the voice loop adjusts it for the recogniser's doubt first."""
        now = self.now()
        _LOGGER.debug("heard %r as %s (%.2f)", text, match.intent, match.confidence)
        if self._on_turn is not None:
            self._on_turn(Turn(Transcript(text, 1.0), match, at=now))
        self._carry_out(self._dialogue.handle(Heard(text, match), now))
        return match

    def next_due(self) -> float | None:
        return min(self._timers.values(), default=None)

    def fire_due(self) -> None:
        """Fire every timer whose time has come, earliest first."""
        while (due := self.next_due()) is not None and due <= self.now():
            timer_id = min(self._timers, key=self._timers.__getitem__)
            del self._timers[timer_id]
            self._carry_out(self._dialogue.handle(TimerFired(timer_id), due))

    def _carry_out(self, actions: Iterable[Action]) -> None:
        for action in actions:
            if isinstance(action, StartTimer):
                due = action.due
                if action.after_speech and self._speech_ends is not None:
                    due += max(0.0, self._speech_ends() - self.now())
                self._timers[action.timer_id] = due
            elif isinstance(action, CancelTimer):
                self._timers.pop(action.timer_id, None)
            elif isinstance(action, End):
                self.ended = True
            else:
                self._speaker.speak(action)


def advance(session: Session, clock: ManualClock, seconds: float) -> None:
    """Move a manual clock on, stopping at every timer so each fires on time."""
    until = clock.monotonic() + seconds
    while (due := session.next_due()) is not None and due <= until:
        clock.set(max(due, clock.monotonic()))
        session.fire_due()
    clock.set(until)

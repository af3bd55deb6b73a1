"""What a conversation remembers between turns, and the small helpers every part of the
dialogue uses to speak and to keep its one timer.

The dialogue is split by job: ``player`` runs routines, ``controls`` answers the control
intents, ``engine`` routes what was heard. They share this state; methods one part
needs from another are declared here and written where they belong.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from voiceguide.dialogue.events import Action, CancelTimer, Say, StartTimer
from voiceguide.kb.model import Intent, KnowledgeBase, Routine
from voiceguide.match import Match
from voiceguide.settings import DialogueSettings

BETWEEN_STEPS = 0.8
"""Seconds of quiet between two spoken routine steps, so instructions don't run together."""


class Mode(Enum):
    IDLE = "idle"
    ROUTINE = "routine"
    CHECKIN = "checkin"
    OFFER = "offer"
    CLARIFY = "clarify"
    PAUSED = "paused"
    CONFIRM = "confirm"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class Running:
    """Where a routine is: which step, and for a hold, when it ends and what is next."""

    routine: Routine
    intent: Intent
    step: int = 0
    ends: float = 0.0
    """Monotonic time the current hold, wait or check-in runs out."""
    next_cue: int = 0
    """Index into the hold's cues of the next one to speak."""
    asked: int = 0
    """Times the current check-in question has been put."""


@dataclass(frozen=True, slots=True)
class Offer:
    intent: Intent
    kind: str
    """``more`` (the rest of this answer) or ``follow_up`` (the intent it leads to)."""


class DialogueState:
    """The state of one conversation and the helpers that change it."""

    def __init__(self, kb: KnowledgeBase, settings: DialogueSettings | None = None
                 ) -> None:
        self._kb = kb
        self._settings = settings or DialogueSettings()
        self.mode = Mode.IDLE
        self._running: Running | None = None
        self._paused_from: Mode | None = None
        self._paused_left = 0.0
        self._offer: Offer | None = None
        self._candidates: tuple[Match, ...] = ()
        self._doubted: Match | None = None
        """The danger asked about in ``confirm``."""
        self._timer: str | None = None
        self._timer_due = 0.0
        self._timer_ids = itertools.count(1)
        self._no_answers: dict[int, int] = {}
        self._last: list[Say] = []

    # Written by the routine player; declared here for the parts that call them.
    def _run(self, now: float) -> list[Action]:
        raise NotImplementedError

    def _go(self, target: str, now: float) -> list[Action]:
        raise NotImplementedError

    def _resume(self, now: float) -> list[Action]:
        raise NotImplementedError

    def _hold(self, now: float, actions: list[Action]) -> None:
        raise NotImplementedError

    def _finish_early(self, now: float) -> list[Action]:
        raise NotImplementedError

    def _time_left(self, now: float) -> Say:
        raise NotImplementedError

    # Written by the engine.
    def _offer_next(self, offer: Offer) -> list[Action]:
        raise NotImplementedError

    def _offer_answer(self, positive: bool, now: float) -> list[Action]:
        raise NotImplementedError

    def _emergency(self, match: Match) -> list[Action]:
        raise NotImplementedError

    def _heard(self, match: Match, now: float) -> list[Action]:
        raise NotImplementedError

    # ---------------------------------------------------------------- helpers

    def _start_timer(self, due: float, after_speech: bool = False) -> list[Action]:
        self._timer = f"t{next(self._timer_ids)}"
        self._timer_due = due
        return [StartTimer(self._timer, due, after_speech)]

    def _cancel_timer_into(self, actions: list[Action]) -> None:
        if self._timer is not None:
            actions.append(CancelTimer(self._timer))
            self._timer = None

    def _reset(self, actions: list[Action]) -> list[Action]:
        """Drop whatever was going on: routine, offer, question, timer."""
        self._cancel_timer_into(actions)
        self._running = None
        self._offer = None
        self._candidates = ()
        self._paused_from = None
        self._doubted = None
        self._no_answers.clear()
        self.mode = Mode.IDLE
        return actions

    def _remember(self, actions: list[Action]) -> list[Action]:
        """Keep what was just said, minus countdown cues, for "repeat"."""
        says = [a for a in actions if isinstance(a, Say) and not a.key.startswith("cue:")]
        if says:
            self._last = says
        return actions

    def _answer_say(self, intent: Intent) -> Say:
        return self._say(intent.response, f"intent:{intent.id}")

    def _say(self, text: str, key: str) -> Say:
        return Say(text.format_map(_Fill(self._values)), key)

    @property
    def _values(self) -> Mapping[str, str]:
        return {"emergency_number": self._settings.emergency_number}

    def _prompt(self, key: str, **values: str) -> Say:
        return Say(self._kb.prompts[key].format_map(_Fill({**self._values, **values})),
                   f"prompt:{key}")

    @staticmethod
    def _step_key(running: Running) -> str:
        return f"step:{running.routine.name}:{running.step + 1}"


class _Fill(dict[str, str]):
    """Leaves unknown placeholders as they are rather than failing mid-sentence."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

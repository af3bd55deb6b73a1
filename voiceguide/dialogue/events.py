"""What goes into the dialogue (events) and what comes out (actions).

Speech actions (``Say``, ``Pause``, ``Earcon``, ``SetVoice``, ``StopSpeaking``) go to a
speaker; timer actions go to the runtime, which fires ``TimerFired`` back when due.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.match import Match


@dataclass(frozen=True, slots=True)
class Heard:
    """The person said something, already matched in the dialogue's context."""

    text: str
    match: Match


@dataclass(frozen=True, slots=True)
class TimerFired:
    timer_id: str


DialogueEvent = Heard | TimerFired


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    key: str
    """Stable name of what is said (``intent:cramp.relief``, ``cue:20``), for tests and logs."""
    rate: float = 1.0
    """Multiplier on the current speech rate; below one for "say that slower"."""


@dataclass(frozen=True, slots=True)
class Pause:
    seconds: float


@dataclass(frozen=True, slots=True)
class Earcon:
    name: str
    """``timer_done``, ``not_caught``, ``alert``."""


@dataclass(frozen=True, slots=True)
class SetVoice:
    rate_change: int = 0
    """Words per minute to add (negative: slower)."""
    volume_change: float = 0.0
    """Share of full volume to add (negative: quieter)."""


@dataclass(frozen=True, slots=True)
class StopSpeaking:
    """Cut off whatever is being said now."""


@dataclass(frozen=True, slots=True)
class StartTimer:
    timer_id: str
    due: float
    """Monotonic seconds, on the clock the dialogue was given ``now`` from."""
    after_speech: bool = False
    """Count from when what was said before it has been heard, not from ``now``: a
    hold begins once its instructions have been spoken, however long they take."""


@dataclass(frozen=True, slots=True)
class CancelTimer:
    timer_id: str


@dataclass(frozen=True, slots=True)
class End:
    """The person said goodbye."""


SpeechEvent = Say | Pause | Earcon | SetVoice | StopSpeaking
Action = SpeechEvent | StartTimer | CancelTimer | End

"""The knowledge base as typed, frozen values: what the loader hands to the matcher
and the dialogue once the content files have passed validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.safety.model import DangerBook


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact came from: a seed article and the section heading in it, or a
    public clinical page (its address, and its title) for what no seed article says."""

    file: str
    section: str

    @property
    def page(self) -> bool:
        return self.file.startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    label: str
    """Noun phrase for clarifying questions: "Did you mean {label}, or ...?"."""
    examples: tuple[str, ...]
    """Example sentences, templates already expanded."""
    group: str | None = None
    response: str = ""
    more: str | None = None
    routine: str | None = None
    muscle_routines: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )
    follow_up: str | None = None
    offer: str | None = None
    sources: tuple[Source, ...] = ()

    @property
    def public_id(self) -> str:
        """The catalogue id callers key on; a finer intent reports its group."""
        return self.group or self.id

    @property
    def detail(self) -> str | None:
        return self.id if self.group else None

    def routine_for(self, muscle: str | None) -> str | None:
        if muscle is not None and muscle in self.muscle_routines:
            return self.muscle_routines[muscle]
        return self.routine


@dataclass(frozen=True, slots=True)
class Branch:
    """Where a check-in answer leads: words to say, then ``go``."""

    go: str
    """``next``, ``end``, a step label, or ``routine:<name>``."""
    say: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    """One of ``say``, ``hold``, ``wait``, ``ask``."""
    say: str | None = None
    label: str | None = None
    seconds: int = 0
    """Length of a hold or wait, in seconds."""
    cues: tuple[int, ...] = ()
    """Seconds left at which a hold's countdown speaks, largest first."""
    done: str | None = None
    ask: str | None = None
    yes: Branch | None = None
    no: Branch | None = None
    no_again: Branch | None = None


@dataclass(frozen=True, slots=True)
class Routine:
    name: str
    title: str
    steps: tuple[Step, ...]
    sources: tuple[Source, ...] = ()
    silent: str | None = None
    """Said when a check-in gets no answer twice and the routine is left: what to do
    if things do not get better (the dialogue's ``checkin_silent`` otherwise)."""

    def index_of(self, label: str) -> int | None:
        for index, step in enumerate(self.steps):
            if step.label == label:
                return index
        return None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words the matcher folds together before fuzzy scoring."""

    fillers: frozenset[str]
    synonyms: Mapping[str, str]
    """Variant phrase -> canonical phrase."""
    muscles: Mapping[str, str]
    """Word -> muscle slot value."""
    sides: Mapping[str, str]
    negations: frozenset[str]
    elsewhere: frozenset[str] = frozenset()
    """Body parts the guide does not cover."""
    legs: frozenset[str] = frozenset()
    """Words that keep an utterance about the legs, whatever else it names."""
    function_words: frozenset[str] = frozenset()
    """Words that never make a request on their own: an utterance of only these,
    fillers and broken-off words is recogniser noise."""
    passing: frozenset[str] = frozenset()
    """Words that may stand between a negation and the leg part it denies ("not go
    down my legs")."""
    handling: frozenset[str] = frozenset()
    """Verbs whose object is a leg part the trouble is not in ("holding my leg")."""
    leg_conditions: frozenset[str] = frozenset()
    """Leg troubles named outright ("sciatica"): in scope as ``legs``, never vague."""
    vague: frozenset[str] = frozenset()
    """Words that name no particular trouble: "my leg feels funny" is asked about."""


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    intents: Mapping[str, Intent]
    routines: Mapping[str, Routine]
    prompts: Mapping[str, str]
    """The guide's own lines, from ``dialogue.toml``."""
    dangers: DangerBook
    """The danger signs and how to read for them, from ``danger.toml``."""
    lexicon: Lexicon

    def intent(self, intent_id: str) -> Intent:
        return self.intents[intent_id]

    def prompt(self, key: str, **values: str) -> str:
        return self.prompts[key].format(**values)

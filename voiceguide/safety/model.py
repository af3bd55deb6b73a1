"""The danger signs as typed values: what ``content/danger.toml`` says once it has
passed validation, for the reader, the rules and the dialogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voiceguide.kb.model import Source

CONCEPT_KINDS = ("sign", "part", "context", "object", "explain", "frame")
"""``sign``: something wrong (swollen, can't breathe); ``part``: where (a leg, the face);
``context``: what makes a sign more worrying (surgery, pregnancy); ``object``: a thing a
colour or warmth may belong to instead of the leg (a gel pack, the cat); ``explain``: a
harmless cause that takes named signs away (a heat pack for redness); ``frame``: words
that change how the rest is read (a question about signs, a past event)."""


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    kind: str
    phrases: tuple[str, ...]
    """Words and phrases that name it; ``*`` ends a word with any ending."""
    said: str | None = None
    """How the guide says it back in a direct question ("swollen", "you can't breathe")."""
    urgent: bool = False
    """On its own it sounds urgent enough that a refusal must say how to get help."""
    explains: tuple[str, ...] = ()
    """For ``explain`` concepts: the signs it accounts for in its own clause."""
    group: str | None = None
    """For ``part`` concepts: the part a rule names (``leg`` for calf, thigh, foot...)."""
    plural: bool = False
    """For ``part`` concepts: names both legs (legs, ankles), not one."""
    reach: str = "clause"
    """For ``explain`` concepts: ``clause`` or the whole ``utterance``."""
    named: bool = False
    """A condition by name ("a clot"): it counts only when claimed ("I think I have
    a clot"), not when asked about ("what is a clot") or past ("I had a clot")."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One requirement of a rule: a concept, said as present and, with ``on``, said of
    a part of that group ("swelling@leg")."""

    concept: str
    on: str | None = None
    count: str = ""
    """With ``on``: ``one`` (a single limb: "my calf", not "my ankles"), ``both``
    (both legs: "my legs"), or empty for either."""
    elsewhere: bool = False
    """With ``on``: said of anything but a part of that group, or of nothing named
    ("severe@!leg": terrible pain in pregnancy, but not hips that are "killing me")."""

    def __str__(self) -> str:
        where = (f"@{'!' if self.elsewhere else ''}{self.on}"
                 f"{'_' + self.count if self.count else ''}") if self.on else ""
        return self.concept + where


@dataclass(frozen=True, slots=True)
class Rule:
    """Fires when every ``all`` condition holds and, if there are any, one of ``any``."""

    danger: str
    all: tuple[Condition, ...]
    any: tuple[Condition, ...] = ()
    label: str = ""
    """For reviewers and logs: which rule of the danger it is."""


@dataclass(frozen=True, slots=True)
class Danger:
    id: str
    """``clot``, ``stroke``...; the match reports ``emergency.<id>`` as its detail."""
    name: str
    """For reviewers: "a clot in the leg"."""
    advice: str
    """Spoken after "Please call ... now.": what to do until help comes."""
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class DangerBook:
    """Everything the triage reads by."""

    concepts: Mapping[str, Concept]
    dangers: Mapping[str, Danger]
    rules: tuple[Rule, ...]
    negations: frozenset[str]
    hedges: frozenset[str]
    """Words that undo the event after them ("nearly fell")."""
    breaks: frozenset[str]
    """Words that start a new clause ("but", "though", "if")."""
    ends: frozenset[str]
    """Words that end a denial's reach without starting a clause ("just", "only")."""
    subjects: frozenset[str]
    """Words that start a new clause when a sign or part came just before them."""
    claims: frozenset[str]
    """Words before a named condition that claim it now ("have", "got", "is")."""
    past_claims: frozenset[str]
    """Words before a named condition that put it in the past ("had", "previous")."""

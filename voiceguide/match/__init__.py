"""From text to intent: the typed result and the context the dialogue supplies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

OUT_OF_SCOPE = "out_of_scope"
EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class Alternative:
    intent: str
    detail: str | None
    score: float
    """Similarity, 0..1."""


@dataclass(frozen=True, slots=True)
class Passage:
    """A section of one of the deployment's own documents that answers a question no
    curated intent answers: what the guide reads out, and where it came from."""

    id: str
    """Stable section id; ``match --json`` reports the intent as ``doc:<id>``."""
    file: str
    section: str
    """The heading as the document writes it."""
    topic: str
    """Spoken in the attribution: "From the article on {topic}: ..."."""
    summary: str


@dataclass(frozen=True, slots=True)
class Match:
    intent: str
    """Public catalogue id, such as ``cramp.relief`` or ``out_of_scope``."""
    detail: str | None
    """The finer knowledge-base id when ``intent`` is its group."""
    confidence: float
    """Estimated probability, 0..1, that ``intent`` is right."""
    slots: Mapping[str, str]
    outcome: str
    """``accept``, ``clarify`` (ask between the two best), ``out_of_scope``, or
    ``confirm`` (an emergency heard only in a doubtful hearing: ask before acting)."""
    alternatives: tuple[Alternative, ...] = ()
    """The next best intents, best first."""
    response: str = ""
    """What the guide says first to this, from a fresh start."""
    text: str = ""
    """The utterance as the matcher saw it, after normalisation."""
    passage: Passage | None = None
    """Set when the answer comes from a document section rather than an intent."""
    confirm: str = ""
    """With ``outcome`` ``confirm``: the danger heard only in a doubtful hearing, to
    ask about ("your leg is swollen and hot")."""
    urgent: tuple[str, ...] = ()
    """Urgent-sounding signs the triage heard (a fall, a fever) that make no danger
    on their own: a refusal then still says how to get help."""

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "intent": self.intent,
            "detail": self.detail,
            "confidence": round(self.confidence, 3),
            "slots": dict(self.slots),
            "outcome": self.outcome,
            "alternatives": [
                {"intent": a.intent, "detail": a.detail, "score": round(a.score, 3)}
                for a in self.alternatives
            ],
            "response": self.response,
        }
        if self.passage is not None:
            found["source"] = {"file": self.passage.file, "section": self.passage.section}
        if self.urgent:
            found["urgent"] = list(self.urgent)
        return found


@dataclass(frozen=True, slots=True)
class MatchContext:
    """What the dialogue is waiting for, so short answers can be read in its light."""

    state: str = "idle"
    expecting: tuple[str, ...] = ()
    """Intent ids that would answer the dialogue's last question."""


NO_SLOTS: Mapping[str, str] = MappingProxyType({})


class Matcher(Protocol):
    def match(self, text: str, context: MatchContext | None = None) -> Match: ...

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]: ...


__all__ = [
    "EMERGENCY",
    "NO_SLOTS",
    "OUT_OF_SCOPE",
    "Alternative",
    "Match",
    "MatchContext",
    "Matcher",
    "Passage",
]

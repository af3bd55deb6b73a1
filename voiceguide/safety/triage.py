"""The triage: from a reading of what was said to a finding the guide acts on.

A rule of ``danger.toml`` fires when each of its conditions is met by a live sign
(said as true now, not denied, asked about, past, imagined or explained away) and, for
a condition such as ``swelling@leg_one``, said of the right part. The first rule met
names the danger. Short of a danger, signs that sound urgent on their own ("I fell",
"I've got a fever") are reported so a refusal can still say how to get help.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.safety.model import Condition, DangerBook, Rule
from voiceguide.safety.reading import Mention, Reader, Reading

LEG_WORDS = frozenset({"it", "this", "skin", "area", "they", "them", "both"})
"""Parts that are "it": said back as "your leg"."""
WHOLE_CLAUSE = frozenset({"you", "you're", "you've", "your", "there", "there's", "it",
                          "it's", "the"})
"""A sign's words that are a whole clause ("you can't breathe properly"), not a word to
say of a part ("swollen")."""


@dataclass(frozen=True, slots=True)
class Finding:
    """What the triage made of one utterance."""

    danger: str | None = None
    """The danger's id (``clot``, ``stroke``...) when a rule fired."""
    rule: str = ""
    """Which rule, for logs and reviewers."""
    urgent: tuple[str, ...] = ()
    """Concepts said as true now that sound urgent on their own."""
    quiet: bool = False
    """Some sign was denied, asked about, past or explained away ("it's not swollen,
    just tight"): a fuzzy guess of "emergency" must not overrule that."""
    said: str = ""
    """The signs in words the guide can say back: "your calf is swollen and hot"."""
    cause: bool = False
    """An everyday cause was named ("a crease from the pillow", "a blocked nose"):
    the learnt second opinion does not overrule the rules' reading of it."""

    @property
    def emergency(self) -> bool:
        return self.danger is not None


NOTHING = Finding()


class Triage:
    """Reads utterances for danger signs; built once, used for every utterance."""

    def __init__(self, book: DangerBook) -> None:
        self.book = book
        self._reader = Reader(book)

    def read(self, text: str) -> Reading:
        return self._reader.read(text)

    def assess(self, text: str) -> Finding:
        reading = self._reader.read(text)
        for rule in self.book.rules:
            met = self._met(reading, rule)
            if met is not None:
                return Finding(rule.danger, rule.label, self._urgent(reading), False,
                               _said(met))
        quiet = any(not m.live for m in reading.signs())
        urgent = self._urgent(reading)
        cause = any(m.concept.kind == "explain" and m.live for m in reading.mentions)
        if not urgent and not quiet and not cause:
            return NOTHING
        return Finding(None, "", urgent, quiet, cause=cause)

    @staticmethod
    def _urgent(reading: Reading) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.name for m in reading.mentions
                                   if m.concept.urgent and m.live))

    @staticmethod
    def _met(reading: Reading, rule: Rule) -> list[Mention] | None:
        found: list[Mention] = []
        for condition in rule.all:
            holding = _holding(reading, condition)
            if not holding:
                return None
            found.append(holding[0])
        if rule.any:
            extra = next((h[0] for c in rule.any if (h := _holding(reading, c))), None)
            if extra is None:
                return None
            found.append(extra)
        return found


def _holding(reading: Reading, condition: Condition) -> list[Mention]:
    held = []
    for mention in reading.mentions:
        if mention.name != condition.concept or not mention.live:
            continue
        if condition.on is not None and condition.elsewhere:
            if mention.bearer is not None and mention.bearer.concept.group == condition.on:
                continue
        elif condition.on is not None:
            bearer = mention.bearer
            if bearer is None or bearer.concept.group != condition.on:
                continue
            if condition.count == "one" and bearer.concept.plural:
                continue
            if condition.count == "both" and not bearer.concept.plural:
                continue
        held.append(mention)
    return held


def _said(mentions: list[Mention]) -> str:
    """The signs as the guide can say them back, at most two: "your calf is swollen
    and hot", "you can't breathe properly"."""
    clauses: list[str] = []
    described: dict[str, list[str]] = {}
    plural: dict[str, bool] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        said = mention.concept.said
        if not said:
            continue
        if said == "=":
            said = mention.words
        if said.split()[0] in WHOLE_CLAUSE:
            clauses.append(said)
            continue
        bearer = mention.bearer
        part = "leg"
        if bearer is not None and bearer.concept.kind == "part" and (
                bearer.words not in LEG_WORDS):
            part = bearer.words
            plural[part] = bearer.concept.plural
        described.setdefault(part, [])
        if said not in described[part]:
            described[part].append(said)
    parts = [f"your {part} {'are' if plural.get(part) else 'is'} {' and '.join(adj)}"
             for part, adj in described.items()]
    return " and ".join((parts + clauses)[:2])

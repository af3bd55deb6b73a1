"""Red-flag detection: runs before matching and wins over everything else.

Rules are data (``content/safety.toml``) so a clinician can read and extend them.
Words are matched on ``plain`` text, where nothing has been dropped or folded, so a
sign cannot be lost to the fuzzy matcher's tidying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceguide.kb.model import SafetyRule

NEGATION_WINDOW = 3
"""How many words before a red-flag word a negation still reaches ("is not very swollen")."""


def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    parts = [
        r"\s+".join(re.escape(w).replace(r"\*", r"\w*") for w in term.split())
        for term in sorted(terms, key=len, reverse=True)
    ]
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    id: str
    groups: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None


class SafetyCheck:
    """Finds the first red-flag rule an utterance meets, if any."""

    def __init__(self, rules: tuple[SafetyRule, ...], negations: frozenset[str]) -> None:
        self._negations = negations
        self._rules = tuple(
            _CompiledRule(
                rule.id,
                tuple(_term_pattern(group) for group in rule.groups),
                _term_pattern(rule.unless) if rule.unless else None,
            )
            for rule in rules
        )

    def _negated(self, words_before: list[str]) -> bool:
        window = words_before[-NEGATION_WINDOW:]
        offset = len(words_before) - len(window)
        for i, word in enumerate(window):
            # "can not breathe" states a sign, it does not deny one.
            inability = word == "not" and words_before[offset + i - 1 : offset + i] in (
                ["can"], ["could"])
            if word in self._negations and not inability:
                return True
        return False

    def _hits(self, pattern: re.Pattern[str], text: str) -> list[bool]:
        """For each place ``pattern`` occurs in ``text``: is it negated there?"""
        return [self._negated(text[: found.start()].split())
                for found in pattern.finditer(text)]

    def _present(self, pattern: re.Pattern[str], text: str) -> bool:
        return any(not negated for negated in self._hits(pattern, text))

    def denied(self, plain_text: str) -> bool:
        """Whether a red-flag word appears only under a negation ("not swollen")."""
        return any(
            (hits := self._hits(group, plain_text)) and all(hits)
            for rule in self._rules for group in rule.groups
        )

    def red_flag(self, plain_text: str) -> str | None:
        """The id of the rule met by ``plain_text`` (see ``normalize.plain``), or None."""
        for rule in self._rules:
            text = rule.unless.sub(" ", plain_text) if rule.unless else plain_text
            if all(self._present(group, text) for group in rule.groups):
                return rule.id
        return None

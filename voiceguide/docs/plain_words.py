"""Everyday words matched to the words articles use, so "water pills" finds the
section on diuretics. The groups are content (``content/plain_words.toml``), for a
clinician to review; this module reads them and widens a question with them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from voiceguide.errors import KnowledgeBaseError
from voiceguide.kb.schema import read_toml
from voiceguide.match.normalize import plain

PLAIN_WORDS = Path(__file__).resolve().parent.parent / "content" / "plain_words.toml"


@dataclass(frozen=True, slots=True)
class _Group:
    name: str
    said: re.Pattern[str]
    """Any of the group's words or phrases, as whole words of a plain question."""
    phrases: tuple[str, ...]


class PlainWords:
    """Widens a question's terms with the other words of each group it names."""

    def __init__(self, groups: Mapping[str, tuple[str, ...]]) -> None:
        self._groups = tuple(
            _Group(name, re.compile(r"\b(?:" + "|".join(
                re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")\b"),
                phrases)
            for name, phrases in groups.items())

    def alternatives(self, text: str, terms: Callable[[str], list[str]]
                     ) -> dict[str, set[tuple[str, ...]]]:
        """For each term of a phrase the question says, the rest of its group, each
        as the terms that must all be found together ("water pill" is not "water");
        ``terms`` is the retriever's own tokeniser, so both sides agree."""
        said = plain(text)
        found: dict[str, set[tuple[str, ...]]] = {}
        for group in self._groups:
            hits = {m.group() for m in group.said.finditer(said)}
            if not hits:
                continue
            own = {t for hit in hits for t in terms(hit)}
            others = {tuple(terms(p)) for p in group.phrases} - {(t,) for t in own}
            for term in own:
                found.setdefault(term, set()).update(o for o in others if o)
        return found


@cache
def plain_words(path: Path = PLAIN_WORDS) -> PlainWords:
    """The groups in ``path``; a malformed file is a one-line ``KnowledgeBaseError``
    naming the file and the group."""
    data = read_toml(path)
    groups = data.get("groups")
    if set(data) != {"groups"} or not isinstance(groups, dict) or not groups:
        raise KnowledgeBaseError(f"{path.name}: must hold one [groups] table of word "
                                 f"lists (fix {path})")
    checked: dict[str, tuple[str, ...]] = {}
    for name, phrases in groups.items():
        if (not isinstance(phrases, list) or len(phrases) < 2
                or not all(isinstance(p, str) and plain(p) for p in phrases)):
            raise KnowledgeBaseError(f"{path.name}: group {name!r} must list at least "
                                     f"two words or phrases (fix {path})")
        checked[name] = tuple(dict.fromkeys(plain(p) for p in phrases))
    return PlainWords(checked)

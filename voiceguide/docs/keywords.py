"""A handful of words and two-word phrases that set one section apart from the rest
of its article, for intent linking to match a listener's words against.

Weighting is term frequency times inverse section frequency within the article, with
the heading's words counted extra: a word every section uses ("cramps" in a cramp
article) says nothing about which section answers a question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

LIMIT = 6
"""Keywords kept per section."""

_TITLE_WEIGHT = 3
"""A heading word counts as this many uses in the text."""

_WORD = re.compile(r"[a-z][a-z0-9]*(?:['\u2019-][a-z0-9]+)*")

_STOP = frozenset("""
a about above after again against all almost also although always am among an and any
are aren't around as at away be because been before being below between both but by can
cannot could did do does doing done down during each either else enough especially even
ever every few for from further get gets getting give given go goes going had has have
having he her here hers herself him himself his how however i if in include includes
including into is isn't it it's its itself just keep know less let like likely make makes
many may me might more most much must my myself need needs no nor not now of off often on
once one only or other others our ours ourselves out over own per perhaps quite rather
really same see seem seems several shall she should since so some something sometimes
still such than that that's the their theirs them themselves then there therefore these
they they're this those though through thus to too toward towards under until up upon us
use used uses using usually various very via was we well were what when where whether
which while who whom whose why will with within without would yet you your you're yours
yourself yourselves certain important essential help helps helping particularly especially
significant significantly overall whole way ways lead leads leading can't don't won't
good better best day days time times long new first last lot thing things people person
individuals additional common commonly different due able another around
""".split())


def keywords(sections: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Keywords for each ``(title, text)`` of one article, in the same order."""
    counted = [_terms(title, text) for title, text in sections]
    spread: Counter[str] = Counter()
    for counts in counted:
        spread.update(counts.keys())
    total = len(sections)
    return [_top(counts, spread, total) for counts in counted]


def _terms(title: str, text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    in_text: set[str] = set()
    for words, weight in ((_words(title), _TITLE_WEIGHT), (_words(text), 1)):
        for index, word in enumerate(words):
            if not _content(word):
                continue
            counts[word] += weight
            following = words[index + 1] if index + 1 < len(words) else ""
            if _content(following):
                counts[f"{word} {following}"] += weight
                if weight == 1:
                    in_text.add(f"{word} {following}")
    # A phrase the text uses once is happenstance, and one only the heading uses is
    # the heading's wording rather than the subject ("prevent hip").
    return Counter({term: n for term, n in counts.items()
                    if " " not in term or (term in in_text and n >= 2)})


def _words(text: str) -> list[str]:
    """Lowercase words, with no word pairs across punctuation or lines: a break is ""."""
    words: list[str] = []
    for chunk in re.split(r"[^\w \t'\u2019-]+", text.lower()):
        words += [w.replace("\u2019", "'").removesuffix("'s") for w in _WORD.findall(chunk)]
        words.append("")
    return words


def _top(counts: Counter[str], spread: Counter[str], total: int) -> tuple[str, ...]:
    scored = sorted(counts, key=lambda t: (-counts[t] * math.log(1 + total / spread[t]), t))
    chosen: list[str] = []
    for term in scored:
        if any(term in kept.split() or term == kept for kept in chosen):
            continue
        if " " in term and all(part in chosen for part in term.split()):
            continue
        chosen.append(term)
        if len(chosen) == LIMIT:
            break
    return tuple(chosen)


def _content(word: str) -> bool:
    return len(word) >= 3 and word not in _STOP and not word.isdigit()

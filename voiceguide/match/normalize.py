"""Text normalisation shared by the safety rules and the fuzzy matcher.

Two levels, because they serve different masters: ``plain`` keeps every word (a red
flag such as "so bad" must survive), ``canonical`` drops fillers and folds synonyms so
that "charley horse" and "my calf is cramping" land near the same examples.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache

import snowballstemmer

from voiceguide.kb.model import Lexicon
from voiceguide.numbers import TENS, UNITS

_CONTRACTIONS = (
    # With Scots "cannae" and Jamaican "cyaan".
    (re.compile(r"\b(can't|cannot|cant|cannae|canna|cyaan|kyaan|caan)\b"), "can not"),
    # Scots: "it disnae stop".
    (re.compile(r"\b(is|was|does|do|did|could|would|will|have|has)nae\b"), r"\1 not"),
    (re.compile(r"\bdisnae\b"), "does not"),
    (re.compile(r"\bwullnae\b|\bwinnae\b"), "will not"),
    (re.compile(r"\bwon't\b|\bwont\b"), "will not"),
    (re.compile(r"\b(is|are|was|were|do|does|did|has|have|had|could|would|should|must)"
                r"n'?t\b"), r"\1 not"),
    (re.compile(r"\bain't\b"), "is not"),
    (re.compile(r"\bi'm\b|\bim\b"), "i am"),
    (re.compile(r"\b(it|that|what|there|here|he|she|who|where|how|this)'s\b"), r"\1 is"),
    (re.compile(r"\b(it|that|what|there|he|she)s\b"), r"\1 is"),
    (re.compile(r"\b(every|some|no|any)things\b"), r"\1thing is"),
    # Jamaican: "stand pon it".
    (re.compile(r"\bpon\b"), "on"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), " is"),
)
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
"""ASCII that is neither printable nor space (``str.isspace`` counts \x1c-\x1f)."""
_NUMBER_WORD = re.compile(
    r"\b(?:(" + "|".join(TENS) + r")(?: (" + "|".join(UNITS[1:10]) + r"))?|("
    + "|".join(UNITS) + r"))\b"
)


def spelled_out(text: str) -> str:
    """Lower case, ASCII, contractions spelled out; punctuation still there."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = _UNPRINTABLE.sub("", text.encode("ascii", "ignore").decode("ascii"))
    text = text.lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def plain(text: str) -> str:
    """Lower case, ASCII, contractions spelled out, punctuation gone, spaces single."""
    return " ".join(_NOT_WORD.sub(" ", spelled_out(text)).split())


def _number(match: re.Match[str]) -> str:
    tens, unit, single = match.groups()
    if single:
        return str(UNITS.index(single))
    return str(TENS[tens] + (UNITS.index(unit) if unit else 0))


def phrase_pattern(phrases: Mapping[str, str] | frozenset[str]) -> re.Pattern[str]:
    """One regex for any of ``phrases`` as whole words, longest first."""
    ordered = sorted(phrases, key=lambda p: (-len(p), p))
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in ordered) + r")\b")


class Normalizer:
    """Folds an utterance onto the vocabulary the examples are written in."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._fillers = phrase_pattern(lexicon.fillers)
        folds = {**lexicon.synonyms, **lexicon.muscles}
        self._folds = folds
        self._fold_pattern = phrase_pattern(folds)

    def canonical(self, text: str) -> str:
        """``plain`` text without fillers, with numbers as digits and synonyms folded."""
        text = self._fillers.sub(" ", plain(text))
        text = _NUMBER_WORD.sub(_number, text)
        text = self._fold_pattern.sub(lambda m: self._folds[m.group(0)], text)
        return " ".join(text.split())


STOPWORDS = frozenset((
    "a an the my me i it is am are was be been to of in on at and or for with this "
    "that these those your you do does did have has had its there here some any "
    "again up out off over very get got getting can will would should could"
).split())
"""Words too common to tell one request, or one section, from another."""

_STEMMER = snowballstemmer.stemmer("english")
_KEPT_APART = {"medication": "medicat", "medications": "medicat"}
"""Porter folds these into "medic", with "medical", a word every article uses."""


@cache
def stem(word: str) -> str:
    """Porter's English stemmer: "cramps" meets "cramp", "numbness" meets "numb" and
    "paused" meets "pause", while "electromyography" and "electrolyte" stay apart."""
    return _KEPT_APART.get(word) or _STEMMER.stemWord(word)

"""Text normalisation shared by the safety rules and the fuzzy matcher.

Two levels, because they serve different masters: ``plain`` keeps every word (a red
flag such as "so bad" must survive), ``canonical`` drops fillers and folds synonyms so
that "charley horse" and "my calf is cramping" land near the same examples.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Set
from functools import cache
from itertools import pairwise

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
_DRAWN_OUT = re.compile(r"([a-z])\1{2,}")
"""A letter said three or more times over ("nextttt", "pleeease"): no English word
spells one so, and a typist or a recogniser drawing a word out means the word."""
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


_LETTER_RUN = re.compile(r"([a-z])\1*")


class FillerSayings:
    """Synonyms made partly of fillers ("mm hmm", "uh huh" for yes): folded before the
    fillers are dropped, or nothing of them would be left to fold. Their letters may
    be said any number of times over: "mm hmm" is also "mm-hm", "mmm hmmm" and "m hm",
    since nobody agrees how to spell a sound."""

    def __init__(self, lexicon: Lexicon) -> None:
        fillers = phrase_pattern(lexicon.fillers or frozenset({"\0"}))
        sayings = sorted((p for p in lexicon.synonyms if fillers.search(p)),
                         key=lambda p: (-len(p), p))
        self._sayings = [(re.compile(r"\b" + " ".join(
            _LETTER_RUN.sub(lambda m: re.escape(m.group(1)) + "+", word)
            for word in saying.split()) + r"\b"), lexicon.synonyms[saying])
            for saying in sayings]

    def fold(self, text: str) -> str:
        for pattern, meant in self._sayings:
            text = pattern.sub(meant, text)
        return text

    def said_in(self, text: str) -> bool:
        return any(pattern.search(text) for pattern, _ in self._sayings)


def undrawn(text: str) -> str:
    """``text`` with drawn-out letters said once: "nooo" is "no", "nextttt" "next"."""
    return _DRAWN_OUT.sub(r"\1", text)


JOINED_LETTERS = 5
"""The shortest word that two split halves are joined into: "a go" stays apart."""


class SplitWords:
    """Joins words a recogniser split in two ("mass age", "pre vent", "be gin"): two
    neighbours that no example or synonym says side by side, and that make, together,
    a word the examples use and the dictionary lists."""

    def __init__(self, phrases: Iterable[str], english: Set[str] = frozenset()) -> None:
        """``phrases``: the examples and synonyms, as ``plain`` text."""
        said = [p.split() for p in phrases]
        self._words = frozenset(w for words in said for w in words)
        self._pairs = frozenset(pair for words in said
                                for pair in pairwise(words))
        self._english = english

    def join(self, plain_text: str) -> str:
        words = plain_text.split()
        result: list[str] = []
        n = 0
        while n < len(words):
            if n + 1 < len(words) and self._split(words[n], words[n + 1]):
                result.append(words[n] + words[n + 1])
                n += 2
            else:
                result.append(words[n])
                n += 1
        return " ".join(result)

    def _split(self, first: str, second: str) -> bool:
        joined = first + second
        return (len(joined) >= JOINED_LETTERS and joined in self._words
                and (first, second) not in self._pairs
                and (not self._english or joined in self._english))


class Normalizer:
    """Folds an utterance onto the vocabulary the examples are written in."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._fillers = phrase_pattern(lexicon.fillers)
        folds = {**lexicon.synonyms, **lexicon.muscles}
        self._folds = folds
        self._fold_pattern = phrase_pattern(folds)
        self._sayings = FillerSayings(lexicon)

    def canonical(self, text: str) -> str:
        """``plain`` text without fillers, with numbers as digits and synonyms folded."""
        text = self._sayings.fold(undrawn(plain(text)))
        text = self._fillers.sub(" ", text)
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

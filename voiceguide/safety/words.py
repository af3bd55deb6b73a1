"""Words as a recogniser or a sleepy typist gives them, made readable for the triage.

Punctuation is kept as a clause mark, because "no, my chest hurts" and "no chest
pain" differ only by it. Words the triage does not know are repaired towards the
words it reads for, but only when they are not English words in their own right:
"swolen" becomes "swollen", "smelling" stays "smelling". A word run into the next
("swollenand") is split when both halves are words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from voiceguide.match.normalize import spelled_out
from voiceguide.numbers import TENS, UNITS

MARK = ","
"""What every clause-ending punctuation mark becomes."""
PAUSE = "~"
"""A trailing-off "...": a sleepy pause ends a denial, not a clause ("no... not
better... calf's... swelling up")."""
REPAIR_CUTOFF = 84.0
"""rapidfuzz ratio at which an unknown word is taken for a misspelt sign word."""
SHORTEST_REPAIRED = 5
"""Shorter words are too easily one letter from another word to repair."""

_PAUSES = re.compile(r"\.\.+|\u2026")
_MARKS = re.compile(r"[.,;:!?]+|\s[-\u2013\u2014]+\s")
_OTHER = re.compile(r"[^a-z0-9,~ ]+")
_BARELY = re.compile(r"\b(can|could) (?:hardly|barely|scarcely)\b")
""""I can hardly breathe" says what "I can not breathe" says."""
_TENS = re.compile(r"\b(" + "|".join(TENS) + r")(?:[ -](" + "|".join(UNITS[1:10]) + r"))?\b")


@functools.cache
def english() -> frozenset[str]:
    """The recogniser's pronouncing dictionary as a word list: a word found there is
    an English word, not a slip, and is left alone. Empty without PocketSphinx."""
    try:
        from voiceguide.asr.language_model import dictionary_words

        return dictionary_words()
    except (ImportError, OSError):
        return frozenset()


def tokens(text: str) -> tuple[list[str], bool, frozenset[int]]:
    """The words of ``text`` with clause marks as ``,``; whether it was asked (ended
    with a question mark); and the positions of words that came after a trailing-off
    pause ("calf's... swelling up"), which end a denial but not a clause."""
    spelled = _BARELY.sub(r"\1 not", spelled_out(text))
    asked = spelled.rstrip(" .\u2026").endswith("?")
    spelled = _TENS.sub(_tens, _PAUSES.sub(f" {PAUSE} ", spelled.replace(PAUSE, " ")))
    words: list[str] = []
    pauses: set[int] = set()
    for word in _OTHER.sub(" ", _MARKS.sub(f" {MARK} ", spelled)).split():
        if word == PAUSE:
            pauses.add(len(words))
        elif word != MARK or (words and words[-1] != MARK):
            words.append(word)
    while words and words[-1] == MARK:
        words.pop()
    return words, asked, frozenset(p for p in pauses if 0 < p < len(words))


def _tens(match: re.Match[str]) -> str:
    """"thirty four weeks", "thirty-four weeks" -> "34 weeks", so a pregnancy's week
    is read as a number."""
    tens, unit = match.groups()
    return str(TENS[tens] + (UNITS.index(unit) if unit else 0))


class Repairer:
    """Mends misspelt and run-together words towards the triage's vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = sorted(set(vocabulary))
        self._known = frozenset(self._vocabulary)

    def _is_word(self, word: str) -> bool:
        return word in self._known or word in english()

    def mend(self, word: str) -> list[str]:
        """The word as the triage should read it: itself, mended, or split in two."""
        if word == MARK or self._is_word(word) or len(word) < SHORTEST_REPAIRED:
            return [word]
        split = self._split(word)
        if split is not None:
            return list(split)
        found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio,
                                   score_cutoff=REPAIR_CUTOFF)
        return [found[0] if found else word]

    def _split(self, word: str) -> tuple[str, str] | None:
        """"swollenand" -> ("swollen", "and"), when one half is a sign word."""
        for cut in range(2, len(word) - 1):
            left, right = word[:cut], word[cut:]
            if ((left in self._known or right in self._known)
                    and self._is_word(left) and self._is_word(right)):
                return left, right
        return None

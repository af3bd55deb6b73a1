"""Two questions answered before any intent is scored, because no score answers them
well: is this recogniser noise, and is it about a body part the guide does not cover?

Noise: a recogniser hearing a fan or a murmur writes strings of little words ("uh the
um a", "and the and") and broken-off ones ("sto", "stre"). Scored like speech, such a
string lands near some short control ("a" near "yeah") and has ended sessions and
counted as yes. An utterance made only of fillers, function words and fragments (short
words neither the content nor the recogniser's dictionary knows) is refused in every
state.

Elsewhere: a cramp, numbness or pain that the person places only in another part
("my tummy is cramping", "my fingers are numb") is not the leg trouble the guide
helps with, however leg-like its words. A leg part named too keeps it in scope ("cramp
in my foot and my tummy hurts too"), unless it is denied ("it doesn't go down my
legs", "nothing in the legs") or only held ("my arm went to sleep holding my leg").
"""

from __future__ import annotations

import re
from collections.abc import Set

from voiceguide.kb.model import Lexicon
from voiceguide.match.normalize import FillerSayings, phrase_pattern, spelled_out

FRAGMENT_LETTERS = 4
"""Words the content does not use, this short or shorter and not in the dictionary,
are taken for broken-off words, not speech ("sto", "stre")."""
STRAY_LETTERS = 2
"""Words this short that the content does not use are stray even when the dictionary
lists them ("th", which it has as an abbreviation)."""
NEGATION_REACH = 4
"""Words that may stand between a negation and the leg part it denies."""
_CLAUSE = re.compile(r"[,.;:!?]+|\bbut\b|\bthough\b|\balthough\b")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


class Gates:
    """Noise and body-part checks, built once from the lexicon."""

    def __init__(self, lexicon: Lexicon, vocabulary: Set[str],
                 english: Set[str] = frozenset()) -> None:
        """``vocabulary``: the words of the content's examples; ``english``: a word
        list (the recogniser's dictionary) that tells a real word from a fragment."""
        self._fillers = phrase_pattern(lexicon.fillers or frozenset({"\0"}))
        # "mm hm" is a yes, not two fillers.
        self._sayings = FillerSayings(lexicon)
        self._function = lexicon.function_words
        self._vocabulary = frozenset(vocabulary)
        self._english = english
        self._elsewhere = phrase_pattern(lexicon.elsewhere or frozenset({"\0"}))
        # A set phrase that holds such a part means something else: "on my stomach"
        # is a way to lie.
        self._set_phrases = phrase_pattern(frozenset(
            v for v in lexicon.synonyms if self._elsewhere.search(v)) or frozenset({"\0"}))
        self._legs = phrase_pattern(lexicon.legs | lexicon.leg_conditions
                                    or frozenset({"\0"}))
        self._parts = phrase_pattern(lexicon.legs or frozenset({"\0"}))
        self._conditions = phrase_pattern(lexicon.leg_conditions or frozenset({"\0"}))
        self._negations = lexicon.negations
        self._passing = lexicon.passing
        self._handling = lexicon.handling
        self._vague = phrase_pattern(lexicon.vague or frozenset({"\0"}))

    def noise(self, plain_text: str) -> bool:
        """Whether ``plain_text`` (see ``normalize.plain``) holds nothing but fillers,
        function words and fragments; an empty text is noise too."""
        if self._sayings.said_in(plain_text):
            return False
        words = self._fillers.sub(" ", plain_text).split()
        return all(w in self._function or self._fragment(w) for w in words)

    def vague(self, plain_text: str) -> bool:
        """Whether ``plain_text`` names a leg part and nothing the matter with it."""
        rest = self._vague.sub(" ", self._fillers.sub(" ", plain_text))
        if self._conditions.search(rest) or not self._parts.search(rest):
            return False
        return all(w in self._function for w in self._parts.sub(" ", rest).split())

    def _fragment(self, word: str) -> bool:
        if word in self._vocabulary:
            return False
        return len(word) <= STRAY_LETTERS or (len(word) <= FRAGMENT_LETTERS
                                              and word not in self._english)

    def elsewhere(self, text: str) -> bool:
        """Whether ``text`` names a body part the guide does not cover and no part of
        the leg that the trouble is said of."""
        clauses = [_clause_words(self._set_phrases.sub(" ", " ".join(_clause_words(c))))
                   for c in _CLAUSE.split(spelled_out(text))]
        named = [c for c in clauses if self._elsewhere.search(" ".join(c))]
        if not named:
            return False
        return not any(self._leg_said_of(words) for words in clauses)

    def _leg_said_of(self, words: list[str]) -> bool:
        """Whether a clause names a leg part as the one with the trouble."""
        joined = " ".join(words)
        for found in self._legs.finditer(joined):
            before = joined[:found.start()].split()
            if before and before[-1] in ("my", "the", "your", "both", "his", "her"):
                before = before[:-1]
            if before and before[-1] in self._handling:
                continue
            if self._denied(before):
                continue
            after = joined[found.end():].split()[:2]
            if len(after) == 2 and after[0] in ("is", "are") and after[1] in _FINE:
                continue
            return True
        return False

    def _denied(self, before: list[str]) -> bool:
        """A negation a few passing words back: "not (go down) my legs"."""
        for word in reversed(before[-(NEGATION_REACH + 1):]):
            if word in self._negations:
                return True
            if word not in self._passing:
                return False
        return False


_FINE = frozenset({"fine", "okay", "ok", "alright", "good", "normal"})
"""Said after a leg part, these deny trouble there: "my legs are fine"."""


def _clause_words(clause: str) -> list[str]:
    return _NOT_WORD.sub(" ", clause).split()

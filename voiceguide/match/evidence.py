"""Word evidence: each content word of an utterance votes for the intents whose
examples use it, weighted by how specific it is to them (a word every intent uses says
little). Words the knowledge base does not know are first snapped to the nearest known
word with rapidfuzz, which repairs a typist's "watter bottle"; words that stay
unknown dilute the evidence, which is how "what's the weather" stays out of scope.
A word the dictionary knows is snapped only to another form of itself ("muscles" to
"muscle"): "handy" is not "hand", nor "wants" "ants", nor "stick" "sick".
"""

from __future__ import annotations

from collections.abc import Sequence, Set

import numpy as np
from rapidfuzz import fuzz, process

from voiceguide.match.normalize import STOPWORDS, stem

EVIDENCE_PRIOR_WORDS = 0.5
"""Unknown words' worth of doubt added to every utterance's evidence."""


class WordEvidence:
    """Per-intent weights of content words, learnt from the examples at load time."""

    def __init__(self, examples_by_intent: Sequence[Sequence[str]],
                 correction_cutoff: float, english: Set[str] = frozenset()) -> None:
        """``english``: a word list (the recogniser's dictionary); a word in it is a
        word in its own right, snapped only to a form of itself."""
        vocabulary = sorted({w for examples in examples_by_intent for e in examples
                             for w in e.split() if w not in STOPWORDS})
        self._index = {word: n for n, word in enumerate(vocabulary)}
        self._vocabulary = vocabulary
        self._cutoff = correction_cutoff
        self._english = english
        share = np.zeros((len(examples_by_intent), len(vocabulary)))
        for i, examples in enumerate(examples_by_intent):
            for example in examples:
                for word in set(example.split()) & self._index.keys():
                    share[i, self._index[word]] += 1
            share[i] /= max(len(examples), 1)
        rarity = np.log((len(examples_by_intent) + 1) / ((share > 0).sum(0) + 0.5))
        self._weights = np.sqrt(share) * rarity
        self._strongest = self._weights.max(axis=0)
        self._unknown = float(np.median(rarity)) if len(rarity) else 1.0

    @property
    def vocabulary(self) -> frozenset[str]:
        """The content words the examples use."""
        return frozenset(self._index)

    def correct(self, text: str) -> str:
        """Snap unknown longer words to the nearest known one, when it is close."""
        words = text.split()
        for n, word in enumerate(words):
            if word in self._index or word in STOPWORDS or len(word) < 5:
                continue
            found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio,
                                       score_cutoff=self._cutoff)
            if found and (word not in self._english or stem(word) == stem(found[0])):
                words[n] = found[0]
        return " ".join(words)

    def coverage(self, text: str) -> float:
        """Share of the utterance's content words that the knowledge base uses at all."""
        content = [w for w in text.split() if w not in STOPWORDS]
        return sum(w in self._index for w in content) / len(content) if content else 0.0

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Share of each utterance's evidence that backs each intent, 0..100."""
        result = np.zeros((len(texts), self._weights.shape[0]))
        for row, text in enumerate(texts):
            known = [self._index[w] for w in text.split() if w in self._index]
            unknown = sum(1 for w in text.split()
                          if w not in self._index and w not in STOPWORDS)
            # The prior stands for words not said: one content word alone ("stay")
            # must not carry a whole intent.
            total = (float(self._strongest[known].sum())
                     + (unknown + EVIDENCE_PRIOR_WORDS) * self._unknown)
            if total:
                result[row] = self._weights[:, known].sum(axis=1) / total * 100
        return result

"""The intent matcher: red flags first, then rapidfuzz over every example at once.

An intent's score mixes two views of the utterance:

- sentence similarity: ``process.cdist`` against the whole example set, reduced to a
  best score per intent with ``numpy.maximum.reduceat`` (no Python loop over examples);
- word evidence: each content word votes for the intents whose examples use it,
  weighted by how specific it is to them (a word every intent uses says little).
  Words the knowledge base does not know are first snapped to the nearest known word
  with rapidfuzz, which repairs a recogniser's "walter bottle"; words that stay
  unknown dilute the evidence, which is how "what's the weather" stays out of scope.
"""


from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from rapidfuzz import fuzz, process

from voiceguide.kb.model import Intent, KnowledgeBase
from voiceguide.match import (
    EMERGENCY,
    NO_SLOTS,
    OUT_OF_SCOPE,
    Alternative,
    Match,
    MatchContext,
)
from voiceguide.match.normalize import Normalizer, plain
from voiceguide.match.safety import SafetyCheck
from voiceguide.settings import MatchSettings

ALTERNATIVES = 3
"""How many runners-up a match reports."""
STOPWORDS = frozenset((
    "a an the my me i it is am are was be been to of in on at and or for with this "
    "that these those your you do does did have has had its there here some any "
    "again up out off over very get got getting can will would should could"
).split())
"""Words too common to count as evidence for any intent."""


class WordEvidence:
    """Per-intent weights of content words, learnt from the examples at load time."""

    def __init__(self, examples_by_intent: Sequence[Sequence[str]],
                 correction_cutoff: float) -> None:
        vocabulary = sorted({w for examples in examples_by_intent for e in examples
                             for w in e.split() if w not in STOPWORDS})
        self._index = {word: n for n, word in enumerate(vocabulary)}
        self._vocabulary = vocabulary
        self._cutoff = correction_cutoff
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

    def correct(self, text: str) -> str:
        """Snap unknown longer words to the nearest known one, when it is close."""
        words = text.split()
        for n, word in enumerate(words):
            if word in self._index or word in STOPWORDS or len(word) < 5:
                continue
            found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio,
                                       score_cutoff=self._cutoff)
            if found:
                words[n] = found[0]
        return " ".join(words)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Share of each utterance's evidence that backs each intent, 0..100."""
        result = np.zeros((len(texts), self._weights.shape[0]))
        for row, text in enumerate(texts):
            known = [self._index[w] for w in text.split() if w in self._index]
            unknown = sum(1 for w in text.split()
                          if w not in self._index and w not in STOPWORDS)
            total = float(self._strongest[known].sum()) + unknown * self._unknown
            if total:
                result[row] = self._weights[:, known].sum(axis=1) / total * 100
        return result


def _similarity(queries: Sequence[str], examples: Sequence[str]) -> np.ndarray:
    """Query-by-example similarity, 0..100.

    The mean of two views: ``token_set_ratio`` forgives extra words around a known
    phrase ("um so my calf is cramping really badly"), plain ``ratio`` keeps short
    utterances honest ("no" must not equal "no better").
    """
    token_set = process.cdist(queries, examples, scorer=fuzz.token_set_ratio,
                              dtype=np.float32, workers=-1)
    whole = process.cdist(queries, examples, scorer=fuzz.ratio, dtype=np.float32,
                          workers=-1)
    return (token_set + whole) / 2


class RapidfuzzMatcher:
    """Maps an utterance to a catalogue intent, with slots and a calibrated confidence."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self._kb = kb
        self._normalizer = Normalizer(kb.lexicon)
        self._safety = SafetyCheck(kb.safety, kb.lexicon.negations)
        self._intents: list[Intent] = list(kb.intents.values())
        examples: list[str] = []
        starts: list[int] = []
        by_intent: list[list[str]] = []
        for intent in self._intents:
            starts.append(len(examples))
            folded = [e for e in dict.fromkeys(
                self._normalizer.canonical(e) for e in intent.examples) if e]
            by_intent.append(folded)
            examples.extend(folded)
        self._examples = examples
        self._exact = {e: n for n, folded in reversed(list(enumerate(by_intent)))
                       for e in folded}
        self._evidence = WordEvidence(by_intent, self.settings.correction_cutoff)
        self._starts = np.array(starts, dtype=np.intp)
        publics = sorted({i.public_id for i in self._intents})
        self._publics = publics
        owner = {name: n for n, name in enumerate(publics)}
        self._public_of = np.array([owner[i.public_id] for i in self._intents])
        self._public_names = np.array([i.public_id for i in self._intents])
        self._muscles = self._slot_table(kb.lexicon.muscles)
        self._sides = self._slot_table(kb.lexicon.sides)

    @staticmethod
    def _slot_table(words: Mapping[str, str]) -> list[tuple[str, str]]:
        return sorted(words.items(), key=lambda item: -len(item[0]))

    @property
    def examples(self) -> Sequence[str]:
        return self._examples

    def normalize(self, text: str) -> str:
        return self._evidence.correct(self._normalizer.canonical(text))

    def scores(self, folded: Sequence[str]) -> np.ndarray:
        """Utterance-by-intent scores, 0..100, for normalised utterances."""
        if not folded:
            return np.empty((0, len(self._intents)))
        sentence = np.maximum.reduceat(_similarity(folded, self._examples),
                                       self._starts, axis=1)
        weight = self.settings.sentence_weight
        mixed = weight * sentence + (1 - weight) * self._evidence.scores(folded)
        for row, text in enumerate(folded):
            # A phrase the knowledge base lists word for word is what it says.
            if text in self._exact:
                mixed[row, self._exact[text]] = 100.0
        return mixed

    def confidence(self, best: float, margin: float) -> float:
        w_best, w_margin, bias = self.settings.calibration
        return 1.0 / (1.0 + math.exp(-(w_best * best + w_margin * margin + bias)))

    def _slots(self, plain_text: str) -> Mapping[str, str]:
        padded = f" {plain_text} "
        slots = {}
        for name, table in (("muscle", self._muscles), ("side", self._sides)):
            for word, value in table:
                if f" {word} " in padded:
                    slots[name] = value
                    break
        return MappingProxyType(slots) if slots else NO_SLOTS

    def match(self, text: str, context: MatchContext | None = None) -> Match:
        return self.match_many([text], context)[0]

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]:
        """Match many utterances with one similarity computation."""
        plains = [plain(t) for t in texts]
        folded = [self.normalize(p) for p in plains]
        per_intent = self.scores(folded)
        return [
            self._decide(p, f, row, context or MatchContext())
            for p, f, row in zip(plains, folded, per_intent, strict=True)
        ]

    def _decide(self, plain_text: str, folded: str, scores: np.ndarray,
                context: MatchContext) -> Match:
        slots = self._slots(plain_text)
        flag = self._safety.red_flag(plain_text)
        if flag is not None:
            return Match(EMERGENCY, flag, 1.0, slots, "accept", text=folded)
        if not folded:
            return Match(OUT_OF_SCOPE, None, 1.0, NO_SLOTS, "out_of_scope", text=folded)
        ranked, best, margin = self.rank(scores, context)
        top, runner = ranked[0], ranked[1]
        confidence = self.confidence(best, margin)
        alternatives = tuple(
            Alternative(self._intents[n].public_id, self._intents[n].detail,
                        float(scores[n]) / 100) for n in ranked[1:]
        )
        intent = self._intents[top]
        outcome = "accept"
        if confidence < self.settings.accept:
            askable = all(self._askable(self._intents[n]) for n in (top, runner))
            outcome = ("clarify" if askable and margin < self.settings.clarify_margin
                       and confidence >= self.settings.clarify_floor else "out_of_scope")
        if outcome == "out_of_scope":
            return Match(OUT_OF_SCOPE, None, 1.0 - confidence, NO_SLOTS, outcome,
                         (Alternative(intent.public_id, intent.detail,
                                      float(scores[top]) / 100), *alternatives),
                         text=folded)
        return Match(intent.public_id, intent.detail, confidence, slots, outcome,
                     alternatives, text=folded, example=self._best_example(folded, top))

    def rank(self, scores: np.ndarray, context: MatchContext
             ) -> tuple[list[int], float, float]:
        """The best intents (one per public id, best first), the best score, and its
        margin over the runner-up, after boosting what the dialogue expects."""
        boosted = scores + self.settings.context_boost * np.isin(
            self._public_names, context.expecting)
        best_fine: dict[int, int] = {}
        for n in np.argsort(-boosted, kind="stable"):
            best_fine.setdefault(int(self._public_of[n]), int(n))
            if len(best_fine) > ALTERNATIVES:
                break
        ranked = list(best_fine.values())
        best = min(float(boosted[ranked[0]]), 100.0)
        return ranked, best, best - min(float(boosted[ranked[1]]), 100.0)

    def public_id(self, index: int) -> str:
        return self._intents[index].public_id

    @staticmethod
    def _askable(intent: Intent) -> bool:
        return not intent.public_id.startswith("control.") and intent.public_id != EMERGENCY

    def _best_example(self, folded: str, intent_index: int) -> str | None:
        start = int(self._starts[intent_index])
        end = (int(self._starts[intent_index + 1]) if intent_index + 1 < len(self._starts)
               else len(self._examples))
        found = process.extractOne(folded, self._examples[start:end],
                                   scorer=fuzz.token_set_ratio)
        return found[0] if found else None

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
from dataclasses import dataclass
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
from voiceguide.match.normalize import Normalizer, phrase_pattern, plain
from voiceguide.safety import Finding, Triage
from voiceguide.settings import MatchSettings

ALTERNATIVES = 3
"""How many runners-up a match reports."""
STOPWORDS = frozenset((
    "a an the my me i it is am are was be been to of in on at and or for with this "
    "that these those your you do does did have has had its there here some any "
    "again up out off over very get got getting can will would should could"
).split())
"""Words too common to count as evidence for any intent."""
EVIDENCE_PRIOR_WORDS = 0.5
"""Unknown words' worth of doubt added to every utterance's evidence."""
PARALLEL_FROM = 16
"""Batches at least this big are scored on every core."""


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


def _similarity(queries: Sequence[str], examples: Sequence[str]) -> np.ndarray:
    """Query-by-example similarity, 0..100.

    The mean of two views: ``token_set_ratio`` forgives extra words around a known
    phrase ("um so my calf is cramping really badly"), plain ``ratio`` keeps short
    utterances honest ("no" must not equal "no better").
    """
    # Threads cost more to start than one query takes; batches use every core.
    workers = -1 if len(queries) >= PARALLEL_FROM else 1
    token_set = process.cdist(queries, examples, scorer=fuzz.token_set_ratio,
                              dtype=np.float32, workers=workers)
    whole = process.cdist(queries, examples, scorer=fuzz.ratio, dtype=np.float32,
                          workers=workers)
    return (token_set + whole) / 2


@dataclass(frozen=True, slots=True)
class Assessment:
    """An utterance's ranking before thresholds: what tuning and deciding share."""

    finding: Finding
    """What the triage read in it: a danger, or signs that sound urgent."""
    elsewhere: bool
    """It names a body part the guide does not cover, and no part of the leg."""
    ranked: tuple[int, ...]
    """Best intent index per public id, best first."""
    best: float
    margin: float
    """Best score minus the runner-up's, in points."""
    coverage: float
    """Share of content words the knowledge base knows, 0..1."""
    similarity: tuple[float, ...]
    """Unboosted score of each ranked intent, 0..1."""


class RapidfuzzMatcher:
    """Maps an utterance to a catalogue intent, with slots and a calibrated confidence."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None,
                 triage: Triage | None = None) -> None:
        self.settings = settings or MatchSettings()
        self._kb = kb
        self._normalizer = Normalizer(kb.lexicon)
        self.triage = triage or Triage(kb.dangers)
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
        owner = {name: n for n, name in enumerate(sorted({i.public_id
                                                           for i in self._intents}))}
        self._public_of = np.array([owner[i.public_id] for i in self._intents])
        self._public_names = np.array([i.public_id for i in self._intents])
        self._elsewhere = phrase_pattern(kb.lexicon.elsewhere or frozenset({"\0"}))
        self._legs = phrase_pattern(kb.lexicon.legs or frozenset({"\0"}))
        # Longest phrase first, so "back of my thigh" is found before "thigh".
        self._muscles = sorted(kb.lexicon.muscles.items(), key=lambda item: -len(item[0]))
        self._sides = kb.lexicon.sides

    @property
    def examples(self) -> Sequence[str]:
        return self._examples

    def normalize(self, text: str) -> str:
        return self._evidence.correct(self._normalizer.canonical(text))

    def prepare(self, texts: Sequence[str]) -> tuple[list[str], list[str], list[float]]:
        """Plain text, normalised text, and known-word coverage of each utterance.

        Coverage is taken before misheard words are snapped to known ones, or every
        word would look known.
        """
        plains = [plain(t) for t in texts]
        canonical = [self._normalizer.canonical(p) for p in plains]
        coverage = [self._evidence.coverage(c) for c in canonical]
        return plains, [self._evidence.correct(c) for c in canonical], coverage

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

    def confidence(self, best: float, margin: float, coverage: float) -> float:
        w_best, w_margin, w_coverage, bias = self.settings.calibration
        z = w_best * best + w_margin * margin + w_coverage * coverage + bias
        return 1.0 / (1.0 + math.exp(-z))

    def _slots(self, plain_text: str) -> Mapping[str, str]:
        slots = {}
        words = plain_text.split()
        side = next((self._sides[w] for w in words if w in self._sides), None)
        if side is not None:
            slots["side"] = side
        # "the back of my right thigh" names the hamstring once the side is set aside.
        padded = " " + " ".join(w for w in words if w not in self._sides) + " "
        muscle = next((v for w, v in self._muscles if f" {w} " in padded), None)
        if muscle is not None:
            slots["muscle"] = muscle
        return MappingProxyType(slots) if slots else NO_SLOTS

    def match(self, text: str, context: MatchContext | None = None) -> Match:
        return self.match_many([text], context)[0]

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]:
        """Match many utterances with one similarity computation."""
        plains, folded, coverage = self.prepare(texts)
        per_intent = self.scores(folded)
        return [
            self._decide(self.triage.assess(t), p, f, c, row, context or MatchContext())
            for t, p, f, c, row in zip(texts, plains, folded, coverage, per_intent,
                                       strict=True)
        ]

    def assess(self, finding: Finding, plain_text: str, coverage: float,
               scores: np.ndarray, context: MatchContext) -> Assessment:
        """Rank the intents for one utterance, before any threshold is applied."""
        elsewhere = bool(self._elsewhere.search(plain_text)) and not self._legs.search(
            plain_text)
        ranked, best, margin = self.rank(scores, context)
        if not finding.emergency and self._intents[ranked[0]].public_id == EMERGENCY and (
                self.confidence(best, margin, coverage) < self.settings.emergency_accept
                or finding.quiet):
            # Without a red-flag rule, "emergency" must be clearly meant: sending a
            # person to call for help over "hot or cold?" teaches them to ignore it.
            scores = np.where(self._public_names == EMERGENCY, -np.inf, scores)
            ranked, best, margin = self.rank(scores, context)
        return Assessment(finding, elsewhere, tuple(ranked), best, margin, coverage,
                          tuple(max(float(scores[n]), 0.0) / 100 for n in ranked))

    def _decide(self, finding: Finding, plain_text: str, folded: str, coverage: float,
                scores: np.ndarray, context: MatchContext) -> Match:
        slots = self._slots(plain_text)
        found = self.assess(finding, plain_text, coverage, scores, context)
        urgent = finding.urgent
        if finding.emergency:
            return Match(EMERGENCY, f"{EMERGENCY}.{finding.danger}", 1.0, slots, "accept",
                         text=folded, urgent=urgent)
        if not folded or found.elsewhere:
            return Match(OUT_OF_SCOPE, None, 1.0, NO_SLOTS, "out_of_scope", text=folded,
                         urgent=urgent)
        confidence = self.confidence(found.best, found.margin, found.coverage)
        top, runner = found.ranked[0], found.ranked[1]
        alternatives = tuple(
            Alternative(self._intents[n].public_id, self._intents[n].detail, score)
            for n, score in zip(found.ranked, found.similarity, strict=True))
        intent = self._intents[top]
        outcome = "out_of_scope" if intent.public_id == OUT_OF_SCOPE else "accept"
        if outcome == "accept" and confidence < self.settings.accept:
            askable = all(self._askable(self._intents[n]) for n in (top, runner))
            outcome = ("clarify" if askable and found.margin < self.settings.clarify_margin
                       and confidence >= self.settings.clarify_floor else "out_of_scope")
        if outcome == "out_of_scope":
            return Match(OUT_OF_SCOPE, None, 1.0 - confidence, NO_SLOTS, outcome,
                         alternatives, text=folded, urgent=urgent)
        return Match(intent.public_id, intent.detail, confidence, slots, outcome,
                     alternatives[1:], text=folded, urgent=urgent)

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

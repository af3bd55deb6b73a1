"""The intent matcher: red flags first, then noise and other body parts, then every
example scored at once.

An intent's score mixes three views of the utterance:

- sentence similarity: ``process.cdist`` against the whole example set, reduced to a
  best score per intent with ``numpy.maximum.reduceat`` (no Python loop over examples);
- word evidence (``evidence.py``): content words voting for the intents that use them;
- meaning (``meaning.py``, when the sentence model is installed): how close the
  utterance's sentence vector comes to each intent's nearest example, which carries
  "my calf's gone solid" to the cramp that no example words that way.
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
from voiceguide.match.evidence import WordEvidence
from voiceguide.match.gates import Gates
from voiceguide.match.meaning import ExampleMeaning, PieceVectors
from voiceguide.match.normalize import Normalizer, SplitWords, plain, undrawn
from voiceguide.safety import Finding, Triage
from voiceguide.safety.second_opinion import SecondOpinion
from voiceguide.safety.words import english
from voiceguide.settings import MatchSettings

ALTERNATIVES = 3
LEARNT = f"{EMERGENCY}.second_opinion"
"""The detail of an alarm the learnt second opinion raised: it names no danger, and
the guide gives its general emergency answer."""
"""How many runners-up a match reports."""
PARALLEL_FROM = 16
"""Batches at least this big are scored on every core."""


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
    gate: str | None
    """``noise`` or ``elsewhere`` when a gate refuses it before any score counts."""
    ranked: tuple[int, ...]
    """Best intent index per public id, best first."""
    best: float
    margin: float
    """Best score minus the runner-up's, in points."""
    coverage: float
    """Share of content words the knowledge base knows, 0..1."""
    similarity: tuple[float, ...]
    """Unboosted score of each ranked intent, 0..1."""
    alarm: str | None = None
    """The detail of an emergency no rule called (see ``_alarm``): the ``emergency``
    example's, or ``LEARNT``."""
    vague: bool = False
    """A leg named with nothing the matter with it, when nothing was asked: the two
    likeliest answers are offered, however sure the scores."""


class RapidfuzzMatcher:
    """Maps an utterance to a catalogue intent, with slots and a calibrated confidence.

    ``meaning``: the sentence model's piece vectors; without them (the model package
    is not installed) the matcher scores words alone, with its own tuned settings.
    """

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None,
                 triage: Triage | None = None, meaning: PieceVectors | None = None,
                 learnt: SecondOpinion | None = None) -> None:
        settings = settings or MatchSettings()
        self.settings = settings if meaning is not None else settings.words_only()
        self._kb = kb
        self._normalizer = Normalizer(kb.lexicon)
        self.triage = triage or Triage(kb.dangers)
        self._learnt = learnt
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
        self._exact: dict[str, list[int]] = {}
        for n, folded in enumerate(by_intent):
            for example in folded:
                self._exact.setdefault(example, []).append(n)
        dictionary = english()
        self._evidence = WordEvidence(by_intent, self.settings.correction_cutoff,
                                      dictionary)
        self._starts = np.array(starts, dtype=np.intp)
        self._meaning = (ExampleMeaning(meaning, examples, self._starts)
                         if meaning is not None else None)
        owner = {name: n for n, name in enumerate(sorted({i.public_id
                                                           for i in self._intents}))}
        self._public_of = np.array([owner[i.public_id] for i in self._intents])
        self._public_names = np.array([i.public_id for i in self._intents])
        said = {w for i in self._intents for e in i.examples for w in plain(e).split()}
        said |= {w for phrase in kb.lexicon.synonyms for w in phrase.split()}
        self._split = SplitWords([plain(e) for i in self._intents for e in i.examples]
                                 + list(kb.lexicon.synonyms), dictionary)
        self._gates = Gates(kb.lexicon, said, dictionary)
        # Longest phrase first, so "back of my thigh" is found before "thigh".
        self._muscles = sorted(kb.lexicon.muscles.items(), key=lambda item: -len(item[0]))
        self._sides = kb.lexicon.sides

    @property
    def examples(self) -> Sequence[str]:
        return self._examples

    @property
    def meaning(self) -> bool:
        """Whether sentence meaning takes part in the scores."""
        return self._meaning is not None

    def normalize(self, text: str) -> str:
        return self._evidence.correct(self._normalizer.canonical(text))

    def prepare(self, texts: Sequence[str]) -> tuple[list[str], list[str], list[float]]:
        """Plain text, normalised text, and known-word coverage of each utterance.

        Coverage is taken before misheard words are snapped to known ones, or every
        word would look known.
        """
        plains = [self._split.join(undrawn(plain(t))) for t in texts]
        canonical = [self._normalizer.canonical(p) for p in plains]
        coverage = [self._evidence.coverage(c) for c in canonical]
        return plains, [self._evidence.correct(c) for c in canonical], coverage

    def scores(self, folded: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Utterance-by-intent scores, 0..100, for normalised utterances: on words
        alone, and with meaning mixed in (the same, without the sentence model)."""
        if not folded:
            empty = np.empty((0, len(self._intents)))
            return empty, empty
        sentence = np.maximum.reduceat(_similarity(folded, self._examples),
                                       self._starts, axis=1)
        weight = self.settings.sentence_weight
        lexical = weight * sentence + (1 - weight) * self._evidence.scores(folded)
        mixed = lexical
        if self._meaning is not None:
            near = np.maximum(self._meaning.similarity(folded), 0.0) * 100
            share = self.settings.meaning_weight
            mixed = (1 - share) * lexical + share * near
        for row, text in enumerate(folded):
            # A phrase the knowledge base lists word for word is what it says; one
            # that two intents list ("go on then": carry on, or yes to an offer) is
            # left to what the dialogue expects, then to the content's order.
            for n in self._exact.get(text, ()):
                lexical[row, n] = mixed[row, n] = 100.0
        return lexical, mixed

    def confidence(self, best: float, margin: float, coverage: float,
                   calibration: tuple[float, float, float, float] | None = None) -> float:
        w_best, w_margin, w_coverage, bias = calibration or self.settings.calibration
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
        lexical, mixed = self.scores(folded)
        return [
            self._decide(self.assess(t, p, c, words, both, context or MatchContext()),
                         p, f)
            for t, p, f, c, words, both in zip(texts, plains, folded, coverage, lexical,
                                               mixed, strict=True)
        ]

    def assess(self, text: str, plain_text: str, coverage: float, lexical: np.ndarray,
               scores: np.ndarray, context: MatchContext) -> Assessment:
        """Rank the intents for one utterance, before any threshold is applied."""
        finding = self.triage.assess(text)
        alarm = self._alarm(text, plain_text, finding, coverage, lexical, context)
        if alarm is not None:
            ranked, best, margin = self.rank(lexical, context)
            return Assessment(finding, None, tuple(ranked), best, margin, coverage,
                              (1.0,), alarm=alarm)
        scores = np.where(self._public_names == EMERGENCY, -np.inf, scores)
        ranked, best, margin = self.rank(scores, context)
        # A control names a body part only in passing ("I'm deaf in one ear, speak up").
        gate = ("noise" if self._gates.noise(plain_text) else "elsewhere" if (
            not self.public_id(ranked[0]).startswith("control.")
            and self._gates.elsewhere(text)) else None)
        vague = context.state == "idle" and self._gates.vague(plain_text)
        return Assessment(finding, gate, tuple(ranked), best, margin, coverage,
                          tuple(max(float(scores[n]), 0.0) / 100 for n in ranked),
                          vague=vague)

    def _alarm(self, text: str, plain_text: str, finding: Finding, coverage: float,
               lexical: np.ndarray, context: MatchContext) -> str | None:
        """The second opinions on danger, beside the triage's rules: the learnt model
        (``safety/second_opinion.py``) above its threshold, and the examples of
        ``emergency``, on words alone, as close as ``emergency_accept`` demands. They
        can only add alarms, and never where the triage heard a sign denied, asked
        about or explained (the learnt one not where an everyday cause was named, nor
        on recogniser noise); sending a person to call for help over "hot or cold?"
        teaches them to ignore it."""
        if finding.emergency or finding.quiet:
            return None
        if (self._learnt is not None and not finding.cause
                and not self._gates.noise(plain_text) and self._learnt.alarms(text)):
            return LEARNT
        ranked, best, margin = self.rank(lexical, context)
        intent = self._intents[ranked[0]]
        if intent.public_id == EMERGENCY and self.confidence(
                best, margin, coverage, self.settings.alarm_calibration
        ) >= self.settings.emergency_accept:
            return intent.detail or EMERGENCY
        return None

    def _decide(self, found: Assessment, plain_text: str, folded: str) -> Match:
        slots = self._slots(plain_text)
        urgent = found.finding.urgent
        if found.finding.emergency:
            return Match(EMERGENCY, f"{EMERGENCY}.{found.finding.danger}", 1.0, slots,
                         "accept", text=folded, urgent=urgent)
        if found.alarm is not None:
            detail = None if found.alarm == EMERGENCY else found.alarm
            return Match(EMERGENCY, detail, 1.0, slots, "accept", text=folded,
                         urgent=urgent)
        if not folded or found.gate is not None:
            return Match(OUT_OF_SCOPE, f"{OUT_OF_SCOPE}.{found.gate or 'noise'}", 1.0,
                         NO_SLOTS, "out_of_scope", text=folded, urgent=urgent)
        confidence = self.confidence(found.best, found.margin, found.coverage)
        top, runner = found.ranked[0], found.ranked[1]
        alternatives = tuple(
            Alternative(self._intents[n].public_id, self._intents[n].detail, score)
            for n, score in zip(found.ranked, found.similarity, strict=True))
        intent = self._intents[top]
        outcome = "out_of_scope" if intent.public_id == OUT_OF_SCOPE else "accept"
        askable = all(self._askable(self._intents[n]) for n in (top, runner))
        if outcome == "accept" and found.vague and askable:
            outcome = "clarify"
        elif outcome == "accept" and urgent and (
                confidence < self.settings.urgent_accept
                or intent.public_id in ("control.yes", "control.no")):
            outcome = "out_of_scope"
        elif outcome == "accept" and confidence < self.settings.accept:
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


def make_matcher(kb: KnowledgeBase, settings: MatchSettings | None = None,
                 triage: Triage | None = None, learnt: SecondOpinion | None = None
                 ) -> RapidfuzzMatcher:
    """The matcher with sentence meaning when the model package is installed (its
    piece table built and cached on first use), on words alone otherwise."""
    from voiceguide.match.meaning import piece_vectors

    return RapidfuzzMatcher(kb, settings, triage, piece_vectors(), learnt)

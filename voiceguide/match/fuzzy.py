"""The intent matcher: red flags first, then rapidfuzz over every example at once.

Scores come from one ``process.cdist`` call against the whole example set, reduced
to a best score per intent with ``numpy.maximum.reduceat``; no Python loop touches
the examples at query time.
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
ANSWER_INTENTS = ("control.yes", "control.no", "control.better", "control.worse")


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
        for intent in self._intents:
            starts.append(len(examples))
            folded = dict.fromkeys(self._normalizer.canonical(e) for e in intent.examples)
            examples.extend(e for e in folded if e)
        self._examples = examples
        self._starts = np.array(starts, dtype=np.intp)
        publics = sorted({i.public_id for i in self._intents})
        self._publics = publics
        owner = {name: n for n, name in enumerate(publics)}
        self._public_of = np.array([owner[i.public_id] for i in self._intents])
        self._muscles = self._slot_table(kb.lexicon.muscles)
        self._sides = self._slot_table(kb.lexicon.sides)

    @staticmethod
    def _slot_table(words: Mapping[str, str]) -> list[tuple[str, str]]:
        return sorted(words.items(), key=lambda item: -len(item[0]))

    @property
    def examples(self) -> Sequence[str]:
        return self._examples

    def normalize(self, text: str) -> str:
        return self._normalizer.canonical(text)

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
        folded = [self._normalizer.canonical(p) for p in plains]
        per_intent = (
            np.maximum.reduceat(_similarity(folded, self._examples), self._starts, axis=1)
            if texts else np.empty((0, len(self._intents)))
        )
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
        boosted = scores.astype(np.float64)
        for n, intent in enumerate(self._intents):
            if intent.public_id in context.expecting:
                boosted[n] += self.settings.context_boost
        # Best fine intent for every public id, then rank the public ids.
        best_fine: dict[int, int] = {}
        for n in np.argsort(-boosted, kind="stable"):
            best_fine.setdefault(int(self._public_of[n]), int(n))
            if len(best_fine) > ALTERNATIVES:
                break
        ranked = list(best_fine.values())
        top, runner = ranked[0], ranked[1]
        best = min(float(boosted[top]), 100.0)
        margin = best - min(float(boosted[runner]), 100.0)
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

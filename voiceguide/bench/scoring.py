"""Grading: accuracy, per-intent precision and recall, confusions, refusal rates, word
error rate and latency percentiles, computed the same way for every system compared."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from voiceguide.bench.labelled import OUT_OF_SCOPE, Row
from voiceguide.match import EMERGENCY

WORST_CONFUSIONS = 5


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation, so p95 of a short run is not just its maximum."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def share(right: int, total: int) -> float | None:
    """``None`` when there is nothing to count: 0% would read as a failure."""
    return right / total if total else None


@dataclass(frozen=True, slots=True)
class IntentScore:
    precision: float | None
    recall: float | None
    support: int


@dataclass(frozen=True, slots=True)
class TextScores:
    name: str
    note: str
    rows: int
    accuracy: float
    emergency_recall: float | None
    out_of_scope_refused: float | None
    """Share of out-of-scope rows refused."""
    false_refusals: float | None
    """Share of in-scope rows refused."""
    latency_p50_ms: float
    latency_p95_ms: float
    per_intent: dict[str, IntentScore] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    """(expected, predicted, count), worst first."""


def score_text(name: str, note: str, rows: Sequence[Row], predicted: Sequence[str],
               latencies_ms: Sequence[float]) -> TextScores:
    pairs = [(row.intent, got) for row, got in zip(rows, predicted, strict=True)]
    emergencies = [got for want, got in pairs if want == EMERGENCY]
    oos = [got for want, got in pairs if want == OUT_OF_SCOPE]
    inside = [got for want, got in pairs if want != OUT_OF_SCOPE]
    per_intent = {}
    for intent in sorted({want for want, _ in pairs} | set(predicted)):
        hits = sum(want == got == intent for want, got in pairs)
        per_intent[intent] = IntentScore(
            share(hits, sum(got == intent for _, got in pairs)),
            share(hits, sum(want == intent for want, _ in pairs)),
            sum(want == intent for want, _ in pairs))
    wrong = Counter((want, got) for want, got in pairs if want != got)
    return TextScores(
        name, note, len(pairs), sum(w == g for w, g in pairs) / len(pairs),
        share(emergencies.count(EMERGENCY), len(emergencies)),
        share(oos.count(OUT_OF_SCOPE), len(oos)),
        share(inside.count(OUT_OF_SCOPE), len(inside)),
        percentile(latencies_ms, 50), percentile(latencies_ms, 95), per_intent,
        [(w, g, n) for (w, g), n in wrong.most_common(WORST_CONFUSIONS)])


def word_errors(reference: str, hypothesis: str) -> int:
    """Substitutions, insertions and deletions between two word sequences."""
    ref, hyp = reference.split(), hypothesis.split()
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, heard in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (word != heard)))
        previous = current
    return previous[-1]

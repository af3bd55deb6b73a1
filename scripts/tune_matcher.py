#!/usr/bin/env python3
"""Choose the matcher's confidence calibration and thresholds from the dev set.

Fits a logistic curve of "the best intent is right" on (best score, margin over the
runner-up, share of known words), then
sweeps the acceptance threshold and prints the one that is most accurate while
refusing at most MAX_FALSE_REFUSAL of in-scope utterances. Copy the printed values
into ``MatchSettings`` (voiceguide/settings.py) and say so in the commit.

Usage: python scripts/tune_matcher.py [tests/data/devset.tsv]
"""

from __future__ import annotations

import csv
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.kb import load_knowledge_base
from voiceguide.match import MatchContext
from voiceguide.match.fuzzy import RapidfuzzMatcher

MAX_FALSE_REFUSAL = 0.02


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 20000) -> np.ndarray:
    """Plain gradient descent on standardised features; returns raw-scale weights."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= 0.5 * z.T @ (p - y) / len(y)
    scale = w[:-1] / std
    return np.append(scale, w[-1] - (w[:-1] * mean / std).sum())


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/devset.tsv")
    rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
    matcher = RapidfuzzMatcher(load_knowledge_base())
    plains, folded, coverage = matcher.prepare([r["utterance"] for r in rows])
    scores = matcher.scores(folded)
    feats, right, labels, preds, flagged = [], [], [], [], []
    for row, text, known, line in zip(rows, plains, coverage, scores, strict=True):
        found = matcher.assess(matcher.triage.assess(row["utterance"]), text, known, line,
                               MatchContext())
        pred = ("emergency" if found.finding.emergency else "out_of_scope"
                if found.elsewhere else matcher.public_id(found.ranked[0]))
        feats.append((found.best, found.margin, found.coverage))
        right.append(pred == row["intent"])
        labels.append(row["intent"])
        preds.append(pred)
        flagged.append(found.finding.emergency)
    x, y = np.array(feats), np.array(right, dtype=float)
    labels_a, preds_a, flags = np.array(labels), np.array(preds), np.array(flagged)
    inscope = labels_a != "out_of_scope"
    w = fit_logistic(x[~flags], y[~flags])
    conf = 1 / (1 + np.exp(-(x @ w[:-1] + w[-1])))
    conf[flags] = 1.0
    print("calibration = (" + ", ".join(f"{v:.4f}" for v in w) + ")")
    print(f"in-scope top-1 before refusing anything: {(preds_a == labels_a)[inscope].mean():.3f}")
    best = None
    for threshold in np.arange(0.05, 0.96, 0.01):
        final = np.where(conf >= threshold, preds_a, "out_of_scope")
        false_refusal = (final[inscope] == "out_of_scope").mean()
        accuracy = (final == labels_a).mean()
        refusal = (final[~inscope] == "out_of_scope").mean()
        if false_refusal <= MAX_FALSE_REFUSAL:
            best = (threshold, accuracy, refusal, false_refusal)
        if round(threshold * 100) % 10 == 0:
            print(f"  accept {threshold:.2f}: accuracy {accuracy:.3f}  out-of-scope "
                  f"refused {refusal:.3f}  in-scope refused {false_refusal:.3f}")
    if best:
        print(f"accept = {best[0]:.2f}  (accuracy {best[1]:.3f}, out-of-scope refused "
              f"{best[2]:.3f}, in-scope refused {best[3]:.3f})")
    bins = np.linspace(0, 1, 6)
    print("calibration check (confidence bin: share right):")
    for lo, hi in itertools.pairwise(bins):
        sel = (conf >= lo) & (conf < hi) & ~flags
        if sel.any():
            print(f"  {lo:.1f}-{hi:.1f}: {y[sel].mean():.2f} of {sel.sum()}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train the learnt second opinion on danger and choose its threshold; writes
``voiceguide/content/second_opinion.json`` (see ``voiceguide/safety/second_opinion.py``).

Usage: python scripts/train_second_opinion.py [--check]

Needs scikit-learn (``.venv/bin/pip install -e ".[train]"``), for training only: the guide reads
the written model with the standard library.

It learns from the red-team sets that have been tuned on (``TUNED``): their lines are
the emergencies and look-alikes. Ordinary requests are the other side: the
development sets of the matcher and the content's own examples (the ``emergency``
intent's examples are emergencies). No held-out set is read.

The threshold: each tuned red-team set in turn is left out, a model is trained on the
rest and scores it; the threshold is the lowest at which the alarms it would add to
the rules' (where the rules neither alarmed nor heard a sign denied, asked about or
explained away, nor an everyday cause named) stay within ``ADDED_FALSE_ALARMS`` of the
safe lines. ``--check`` prints that table and writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.guide import Guide  # noqa: E402
from voiceguide.match import EMERGENCY  # noqa: E402
from voiceguide.safety.second_opinion import MODEL, features  # noqa: E402
from voiceguide.settings import MatchSettings, Settings  # noqa: E402

DATA = ROOT / "tests" / "data"
TUNED = ("dev", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7",
         "fresh8", "fresh9")
"""The red-team sets tuned on (``tests/data/safety/redteam_<name>.tsv``)."""
ORDINARY = ("devset.tsv", "controls_by_state.tsv", "matching_by_state.tsv", "spoken.tsv",
            "doc_questions.tsv", "doc_questions_samples.tsv",
            "understanding/blind_dev.tsv", "understanding/blind2_dev.tsv",
            "understanding/blind3_dev.tsv", "understanding/article_dev.tsv")
"""Development sets of the matcher: what people ask the guide for every night."""
C = 4.0
"""Inverse regularisation strength, as first tried: not tuned."""
ADDED_FALSE_ALARMS = 0.005
"""Share of the safe lines the second opinion may newly alarm, left out in turn."""
RUNS_MIN_LINES = 2
"""A letter run must appear in this many lines to be learnt: one line's typo is noise."""


def red_team(name: str) -> list[dict[str, str]]:
    path = DATA / "safety" / f"redteam_{name}.tsv"
    with path.open(encoding="utf-8") as handle:
        return [{"text": r["utterance"], "emergency": str(r["expected"] == "emergency"),
                 "set": name} for r in csv.DictReader(handle, delimiter="\t")]


def ordinary(guide: Guide) -> list[dict[str, str]]:
    rows = []
    for name in ORDINARY:
        with (DATA / name).open(encoding="utf-8") as handle:
            for r in csv.DictReader(handle, delimiter="\t"):
                text = r.get("utterance") or r.get("question") or r.get("text") or ""
                if text:
                    rows.append({"text": text,
                                 "emergency": str(r.get("intent") == EMERGENCY),
                                 "set": name})
    rows += [{"text": e, "emergency": str(i.public_id == EMERGENCY), "set": "content"}
             for i in guide.kb.intents.values() for e in i.examples]
    return rows


class Model:
    """Rarities and weights learnt from ``rows``, as the guide's reader uses them."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        counted = [features(r["text"]) for r in rows]
        self.idf = [self._rarity([c[k] for c in counted], 1 if k == 0 else RUNS_MIN_LINES)
                    for k in (0, 1)]
        self.columns = [{f: n for n, f in enumerate(sorted(idf))} for idf in self.idf]
        y = np.array([r["emergency"] == "True" for r in rows])
        self.fit = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(
            self.matrix(counted), y)

    @staticmethod
    def _rarity(counts: list[Counter[str]], min_lines: int) -> dict[str, float]:
        lines = Counter(f for c in counts for f in c)
        n = len(counts)
        return {f: math.log((1 + n) / (1 + d)) + 1 for f, d in lines.items()
                if d >= min_lines}

    def matrix(self, counted: list[tuple[Counter[str], Counter[str]]]) -> csr_matrix:
        blocks = []
        for k in (0, 1):
            data, rows, cols = [], [], []
            for n, c in enumerate(counted):
                values = {f: (1 + math.log(v)) * self.idf[k][f] for f, v in c[k].items()
                          if f in self.idf[k]}
                norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
                for f, v in values.items():
                    data.append(v / norm)
                    rows.append(n)
                    cols.append(self.columns[k][f])
            blocks.append(csr_matrix((data, (rows, cols)),
                                     shape=(len(counted), len(self.columns[k]))))
        return hstack(blocks).tocsr()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return self.fit.predict_proba(self.matrix([features(t) for t in texts]))[:, 1]

    def saved(self, threshold: float, chosen_by: str, trained_on: dict[str, int]
              ) -> dict[str, object]:
        weights = self.fit.coef_[0]
        blocks = {}
        offset = 0
        for kind, k in (("words", 0), ("runs", 1)):
            blocks[kind] = {f: [round(self.idf[k][f], 4),
                                round(float(weights[offset + n]), 5)]
                            for f, n in self.columns[k].items()}
            offset += len(self.columns[k])
        return {"threshold": threshold, "chosen_by": chosen_by, "trained_on": trained_on,
                "intercept": round(float(self.fit.intercept_[0]), 5), **blocks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print, write nothing")
    args = parser.parse_args()
    rules = Guide.load(settings=Settings(match=replace(MatchSettings(),
                                                       learnt_alarms=False)))
    everyday = ordinary(rules)
    sets = {name: red_team(name) for name in TUNED}
    left_out: list[tuple[dict[str, str], float, bool]] = []
    for name, rows in sets.items():
        rest = [r for other, lines in sets.items() if other != name for r in lines]
        scores = Model(rest + everyday).probabilities([r["text"] for r in rows])
        matches = rules.matcher.match_many([r["text"] for r in rows])
        triage = rules.matcher.triage  # type: ignore[attr-defined]
        for row, score, match in zip(rows, scores, matches, strict=True):
            finding = triage.assess(row["text"])
            free = match.intent != EMERGENCY and not (finding.quiet or finding.cause)
            left_out.append((row, float(score), free))
    safe = [x for x in left_out if x[0]["emergency"] == "False"]
    urgent = [x for x in left_out if x[0]["emergency"] == "True"]
    chosen = None
    print("threshold  emergencies alone  safe lines newly alarmed (left out in turn)")
    for step in range(50, 100):
        threshold = step / 100
        added = sum(s >= threshold and free for _, s, free in safe)
        alone = sum(s >= threshold for _, s, _ in urgent)
        if step % 5 == 0 or (chosen is None and added <= ADDED_FALSE_ALARMS * len(safe)):
            print(f"{threshold:.2f}  {alone}/{len(urgent)} ({alone / len(urgent):.1%})  "
                  f"{added}/{len(safe)} ({added / len(safe):.2%})")
        if chosen is None and added <= ADDED_FALSE_ALARMS * len(safe):
            chosen = threshold
    assert chosen is not None
    print(f"chosen: {chosen:.2f}")
    if args.check:
        return
    rows = [r for lines in sets.values() for r in lines] + everyday
    trained_on = dict(Counter(r["set"] for r in rows))
    how = (f"scripts/train_second_opinion.py: the lowest threshold at which, each "
           f"tuned red-team set left out in turn, at most {ADDED_FALSE_ALARMS:.1%} of "
           f"their safe lines would be newly alarmed")
    MODEL.write_text(json.dumps(Model(rows).saved(chosen, how, trained_on),
                                ensure_ascii=False, separators=(",", ":")) + "\n",
                     encoding="utf-8")
    print(f"wrote {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()

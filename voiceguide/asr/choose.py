"""Which recogniser to run: ``--asr auto`` takes Vosk when a model is installed and
PocketSphinx otherwise; a broken Vosk model falls back to PocketSphinx and says so."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from voiceguide.asr import Recognizer
from voiceguide.asr.download import default_models_dir
from voiceguide.asr.language_model import build, sentences
from voiceguide.errors import ModelError
from voiceguide.kb import KnowledgeBase

_LOGGER = logging.getLogger(__name__)

ENGINES = ("auto", "pocketsphinx", "vosk")
MODEL_ENV = "VOICEGUIDE_VOSK_MODEL"
DEFAULT_VARIANT = "mix"
"""The PocketSphinx language model the guide runs on. ``scripts/compare_asr.py`` on
119 rendered utterances x 3 voices (flite awb and kal, espeak-ng en-us): acted on the
right intent for 76.2% (domain) and 77.2% (mix) of clean in-scope clips, and refused
58.7% (domain) and 81.0% (mix) of out-of-scope ones; the generic model is far behind
(about 21% on the dev set's lines). Mix wins on both."""


def find_vosk_model(explicit: Path | None = None) -> Path | None:
    """``--model``, then ``$VOICEGUIDE_VOSK_MODEL``, then any model under ``models/``."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    models = default_models_dir()
    found = sorted(models.glob("vosk-model*")) if models.is_dir() else []
    return next((path for path in found if path.is_dir()), None)


def make_recognizer(kb: KnowledgeBase, engine: str = "auto", model: Path | None = None,
                    variant: str = DEFAULT_VARIANT, extra: tuple[str, ...] = ()
                    ) -> Recognizer:
    if engine not in ENGINES:
        raise ModelError(f"unknown recogniser {engine!r}; use one of {', '.join(ENGINES)}")
    if engine in ("auto", "vosk"):
        path = find_vosk_model(model)
        if path is None and engine == "vosk":
            raise ModelError("no Vosk model installed; run `voiceguide models download` or "
                             f"give --model PATH (or set {MODEL_ENV})")
        if path is not None:
            try:
                from voiceguide.asr.vosk_engine import VoskRecognizer

                words = sorted({w for s in sentences(kb, extra) for w in s.split()})
                return VoskRecognizer(path, words)
            except ModelError as error:
                if engine == "vosk":
                    raise
                _LOGGER.warning("%s; using PocketSphinx instead", error)
    from voiceguide.asr.sphinx import PocketSphinxRecognizer

    return PocketSphinxRecognizer(build(kb, variant, extra))

"""Which recogniser to run. ``--asr auto`` takes the cascade (PocketSphinx, then
Whisper when unsure) when a Whisper model is installed, else Vosk when a Vosk model is,
else PocketSphinx alone, and logs its choice and the reason once; a model that fails
to load falls back to the next and says so."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from voiceguide.asr import Recognizer
from voiceguide.asr.cascade import CascadeRecognizer, SureOf
from voiceguide.asr.download import WHISPER_BASE_EN, WHISPER_TINY_EN, default_models_dir
from voiceguide.asr.language_model import build, sentences
from voiceguide.errors import ModelError
from voiceguide.kb import KnowledgeBase
from voiceguide.settings import ENGINES

_LOGGER = logging.getLogger(__name__)

__all__ = ["DEFAULT_VARIANT", "ENGINES", "find_vosk_model", "find_whisper_model",
           "make_recognizer"]

MODEL_ENV = "VOICEGUIDE_VOSK_MODEL"
WHISPER_ENV = "VOICEGUIDE_WHISPER_MODEL"
WHISPER_FOLDERS = (WHISPER_BASE_EN.folder, WHISPER_TINY_EN.folder)
"""Searched in ``models/`` in this order: base is the one measured for the cascade."""
DEFAULT_VARIANT = "mix"
"""The PocketSphinx language model the guide runs on. ``scripts/compare_asr.py`` on
119 rendered utterances x 3 voices (flite awb and kal, espeak-ng en-us): acted on the
right intent for 76.2% (domain) and 77.2% (mix) of clean in-scope clips, and refused
58.7% (domain) and 81.0% (mix) of out-of-scope ones; the generic model is far behind
(about 21% on the dev set's lines). Mix wins on both."""
NO_WHISPER = ("no Whisper model installed; run `voiceguide models download "
              "whisper-base.en` or give --whisper-model PATH (or set "
              f"{WHISPER_ENV})")


def find_vosk_model(explicit: Path | None = None) -> Path | None:
    """``--model``, then ``$VOICEGUIDE_VOSK_MODEL``, then any model under ``models/``."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(MODEL_ENV):
        return Path(env)
    models = default_models_dir()
    found = sorted(models.glob("vosk-model*")) if models.is_dir() else []
    return next((path for path in found if path.is_dir()), None)


def find_whisper_model(explicit: Path | None = None) -> Path | None:
    """``--whisper-model``, then ``$VOICEGUIDE_WHISPER_MODEL``, then what
    ``voiceguide models download whisper-base.en`` (or tiny.en) installed."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(WHISPER_ENV):
        return Path(env)
    models = default_models_dir()
    return next((models / name for name in WHISPER_FOLDERS if (models / name).is_dir()),
                None)


def make_recognizer(kb: KnowledgeBase, engine: str = "auto", model: Path | None = None,
                    variant: str = DEFAULT_VARIANT, extra: tuple[str, ...] = (), *,
                    whisper_model: Path | None = None, threads: int = 1,
                    sure: SureOf | None = None) -> Recognizer:
    """``sure`` judges PocketSphinx's hearings for the cascade; without it ``auto``
    never takes the cascade and ``cascade`` is refused."""
    if engine not in ENGINES:
        raise ModelError(f"unknown recogniser {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "whisper":
        return _whisper(kb, whisper_model, threads)
    if engine == "cascade":
        if sure is None:
            raise ModelError("the cascade needs the matcher to judge PocketSphinx's "
                             "hearings; build it through voiceguide.assemble")
        return _cascade(kb, variant, extra, whisper_model, threads, sure)
    if engine == "auto":
        found = find_whisper_model(whisper_model)
        if found is not None and sure is not None:
            if importlib.util.find_spec("faster_whisper") is None:
                _LOGGER.warning("a Whisper model is installed at %s but faster-whisper is "
                                "not (pip install 'voiceguide[whisper]'); not using it",
                                found)
            else:
                try:
                    cascade = _cascade(kb, variant, extra, found, threads, sure)
                except ModelError as error:
                    _LOGGER.warning("%s; not using Whisper", error)
                else:
                    _chosen(cascade, f"a Whisper model is installed at {found}")
                    return cascade
    if engine in ("auto", "vosk"):
        path = find_vosk_model(model)
        if path is None and engine == "vosk":
            raise ModelError("no Vosk model installed; run `voiceguide models download` or "
                             f"give --model PATH (or set {MODEL_ENV})")
        if path is not None:
            try:
                from voiceguide.asr.vosk_engine import VoskRecognizer

                words = sorted({w for s in sentences(kb, extra) for w in s.split()})
                vosk = VoskRecognizer(path, words)
            except ModelError as error:
                if engine == "vosk":
                    raise
                _LOGGER.warning("%s; using PocketSphinx instead", error)
            else:
                if engine == "auto":
                    _chosen(vosk, f"no Whisper model; a Vosk model is installed at {path}")
                return vosk
    from voiceguide.asr.sphinx import PocketSphinxRecognizer

    sphinx = PocketSphinxRecognizer(build(kb, variant, extra))
    if engine == "auto":
        _chosen(sphinx, "no Whisper or Vosk model is installed (`voiceguide models "
                        "download whisper-base.en` adds one)")
    return sphinx


def _chosen(recognizer: Recognizer, reason: str) -> None:
    _LOGGER.info("recogniser: %s, because %s", recognizer.name, reason)


def _whisper(kb: KnowledgeBase, folder: Path | None, threads: int) -> Recognizer:
    found = find_whisper_model(folder)
    if found is None:
        raise ModelError(NO_WHISPER)
    from voiceguide.asr.whisper import WhisperRecognizer, domain_prompt

    return WhisperRecognizer(found, threads=threads, compute_type="int8",
                             prompt=domain_prompt(kb))


def _cascade(kb: KnowledgeBase, variant: str, extra: tuple[str, ...],
             whisper_model: Path | None, threads: int, sure: SureOf) -> CascadeRecognizer:
    from voiceguide.asr.sphinx import PocketSphinxRecognizer

    strong = _whisper(kb, whisper_model, threads)
    return CascadeRecognizer(PocketSphinxRecognizer(build(kb, variant, extra)), strong, sure)

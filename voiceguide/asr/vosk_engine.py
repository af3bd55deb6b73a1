"""Vosk, used when a Vosk model is installed: a stronger acoustic model than
PocketSphinx's, held to the knowledge base's own words plus ``[unk]`` so speech outside
the domain comes out as "unknown" rather than as the nearest medical word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from voiceguide.asr import Transcript
from voiceguide.errors import ModelError

REQUIRED_FILES = ("am/final.mdl", "conf/model.conf")
"""What a complete small Vosk model folder holds; a half-copied one lacks some."""


def check_model(path: Path) -> None:
    """Raise ``ModelError`` naming what is missing, before Vosk crashes on it."""
    if not path.is_dir():
        raise ModelError(f"no Vosk model at {path}; run `voiceguide models download` or "
                         "give --model a model folder")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"the Vosk model at {path} is incomplete (no {', '.join(missing)}); "
                         "delete it and run `voiceguide models download` again")


class VoskRecognizer:
    def __init__(self, model_path: Path, vocabulary: list[str] | None) -> None:
        check_model(model_path)
        import vosk

        vosk.SetLogLevel(-1)
        self._model = vosk.Model(str(model_path))
        self._grammar = json.dumps([" ".join(vocabulary), "[unk]"]) if vocabulary else None
        self.name = f"vosk:{model_path.name}"
        self._recognizer = self._new()
        self._final: list[dict[str, Any]] = []

    def _new(self) -> object:
        import vosk

        if self._grammar is None:
            recognizer = vosk.KaldiRecognizer(self._model, 16000)
        else:
            recognizer = vosk.KaldiRecognizer(self._model, 16000, self._grammar)
        recognizer.SetWords(True)
        return recognizer

    def start(self) -> None:
        self._recognizer.Reset()  # type: ignore[attr-defined]
        self._final = []

    def accept(self, pcm: bytes) -> Transcript | None:
        recognizer = self._recognizer
        if recognizer.AcceptWaveform(pcm):  # type: ignore[attr-defined]
            self._final.append(json.loads(recognizer.Result()))  # type: ignore[attr-defined]
            return None
        partial = json.loads(recognizer.PartialResult()).get("partial", "")  # type: ignore[attr-defined]
        return Transcript(partial, 0.0, final=False) if partial else None

    def finish(self) -> Transcript:
        self._final.append(json.loads(self._recognizer.FinalResult()))  # type: ignore[attr-defined]
        words = [w for part in self._final for w in part.get("result", [])]
        kept = [w for w in words if w.get("word") != "[unk]"]
        text = " ".join(str(w["word"]) for w in kept)
        if not words:
            return Transcript(text, 0.0)
        # Unknown words count against the utterance: television talk is mostly [unk].
        confidence = sum(float(w.get("conf", 0.0)) for w in kept) / len(words)
        return Transcript(text, confidence)

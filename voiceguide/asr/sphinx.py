"""PocketSphinx, the recogniser that works on a fresh install: its US English acoustic
model ships inside the wheel, so nothing is downloaded."""

from __future__ import annotations

import math

from voiceguide.asr import Transcript
from voiceguide.asr.domain import LanguageModel, stock_model_dir

_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[noise]", "(null)"})


def decoder_config(model: LanguageModel, **extra: object) -> dict[str, object]:
    config: dict[str, object] = {
        "hmm": str(stock_model_dir() / "en-us"),
        "loglevel": "FATAL",
        "bestpath": True,
        **extra,
    }
    if model.lm is not None and model.dictionary is not None:
        config["lm"] = str(model.lm)
        config["dict"] = str(model.dictionary)
    return config


class PocketSphinxRecognizer:
    """One decoder, reused utterance after utterance."""

    def __init__(self, model: LanguageModel) -> None:
        from pocketsphinx import Decoder

        self.name = f"pocketsphinx:{model.variant}"
        self._decoder = Decoder(**decoder_config(model))
        self._pcm = bytearray()

    def start(self) -> None:
        self._pcm.clear()

    def accept(self, pcm: bytes) -> Transcript | None:
        # Decoding waits for the whole utterance: cepstral mean normalisation over the
        # utterance itself beats the running estimate, most of all on the first thing
        # said after a quiet night (measured: "my calf is cramping" came out as
        # "confused the" streamed, right in one pass). Endpointed utterances are short,
        # so this costs a tenth of a second at the end.
        self._pcm += pcm
        return None

    def finish(self) -> Transcript:
        if not self._pcm:
            return Transcript("", 0.0)
        decoder = self._decoder
        decoder.start_utt()
        decoder.process_raw(bytes(self._pcm), False, True)
        decoder.end_utt()
        self._pcm.clear()
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return Transcript("", 0.0)
        return Transcript(hyp.hypstr.strip(), self._confidence())

    def _confidence(self) -> float:
        """Geometric mean of the words' lattice posteriors: one doubtful word in a short
        utterance is enough to doubt it."""
        posteriors = [segment.prob for segment in self._decoder.seg()
                      if segment.word.lower() not in _FILLERS
                      and not segment.word.startswith("[")]
        if not posteriors:
            return 0.0
        return math.exp(sum(math.log(max(p, 1e-6)) for p in posteriors) / len(posteriors))

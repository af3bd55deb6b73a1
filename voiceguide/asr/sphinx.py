"""PocketSphinx, the recogniser that works on a fresh install: its US English acoustic
model ships inside the wheel, so nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

from voiceguide.asr import Transcript
from voiceguide.asr.language_model import LanguageModel, stock_model_dir
from voiceguide.asr.worker import DecoderProcess, WholeUtterance

WORKER = Path(__file__).with_name("sphinx_worker.py")
FIT_FLOOR = 0.1
"""PocketSphinx's path score (``Hypothesis.score``, 0..1) under which the words are
doubted whatever their posteriors. Measured on 1,154 rendered clips of spoken.tsv (five
voices, clean and 10 dB): one was under it, and wrong; right ones start at 0.16.
Synthetic music scored 0.05, foreign speech 0.14 to 0.26 (``tests/test_odd_audio.py``)."""


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


class PocketSphinxRecognizer(WholeUtterance):
    """One decoder, reused utterance after utterance, in a process of its own.

    PocketSphinx keeps the GIL while it decodes (0.2 to 0.25 s for a command, over a
    second for a long utterance), and nothing else in the guide's process can run
    meanwhile: the speaker's stream callback starved and the voice broke up whenever
    the recogniser worked. Waiting on a pipe releases the GIL, so in its own process
    the decoder no longer stops the voice.

    Decoding waits for the whole utterance: cepstral mean normalisation over the
    utterance itself beats the running estimate, most of all on the first thing said
    after a quiet night (measured: "my calf is cramping" came out as "confused the"
    streamed, right in one pass). Endpointed utterances are short, so this costs a tenth
    of a second at the end.
    """

    def __init__(self, model: LanguageModel) -> None:
        self.name = f"pocketsphinx:{model.variant}"
        self._config = decoder_config(model)
        super().__init__()
        self._worker = DecoderProcess(WORKER, self._config, "PocketSphinx")

    def finish(self) -> Transcript:
        if not (pcm := self._utterance()):
            return Transcript("", 0.0)
        text, confidence, fit, others = self._worker.decode(pcm)
        # A lone word found in music has a word posterior of 1.0 (there was nothing to
        # compete with it), but the path's fit to the sound gives it away.
        return Transcript(text, confidence if fit >= FIT_FLOOR else 0.0,
                          alternatives=tuple(others))

"""The wake phrase ("hello guide"), spotted by PocketSphinx in a finished utterance
while the guide is idle and set to wait for it."""

from __future__ import annotations

from pocketsphinx import Decoder

from voiceguide.asr.language_model import LanguageModel
from voiceguide.asr.sphinx import decoder_config


class WakeSpotter:
    """PocketSphinx keyphrase spotting, run on each finished utterance when idle."""

    def __init__(self, phrase: str, threshold: float) -> None:
        self.phrase = phrase
        self._decoder = Decoder(**decoder_config(
            LanguageModel("generic", None, None), keyphrase=phrase,
            kws_threshold=threshold, bestpath=False))

    def spotted(self, pcm: bytes) -> bool:
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, False, True)
        self._decoder.end_utt()
        return self._decoder.hyp() is not None

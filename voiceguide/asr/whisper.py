"""Whisper through faster-whisper (CTranslate2), for those who have installed a model.

A far stronger acoustic model than PocketSphinx's (issue 18: about 84/76/71% of spoken
requests understood clean, at 10 dB and at 6 dB, against 80/41/30%), at five times the
cost, so the guide's cascade asks it only when PocketSphinx and the matcher are unsure.
It is an optional extra (``pip install voiceguide[whisper]``): faster-whisper is
imported only inside the decoder's process, which loads the model once from a folder
(``voiceguide models download whisper-base.en``) and never touches the network.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from pathlib import Path

from voiceguide.asr import Transcript
from voiceguide.asr.worker import DecoderProcess, WholeUtterance
from voiceguide.errors import ModelError
from voiceguide.kb import KnowledgeBase
from voiceguide.numbers import number_words

WORKER = Path(__file__).with_name("whisper_worker.py")
REQUIRED_FILES = ("config.json", "model.bin", "tokenizer.json")
"""Without ``tokenizer.json`` faster-whisper would fetch a tokenizer from the hub."""
PROMPT_WORDS = 60
"""Domain words given to Whisper as context, the commonest in the content first."""

CONFIDENCE_BIAS = 2.8
CONFIDENCE_SLOPE = 6.0
"""``confidence = sigmoid(BIAS + SLOPE * avg_logprob) * (1 - no_speech_prob)``: the
chance that every word is right (after ``guide_form``), fitted by logistic regression on
357 development clips (spoken.tsv, flite kal, clean and sox pink noise at 10 and 6 dB;
initial prompt on). The cascade built on it is measured in ``docs/cascade.md``."""

_BRACKETED = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*")
"""Whisper's sound captions, "[BLANK_AUDIO]", "(music)", "*coughs*": not words said."""
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")
_DIGITS = re.compile(r"\d+")
_STOP = frozenset("""
a about after again ago all am an and any are as at away back be because been before
between both but by can can't come could did do does don't down ever every for from get
give go going got had has have here how i i'm i've if in into is it it's its just know
last like make many me more much my myself need no not now of off old on one only or
other out over put really say see should so some something than that that's the them
then there they this through time to too up use very want was way were what what's when
where which while who why will with would you your
""".split())


def check_model(folder: Path) -> None:
    """Raise ``ModelError`` naming what is missing, before faster-whisper reaches for
    the network to make up for it."""
    if not folder.is_dir():
        raise ModelError(f"no Whisper model at {folder}; run `voiceguide models download "
                         "whisper-base.en` or give the folder of a CTranslate2 Whisper model")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelError(f"the Whisper model at {folder} is incomplete (no "
                         f"{', '.join(missing)}); delete it and run `voiceguide models "
                         "download` again")


def domain_prompt(kb: KnowledgeBase, words: int = PROMPT_WORDS) -> str:
    """The content's commonest words that carry meaning, as a comma-separated list.

    Whisper reads it as text said just before the request, which tilts it towards the
    words people say to the guide ("calf", "numb", "pregnant") and towards its
    lower-case, unpunctuated style.
    """
    from voiceguide.asr.language_model import sentences

    counts = Counter(word for sentence in sentences(kb) for word in sentence.split()
                     if word not in _STOP and len(word) > 2)
    return ", ".join(word for word, _ in counts.most_common(words))


def guide_form(text: str) -> str:
    """Whisper's text as the guide's recognisers write it: lower-case words, no
    punctuation, numbers in words ("30 seconds" -> "thirty seconds")."""
    text = _BRACKETED.sub(" ", text.replace("\u2019", "'"))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NOT_WORD.sub(" ", text.lower().replace("-", " "))
    text = _DIGITS.sub(lambda found: f" {number_words(int(found.group()))} ", text)
    return " ".join(word.strip("'") for word in text.split() if word.strip("'"))


def confidence(avg_logprob: float, no_speech_prob: float) -> float:
    """0..1 from Whisper's own measures of the utterance (see ``CONFIDENCE_BIAS``)."""
    score = CONFIDENCE_BIAS + CONFIDENCE_SLOPE * avg_logprob
    fit = 1.0 / (1.0 + math.exp(-score)) if score > -50 else 0.0
    return max(0.0, min(1.0, fit * (1.0 - no_speech_prob)))


class WhisperRecognizer(WholeUtterance):
    """Whisper in a process of its own, behind the ``Recognizer`` interface.

    CTranslate2 releases the GIL while it computes, but faster-whisper's feature
    extraction and decoding loop are Python and numpy holding it for hundreds of
    milliseconds: in the guide's process they would starve the speaker's callback just
    as PocketSphinx did. The model loads once, when the recogniser is made. It reads
    the whole utterance at once (it pads it to 30 s anyway), so it decodes at the end.
    """

    def __init__(self, model: Path, *, threads: int = 1, compute_type: str = "int8",
                 beam_size: int = 5, prompt: str = "", prompt_as: str = "initial_prompt"
                 ) -> None:
        if prompt_as not in ("initial_prompt", "hotwords"):
            raise ValueError(f"prompt_as must be initial_prompt or hotwords, not {prompt_as!r}")
        if threads < 1:
            raise ModelError(f"Whisper needs at least one thread, not {threads}")
        model = Path(model).expanduser().resolve()
        check_model(model)
        self.name = f"whisper:{model.name}"
        self._config: dict[str, object] = {
            "model": str(model), "threads": threads, "compute_type": compute_type,
            "beam_size": beam_size, prompt_as: prompt,
        }
        super().__init__()
        self._worker = DecoderProcess(
            WORKER, self._config, "Whisper", flags=("-P",), grace=2.0,
            missing_module="Whisper needs faster-whisper: pip install 'voiceguide[whisper]'")

    def finish(self) -> Transcript:
        if not (pcm := self._utterance()):
            return Transcript("", 0.0)
        text, logprob, no_speech, _tokens = self._worker.decode(pcm)
        words = guide_form(text)
        return Transcript(words, confidence(logprob, no_speech) if words else 0.0)

    def peak_memory(self) -> int | None:
        """The decoder process's peak resident memory in bytes (Linux), for the bench."""
        return self._worker.peak_memory()

    def close(self) -> None:
        self._worker.close()

"""False triggers on the guide's own voice: every sentence it can say, rendered by its
own synthesiser, fed back to its own recogniser as if the microphone heard the speaker.

    python scripts/measure_false_triggers.py [--every N] [--snr DB]

A sentence is a raw trigger when it is heard as an accepted stop, pause, repeat,
goodbye or emergency, and a false trigger when the loop's talk-over rules
(``voiceguide.loop.live.talk_over``, with the sentence as what is being said) still let
it cut the guide off.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.asr import Recognizer, transcribe
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.wav import RATE
from voiceguide.guide import Guide
from voiceguide.loop.live import BARGE_IN, talk_over
from voiceguide.match.heard import heard_as
from voiceguide.settings import VoiceSettings
from voiceguide.speech.synth import EspeakSynthesizer
from voiceguide.testing import repertoire


@dataclass(frozen=True)
class Echo:
    sentence: str
    heard: str
    intent: str
    barge_in: bool
    """An accepted barge-in intent: what would cut the guide off with no echo check."""
    verdict: str
    """What the loop makes of it: ``barge_in`` (a false trigger), ``echo`` or
    ``talk_over``."""

    @property
    def false_trigger(self) -> bool:
        return self.verdict == "barge_in"


def with_noise(samples: np.ndarray, snr_db: float | None, seed: int) -> np.ndarray:
    """A room between speaker and microphone, roughly: white noise at ``snr_db``."""
    if snr_db is None:
        return samples
    noise = np.random.default_rng(seed).standard_normal(len(samples))
    power = float(np.mean(samples ** 2)) or 1e-9
    noise *= np.sqrt(power / 10 ** (snr_db / 10)) / noise.std()
    return np.clip(samples + noise, -1, 1)


def hear_back(guide: Guide, recognizer: Recognizer, synth: EspeakSynthesizer,
              sentences: list[str], snr_db: float | None = None) -> list[Echo]:
    settings = guide.settings.listen
    echoes = []
    for n, sentence in enumerate(sentences):
        samples = with_noise(synth.render(sentence, VoiceSettings().rate), snr_db, n)
        quiet = np.zeros(RATE // 4)
        pcm = (np.concatenate([quiet, samples, quiet]) * 32767).astype("<i2").tobytes()
        transcript = transcribe(recognizer, pcm)
        match = heard_as(guide.matcher.match(transcript.text), transcript, settings)
        echoes.append(Echo(
            sentence, transcript.text, match.intent,
            barge_in=match.outcome == "accept" and match.intent in BARGE_IN,
            verdict=talk_over(match, transcript, [sentence], settings)))
    return echoes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="take every Nth sentence")
    parser.add_argument("--snr", type=float, default=None, help="add noise at this SNR")
    args = parser.parse_args()
    guide = Guide.load()
    recognizer = make_recognizer(guide.kb, "pocketsphinx",
                                 extra=(guide.settings.listen.wake_phrase,))
    sentences = repertoire(guide)[::args.every]
    started = time.perf_counter()
    echoes = hear_back(guide, recognizer, EspeakSynthesizer(), sentences, args.snr)
    raw = [e for e in echoes if e.barge_in]
    false = [e for e in echoes if e.false_trigger]
    echo = sum(e.verdict == "echo" for e in echoes)
    print(f"{len(echoes)} sentences of the guide's own speech"
          f" ({'clean' if args.snr is None else f'{args.snr:g} dB'}),"
          f" {time.perf_counter() - started:.0f} s")
    print(f"  would barge in with no echo check: {len(raw)}")
    print(f"  recognised as its own words:       {echo}")
    print(f"  false triggers:                    {len(false)}")
    for heard in raw:
        print(f"    {heard.verdict:9} {heard.intent:16} {heard.sentence!r} -> {heard.heard!r}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measure the wake phrase in a noisy bedroom: false wakes per hour of a television
through the wall, and wake phrases missed at a signal-to-noise ratio.

Usage: python scripts/measure_wake.py [--minutes 60] [--snr 10]
                                      [--voices festival:slt,flite:kal,flite:awb]
                                      [--no-denoise]

Both go through what the live loop runs while it waits for the phrase: RNNoise
(gated on the room's noise, as shipped; ``--no-denoise`` leaves it out), the
endpointer, then the spotter on each utterance. The television is the benchmark's
babble (several voices, each reading its own script) with its fan noise 10 dB under
it, at a level a television through a wall reaches (speech power -30 dBFS). The
phrases are the shipped wake phrase, alone, after "um" and before a request, spoken by
each voice, mixed
with babble, fan and pink noise at ``--snr`` dB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.asr.wake import WakeSpotter  # noqa: E402
from voiceguide.audio.denoise import denoise_pcm  # noqa: E402
from voiceguide.audio.endpoint import utterances  # noqa: E402
from voiceguide.audio.wav import RATE, pcm_bytes  # noqa: E402
from voiceguide.bench.render import (  # noqa: E402
    NoiseBanks,
    Voice,
    default_outdir,
    mix,
    synthesise,
)
from voiceguide.settings import ListenSettings  # noqa: E402

TV_LEVEL = 10 ** (-30 / 20) * 32768
"""RMS of the television's speech in samples: -30 dBFS."""
FAN_BELOW = 10.0
"""dB the fan sits under the television."""
NOISES = ("babble", "fan", "pink")
noise = NoiseBanks(default_outdir() / "_noise")
"""The benchmark's own noises, made once and kept beside its clips."""


def television(minutes: float) -> np.ndarray:
    """``minutes`` of babble over a fan, looped from the benchmark's minute of each."""
    n = int(minutes * 60 * RATE)
    babble = np.resize(noise("babble"), n)
    fan = np.resize(noise("fan"), n)
    babble *= TV_LEVEL / np.sqrt((babble ** 2).mean())
    fan *= TV_LEVEL * 10 ** (-FAN_BELOW / 20) / np.sqrt((fan ** 2).mean())
    room = babble + fan
    return np.clip(np.round(room), -32768, 32767).astype(np.int16)


def spoken_into(samples: np.ndarray, denoise: bool) -> Iterator[bytes]:
    """What the live loop hands the spotter: endpointed utterances of the stream."""
    pcm = pcm_bytes(samples)
    for utterance in utterances(denoise_pcm(pcm) if denoise else pcm):
        yield bytes(utterance.pcm)


def false_wakes(spotter: WakeSpotter, minutes: float, denoise: bool) -> tuple[int, int]:
    heard = woke = 0
    for pcm in spoken_into(television(minutes), denoise):
        heard += 1
        woke += spotter.spotted(pcm)
    return woke, heard


def missed_wakes(spotter: WakeSpotter, voices: list[Voice], snr: float, denoise: bool
                 ) -> dict[str, tuple[int, int]]:
    """Per condition: phrases caught, phrases said."""
    phrase = spotter.phrase
    found: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="wake-") as folder:
        clean = [synthesise(text, voice, Path(folder))
                 for voice in voices for text in (phrase, f"um {phrase}",
                                                  f"{phrase} my calf is cramping")]
    silence = np.zeros(int(0.5 * RATE), dtype=np.int16)
    for condition in ("clean", *NOISES):
        caught = 0
        for n, speech in enumerate(clean):
            padded = np.concatenate([silence, speech, silence])
            if condition != "clean":
                padded = mix(padded, noise(condition), snr,
                             f"wake-{n}", whole_bank=condition != "pink")
            caught += any(spotter.spotted(u) for u in spoken_into(padded, denoise))
        found[condition] = (caught, len(clean))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--snr", type=float, default=10.0)
    parser.add_argument("--voices", default="festival:slt,flite:kal,flite:awb")
    parser.add_argument("--no-denoise", action="store_true")
    args = parser.parse_args()
    listen = ListenSettings()
    spotter = WakeSpotter(listen.wake_phrase, listen.wake_threshold)
    denoise = not args.no_denoise
    voices = [Voice.parse(v) for v in args.voices.split(",")]
    started = time.perf_counter()
    woke, heard = false_wakes(spotter, args.minutes, denoise)
    print(f"television through the wall, {args.minutes:g} min (babble at -30 dBFS, fan "
          f"{FAN_BELOW:g} dB under it), noise suppression {'on' if denoise else 'off'}: "
          f"{woke} false wakes in {heard} utterances ({woke / args.minutes * 60:.1f} an "
          f"hour); {time.perf_counter() - started:.0f} s")
    for condition, (caught, said) in missed_wakes(spotter, voices, args.snr,
                                                  denoise).items():
        level = "" if condition == "clean" else f" at {args.snr:g} dB"
        print(f"  \"{spotter.phrase}\" caught, {condition}{level}: {caught}/{said} "
              f"({', '.join(v.spec for v in voices)}; alone, after \"um\", before a request)")


if __name__ == "__main__":
    main()

"""Fuzzing the two readers that take files from outside, for a set time: WAV audio and
articles. Inputs are mutations of valid ones (bit flips, cuts, scribbled headers,
spliced pieces) and random text. Anything but a result or the guide's own one-line error
is a crash, and its input is kept so it can become a regression test."""

from __future__ import annotations

import io
import logging
import random
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voiceguide.audio.wav import read_wav
from voiceguide.docs import parse_file
from voiceguide.errors import VoiceguideError

ARTICLE = """# Night cramps

## What helps
- Stretch the calf: pull your toes up.
* Walk a little.

1.2.1. When to see a doctor
If the leg is swollen, red or hot, get help.

Q: Does heat help?
A: A warm towel can ease the muscle.
"""


@dataclass(slots=True)
class FuzzResult:
    target: str
    inputs: int = 0
    refused: int = 0
    """Inputs given a one-line error of the guide's own."""
    crashes: list[str] = field(default_factory=list)
    """Where each crashing input was kept, and what it raised."""


def _seed_wavs(rng: random.Random) -> list[bytes]:
    seeds = []
    for rate, channels, width in ((16000, 1, 2), (8000, 2, 1), (44100, 1, 4), (48000, 2, 3)):
        out = io.BytesIO()
        with wave.open(out, "wb") as handle:
            handle.setnchannels(channels)
            handle.setsampwidth(width)
            handle.setframerate(rate)
            handle.writeframes(bytes(rng.getrandbits(8) for _ in range(width * channels * 400)))
        seeds.append(out.getvalue())
    return seeds


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(4)
        if kind == 0 and buf:
            buf[rng.randrange(len(buf))] = rng.getrandbits(8)
        elif kind == 1:
            del buf[rng.randrange(len(buf) + 1):]
        elif kind == 2 and len(buf) > 8:
            at = rng.randrange(min(len(buf), 64))
            buf[at:at + 4] = rng.getrandbits(32).to_bytes(4, "little")
        else:
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 32)))
    return bytes(buf)


def _random_text(rng: random.Random) -> str:
    pieces = [ARTICLE[rng.randrange(len(ARTICLE)):][: rng.randint(0, 200)],
              "".join(chr(rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0x2FFF),
                                      rng.randint(0x1F300, 0x1F6FF))))
                      for _ in range(rng.randint(0, 300))),
              "\n".join(rng.choice(("#", "##", "-", "*", "•", "1.", "Q:", "A:", "<p>",
                                    "</div>", "http://x.y/z", "")) + " word"
                        for _ in range(rng.randint(0, 30)))]
    rng.shuffle(pieces)
    return "".join(pieces)


def _run(target: str, seconds: float, rng: random.Random, make: Callable[[], bytes],
         suffix: str, read: Callable[[Path], object], keep: Path) -> FuzzResult:
    result = FuzzResult(target)
    deadline = time.monotonic() + seconds
    with tempfile.TemporaryDirectory(prefix="voiceguide-fuzz-") as folder:
        path = Path(folder) / f"input{suffix}"
        while time.monotonic() < deadline:
            data = make()
            path.write_bytes(data)
            result.inputs += 1
            try:
                read(path)
            except VoiceguideError as error:
                result.refused += 1
                if "\n" in str(error) or not str(error):
                    result.crashes.append(_keep(keep, data, suffix, "not one line"))
            except Exception as error:
                result.crashes.append(_keep(keep, data, suffix, repr(error)[:120]))
    return result


def _keep(folder: Path, data: bytes, suffix: str, why: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{abs(hash(data)):x}{suffix}"
    path.write_bytes(data)
    return f"{path}: {why}"


def fuzz(seconds: float, keep: Path, seed: int = 7) -> list[FuzzResult]:
    """``seconds`` for each reader; crashing inputs are written into ``keep``."""
    rng = random.Random(seed)
    seeds = _seed_wavs(rng)
    # A cut file is read with a warning each time; thousands would bury the table.
    logging.getLogger("voiceguide.audio.wav").setLevel(logging.ERROR)

    def wav() -> bytes:
        return _mutate(rng.choice(seeds), rng)

    def article() -> bytes:
        text = _random_text(rng)
        return text.encode("utf-8", "surrogatepass") if rng.random() < 0.9 else \
            _mutate(text.encode("utf-8", "replace"), rng)

    def read_audio(path: Path) -> np.ndarray:
        return read_wav(path)

    return [_run("WAV reader", seconds, rng, wav, ".wav", read_audio, keep),
            _run("article parser", seconds, rng, article, ".md", parse_file, keep)]

"""Render a labelled utterance set into spoken WAV files with real speech synthesisers,
in the conditions of a bedroom at night.

The text dev sets measure the matcher; this measures what the microphone path adds. Every
utterance is spoken by several voices (espeak-ng, flite, festival's diphone and HTS
voices), converted to what the recogniser hears (16 kHz mono 16-bit, with some silence
either side), then put in a condition: clean; mixed with a bedroom noise at a
signal-to-noise ratio (pink, brown, a fan, rain, a television's babble of voices, a
partner snoring); in a reverberant room; spoken quietly; spoken slowly and sleepily with
a pause in the middle; or starting straight after the guide's own "listening" chime.
Outputs are cached: a file that already exists is never rendered again, so a test run or
a benchmark can share one folder, and the noises themselves are kept in ``_noise/``.

Usage:
    python scripts/render_speech.py [OUTDIR] [--set TSV] [--voices LIST]
                                    [--conditions LIST] [--suite dev|all]
                                    [--limit N] [--jobs N]

A condition is ``clean``, a number (pink noise at that many dB, the older spelling),
``KIND:DB`` with KIND one of pink, brown, fan, rain, babble, snore, or one of reverb,
quiet, sleepy, chime. Files are named ``{intent}__{text slug}__{voice slug}__{condition}
.wav`` (``oov__...`` for ``out_of_scope`` rows; the condition spelt ``10`` for pink noise,
``fan-10`` for the others), and ``OUTDIR/manifest.tsv`` lists them with paths relative to
OUTDIR. The held-out voice and noise (``HELD_OUT_VOICES``, ``HELD_OUT_NOISES``) are for
final figures only: nothing is ever tuned on them.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from voiceguide.bench.labelled import DATA, OUT_OF_SCOPE, SPOKEN_SET, Row, read_rows
from voiceguide.errors import BenchError

DEFAULT_VOICES = (
    "espeak:en-us:150",
    "espeak:en-us+m3:135",
    "espeak:en-us+f3:160",
    "espeak:en-gb:145",
    "flite:kal",
    "flite:awb",
)
DEFAULT_SNRS = ("clean", "20", "10")

SPEECH_TESTS = DATA / "speech" / "requests.tsv"
"""The spoken test set written for issue 17 (its held-out third is requests_heldout.tsv)."""
SUITE_VOICES = ("flite:awb", "flite:kal16", "festival:ked", "espeak:en-us+m3:135")
"""Voices anything may be measured and tuned on; espeak-ng is the hard case."""
HELD_OUT_VOICES = ("festival:slt",)
"""Never tuned on: the HTS voice, the most human-sounding here."""
NOISE_KINDS = ("pink", "brown", "fan", "rain", "babble", "snore")
HELD_OUT_NOISES = ("snore",)
"""Never tuned on."""
SUITE_SNRS = (20, 10, 6, 3)
PLAIN_CONDITIONS = ("clean", "reverb", "quiet", "sleepy", "chime")

RATE = 16000
PAD_BEFORE = 0.3
PAD_AFTER = 0.5
NOISE_SECONDS = 60
# Frames quieter than this, relative to the loudest frame, are pauses, not speech.
ACTIVE_FLOOR_DB = 40.0
FRAME = 320  # 20 ms at 16 kHz
# Leave a little headroom so a mix never sits exactly at full scale.
PEAK_LIMIT = 0.98 * 32767
MAX_SLUG = 60
QUIET_DB = -15.0
"""How much softer a quiet request is than the voice's own level."""
SLEEPY_TEMPO = 0.8
"""A sleepy request is spoken at this share of the voice's speed (pitch kept)."""
SLEEPY_PAUSE = 0.6
"""Seconds of silence in the middle of a sleepy request, where the person trails off."""
CHIME_GAP = 0.05
"""Seconds between the end of the guide's chime and the first sound of speech."""

APT_PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite", "sox": "sox",
                "text2wave": "festival"}
FESTIVAL_VOICES = {
    "ked": ("ked_diphone", "festvox-kdlpc16k"),
    "slt": ("cmu_us_slt_arctic_hts", "festvox-us-slt-hts"),
}
"""festival:NAME -> (festival's voice directory and ``voice_`` function, apt package)."""
FESTIVAL_DIRS = (Path("/usr/share/festival/voices"),)

BABBLE_VOICES = ("espeak:en-us+m3:170", "espeak:en-gb+f3:165", "espeak:en-us+f2:180",
                 "espeak:en-gb:160", "flite:rms")
"""The television: voices none of the test voices, each reading its own script."""
BABBLE_SCRIPTS = (
    "and now the forecast for the rest of the week. a band of showers moves in from the "
    "west on tuesday, clearing by the afternoon, with bright spells and a fresh breeze "
    "along the coast. temperatures stay close to normal for the time of year.",
    "today we are making a simple vegetable soup. chop two onions and a handful of "
    "carrots, soften them gently in a little butter, then pour in the stock and let it "
    "bubble away for twenty minutes before you blend it smooth.",
    "he picks it up on the halfway line, skips past one defender, then another, and "
    "shoots from distance. the keeper gets a glove to it and the ball flies over the "
    "bar. what a chance that was in the final minute of the first half.",
    "for one thousand points, which famous ship sank on its first voyage across the "
    "atlantic? is it a, the mary rose, b, the titanic, or c, the golden hind? take your "
    "time, the clock is running and the audience is very quiet tonight.",
    "deep in the forest the old trees shelter hundreds of creatures. owls hunt in the "
    "dark, badgers wander out after sunset, and as spring arrives the birds return to "
    "build their nests high among the branches.",
)


class MissingTool(BenchError):
    """A synthesiser, a voice or sox is not installed; the message names the package."""


class RenderError(BenchError):
    """A synthesiser or sox call failed, or a voice or condition cannot be honoured."""


@dataclass(frozen=True)
class RenderedClip:
    path: Path
    intent: str
    text: str
    voice: str
    snr: str
    """The condition's label: ``clean``, ``10`` (pink noise), ``fan-10``, ``sleepy``..."""

    @property
    def condition(self) -> str:
        return self.snr


@dataclass(frozen=True)
class Voice:
    """A voice id such as ``espeak:en-us+f3:160``, ``flite:kal`` or ``festival:slt``,
    parsed once."""

    engine: str
    name: str
    wpm: int | None = None

    @classmethod
    def parse(cls, spec: str) -> Self:
        parts = spec.strip().split(":")
        if parts[0] == "espeak" and len(parts) in (2, 3) and parts[1]:
            wpm = int(parts[2]) if len(parts) == 3 else None
            if wpm is not None and not 80 <= wpm <= 450:
                raise RenderError(f"voice {spec!r}: espeak-ng speed must be 80-450 wpm")
            return cls("espeak", parts[1], wpm)
        if parts[0] in ("flite", "festival") and len(parts) == 2 and parts[1]:
            return cls(parts[0], parts[1])
        raise RenderError(f"voice {spec!r}: expected espeak:VOICE[:WPM], flite:VOICE or "
                          f"festival:{'|'.join(FESTIVAL_VOICES)}")

    @property
    def spec(self) -> str:
        return ":".join([self.engine, self.name] + ([str(self.wpm)] if self.wpm else []))

    @property
    def slug(self) -> str:
        return slugify(self.spec)

    @property
    def tool(self) -> str:
        return {"espeak": "espeak-ng", "flite": "flite", "festival": "text2wave"}[self.engine]


@dataclass(frozen=True)
class Condition:
    """How a clean rendering is changed: ``kind`` is clean, a noise (with ``snr`` in dB
    of active speech power over the noise's mean power) or one of reverb, quiet,
    sleepy, chime."""

    kind: str
    snr: float | None = None

    @classmethod
    def parse(cls, spec: str | float) -> Self:
        text = str(spec).strip().lower()
        if text in PLAIN_CONDITIONS:
            return cls(text)
        kind, sep, level = text.rpartition(":")
        if not sep:
            kind, level = "pink", text
        if kind not in NOISE_KINDS:
            raise RenderError(f"condition {spec!r}: expected clean, a number of dB, KIND:DB "
                              f"with KIND one of {', '.join(NOISE_KINDS)}, or one of "
                              f"{', '.join(PLAIN_CONDITIONS[1:])}")
        return cls(kind, float(snr_label(level)))

    @property
    def label(self) -> str:
        if self.snr is None:
            return self.kind
        # Pink noise keeps the older spelling, so caches made before stay valid.
        level = snr_label(self.snr)
        return level if self.kind == "pink" else f"{self.kind}-{level}"

    @property
    def needs_clean(self) -> bool:
        return self.kind != "sleepy"


def slugify(text: str) -> str:
    """File-name-safe and stable: apostrophes vanish so "can't" stays one word."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def text_slug(text: str) -> str:
    """Long utterances are cut, with a hash so that two cut ones cannot collide."""
    slug = slugify(text)
    if len(slug) <= MAX_SLUG:
        return slug
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:MAX_SLUG].rstrip('-')}-{digest}"


def snr_label(snr: str | float) -> str:
    """One spelling per level, so "20", "20.0" and 20 share a cached file."""
    if isinstance(snr, str) and snr.strip().lower() == "clean":
        return "clean"
    try:
        value = float(snr)
    except ValueError:
        raise RenderError(f"SNR {snr!r}: expected 'clean' or a number of dB") from None
    if not np.isfinite(value):
        raise RenderError(f"SNR {snr!r}: expected a finite number of dB")
    return str(int(value)) if value.is_integer() else f"{value:g}"


def suite_conditions(held_out: bool = False) -> tuple[str, ...]:
    """Every condition of the speech tests; the held-out noise only when asked."""
    kinds = [k for k in NOISE_KINDS if held_out or k not in HELD_OUT_NOISES]
    return ("clean", *(f"{k}:{s}" for k in kinds for s in SUITE_SNRS),
            *PLAIN_CONDITIONS[1:])


def row_stem(row: Row) -> str:
    prefix = "oov" if row.intent == OUT_OF_SCOPE else row.intent
    return f"{prefix}__{text_slug(row.text)}"


def clip_name(row: Row, voice: Voice, condition: str | Condition) -> str:
    label = condition.label if isinstance(condition, Condition) else condition
    return f"{row_stem(row)}__{voice.slug}__{label}.wav"


def check_tools(voices: Iterable[Voice]) -> None:
    """Fail before any work, in one line, rather than halfway through a thread pool."""
    needed = {"sox"} | {voice.tool for voice in voices}
    for tool in sorted(needed):
        if shutil.which(tool) is None:
            raise MissingTool(f"{tool} is not installed: sudo apt-get install "
                              f"{APT_PACKAGES[tool]}")


@functools.cache
def _flite_voices() -> frozenset[str]:
    listing = _run(["flite", "-lv"]).stdout.decode("utf-8", "replace")
    return frozenset(listing.split(":", 1)[-1].split())


@functools.cache
def _espeak_names(kind: str) -> frozenset[str]:
    listing = _run(["espeak-ng", f"--voices={kind}"]).stdout.decode("utf-8", "replace")
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5:
            names.update({cols[1], cols[3], cols[4], cols[4].rsplit("/", 1)[-1]})
            names.update(re.findall(r"\(([^ )]+)", line))
    return frozenset(name.lower() for name in names)


def check_voices(voices: Iterable[Voice]) -> None:
    """The synthesisers fall back silently to a default voice on a typo, which would
    mislabel every clip, so unknown names are refused here."""
    for voice in voices:
        if voice.engine == "flite":
            if voice.name not in _flite_voices():
                known = " ".join(sorted(_flite_voices()))
                raise RenderError(f"flite has no voice {voice.name!r} (flite -lv: {known})")
            continue
        if voice.engine == "festival":
            if voice.name not in FESTIVAL_VOICES:
                raise RenderError(f"festival voice {voice.name!r} is not one of "
                                  f"{', '.join(FESTIVAL_VOICES)}")
            folder, package = FESTIVAL_VOICES[voice.name]
            if not any(any(base.glob(f"*/{folder}")) for base in FESTIVAL_DIRS):
                raise MissingTool(f"festival voice {voice.name!r} is not installed: "
                                  f"sudo apt-get install {package}")
            continue
        base, _, variant = voice.name.partition("+")
        if base.lower() not in _espeak_names("en") | _espeak_names(""):
            raise RenderError(f"espeak-ng has no voice {base!r} (see espeak-ng --voices)")
        if variant and variant.lower() not in _espeak_names("variant"):
            raise RenderError(f"espeak-ng has no variant {variant!r} "
                              "(see espeak-ng --voices=variant)")


def _run(cmd: Sequence[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(list(cmd), input=stdin, capture_output=True, check=False, timeout=120)
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"{cmd[0]} failed ({done.returncode}): {' | '.join(detail[-3:])}")
    return done


def _speak(text: str, voice: Voice, raw: Path) -> None:
    if voice.engine == "espeak":
        cmd = ["espeak-ng", "-v", voice.name, "-w", str(raw), "--stdin"]
        if voice.wpm:
            cmd[1:1] = ["-s", str(voice.wpm)]
        # Through stdin, so a text that starts with a dash is never read as an option.
        _run(cmd, stdin=text.encode("utf-8"))
    elif voice.engine == "festival":
        function = f"(voice_{FESTIVAL_VOICES[voice.name][0]})"
        _run(["text2wave", "-eval", function, "-o", str(raw)], stdin=text.encode("utf-8"))
    else:
        _run(["flite", "-voice", voice.name, "-t", text, "-o", str(raw)])


def synthesise(text: str, voice: Voice, workdir: Path, tempo: float = 1.0,
               pad: tuple[float, float] = (PAD_BEFORE, PAD_AFTER)) -> np.ndarray:
    """Speak, then let sox do the resampling and padding so every voice ends up in the
    recogniser's format however the synthesiser delivered it (flite's kal is 8 kHz,
    festival's HTS voice 32 kHz). ``tempo`` under 1 slows the speech, keeping its pitch."""
    raw = workdir / "raw.wav"
    _speak(text, voice, raw)
    out = workdir / "16k.wav"
    # -R seeds the dither, so the same input always gives the same bytes; -G lowers the
    # gain only when the resampler would otherwise clip a peak.
    effects = ["tempo", "-s", f"{tempo:g}"] if tempo != 1.0 else []
    _run(["sox", "-R", "-G", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
          *effects, "pad", str(pad[0]), str(pad[1])])
    samples = read_wav(out)
    if not np.any(samples):
        raise RenderError(f"{voice.spec} produced silence for {text!r}")
    return samples


def synthesise_sleepy(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """Slower, with a pause where a half-asleep person trails off mid-request ("my calf
    is... cramping"): the two halves spoken apart and joined by ``SLEEPY_PAUSE``."""
    words = text.split()
    if len(words) < 3:
        return synthesise(text, voice, workdir, SLEEPY_TEMPO)
    half = len(words) // 2
    first = synthesise(" ".join(words[:half]), voice, workdir, SLEEPY_TEMPO, (PAD_BEFORE, 0))
    second = synthesise(" ".join(words[half:]), voice, workdir, SLEEPY_TEMPO, (0, PAD_AFTER))
    return np.concatenate([first, np.zeros(int(SLEEPY_PAUSE * RATE), np.int16), second])


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as handle:
        if (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) != (1, 2, RATE):
            raise RenderError(f"{path}: expected 16 kHz mono 16-bit")
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").copy()


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write beside the target and rename, so an interrupted run never leaves a half file
    that the cache would later take for a finished one."""
    part = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with wave.open(str(part), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(RATE)
            handle.writeframes(samples.astype("<i2").tobytes())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _to_int16(samples: np.ndarray, peak: float = 0.5 * 32767) -> np.ndarray:
    top = float(np.abs(samples).max()) or 1.0
    return np.round(samples * (peak / top)).astype(np.int16)


def _sox(effects: Sequence[str], samples: np.ndarray | None = None) -> np.ndarray:
    """sox on ``samples`` (or on nothing, for its synth), returned as float samples."""
    with tempfile.TemporaryDirectory(prefix="render-sox-") as tmp:
        out = Path(tmp) / "out.wav"
        source = ["-n"]
        if samples is not None:
            source = [str(Path(tmp) / "in.wav")]
            write_wav(Path(source[0]), _to_int16(samples))
        _run(["sox", "-R", "-G", *source, "-r", str(RATE), "-c", "1", "-b", "16", str(out),
              *effects])
        return read_wav(out).astype(np.float64)


def make_noise(kind: str = "pink") -> np.ndarray:
    """A minute of one bedroom noise, the same on every run (sox -R and fixed seeds)."""
    seconds = str(NOISE_SECONDS)
    n = NOISE_SECONDS * RATE
    rng = np.random.default_rng(zlib.crc32(kind.encode()))
    t = np.arange(n) / RATE
    if kind in ("pink", "brown"):
        noise = _sox(["synth", seconds, f"{kind}noise"])
    elif kind == "fan":
        # Air through the blades, a motor hum, and the blades' slow beat.
        air = _sox(["synth", seconds, "pinknoise", "lowpass", "1500"])
        air /= air.std()
        hum = 0.5 * np.sin(2 * np.pi * 100 * t) + 0.25 * np.sin(2 * np.pi * 200 * t)
        noise = (air + hum) * (1 + 0.15 * np.sin(2 * np.pi * 12.5 * t))
    elif kind == "rain":
        # A hiss that swells and fades, and drops ticking on a window.
        hiss = _sox(["synth", seconds, "whitenoise", "sinc", "600-7000"])
        swell = np.interp(t, np.arange(0, NOISE_SECONDS + 2, 2),
                          rng.uniform(0.6, 1.2, NOISE_SECONDS // 2 + 1))
        drops = np.zeros(n)
        for at in rng.integers(0, n - 200, NOISE_SECONDS * 40):
            drops[at:at + 160] += rng.uniform(0.5, 3.0) * np.exp(-np.arange(160) / 25)
        ticks = _sox(["sinc", "2000-6000"], drops * rng.standard_normal(n))
        noise = hiss / hiss.std() * swell + 0.7 * ticks / ticks.std()
    elif kind == "snore":
        noise = _snoring(rng, n)
    elif kind == "babble":
        noise = _babble(rng, n)
    else:
        raise RenderError(f"no noise named {kind!r}; known: {', '.join(NOISE_KINDS)}")
    return noise - noise.mean()


def _snoring(rng: np.random.Generator, n: int) -> np.ndarray:
    """Low, fluttering bursts on the in-breath every four seconds or so, a soft breath
    out, and a faint room between: loud for a second, then almost nothing."""
    rumble = _sox(["synth", str(NOISE_SECONDS), "brownnoise", "lowpass", "500"])
    rumble /= rumble.std()
    breath = _sox(["synth", str(NOISE_SECONDS), "pinknoise", "sinc", "200-3000"])
    breath /= breath.std()
    envelope = np.full(n, 0.01)
    flutter = np.ones(n)
    at = int(rng.uniform(0, 2) * RATE)
    while at < n:
        length = int(rng.uniform(0.8, 1.4) * RATE)
        part = slice(at, min(n, at + length))
        span = part.stop - part.start
        envelope[part] = np.maximum(envelope[part], np.hanning(length)[:span])
        rate = rng.uniform(25, 40)
        flutter[part] = 1 + 0.8 * np.sin(2 * np.pi * rate * np.arange(span) / RATE)
        out_at, out_len = part.stop + int(0.4 * RATE), int(0.7 * RATE)
        if out_at + out_len < n:
            envelope[out_at:out_at + out_len] += 0.08 * np.hanning(out_len)
        at += int(rng.uniform(3.6, 4.8) * RATE)
    return rumble * envelope * flutter + 0.3 * breath * np.minimum(envelope, 0.1)


def _babble(rng: np.random.Generator, n: int) -> np.ndarray:
    """A television through the wall: several voices each reading their own script,
    looped from a random point, summed at slightly different levels and band-limited
    like a small loudspeaker."""
    total = np.zeros(n)
    with tempfile.TemporaryDirectory(prefix="render-babble-") as tmp:
        for spec, script in zip(BABBLE_VOICES, BABBLE_SCRIPTS, strict=True):
            voice = Voice.parse(spec)
            check_tools([voice])
            speech = synthesise(script, voice, Path(tmp), pad=(0.2, 0.2)).astype(np.float64)
            speech = np.roll(np.resize(speech, n), int(rng.integers(0, n)))
            total += speech / speech.std() * 10 ** (rng.uniform(-3, 3) / 20)
    return _sox(["sinc", "150-5000"], total)


class NoiseBanks:
    """Each noise made at most once, and only if a clip needing it is missing; kept in
    ``folder`` so later runs (and other processes) reuse it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._banks: dict[str, np.ndarray] = {}

    def __call__(self, kind: str = "pink") -> np.ndarray:
        with self._lock:
            if kind not in self._banks:
                path = self._folder / f"{kind}.wav"
                if not path.exists():
                    self._folder.mkdir(parents=True, exist_ok=True)
                    write_wav(path, _to_int16(make_noise(kind), 0.9 * 32767))
                # Always from the file, so a first run mixes what later runs will.
                bank = read_wav(path).astype(np.float64)
                self._banks[kind] = bank - bank.mean()
            return self._banks[kind]


def _frame_energy(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.float64)
    usable = len(x) - len(x) % FRAME
    frames = x[:usable].reshape(-1, FRAME) if usable else x.reshape(1, -1)
    return (frames**2).mean(axis=1)


def _active_frames(samples: np.ndarray) -> np.ndarray:
    energy = _frame_energy(samples)
    return energy >= energy.max() * 10 ** (-ACTIVE_FLOOR_DB / 10)


def speech_power(samples: np.ndarray) -> float:
    """Mean power of the frames that carry speech, so neither the padding nor the pauses
    between words (which vary by voice and speed) make the mix cleaner than labelled."""
    return float(_frame_energy(samples)[_active_frames(samples)].mean())


def mix(speech: np.ndarray, noise_bank: np.ndarray, snr_db: float, key: str,
        whole_bank: bool = False) -> np.ndarray:
    """Speech plus noise at exactly ``snr_db`` (active speech power over noise power).

    The noise segment is chosen by a hash of ``key``, not at random, so a clip is the same
    whichever thread renders it; a mix that would clip is scaled down as a whole, which
    keeps the ratio. With ``whole_bank`` the noise power is the bank's mean, not the
    segment's: a snore or a television comes and goes, and a clip that falls between
    two snores should be quieter, not have the breathing between them turned up."""
    n = len(speech)
    bank = np.resize(noise_bank, max(n, len(noise_bank)))
    start = zlib.crc32(key.encode("utf-8")) % (len(bank) - n + 1)
    noise = bank[start:start + n]
    power = (bank**2).mean() if whole_bank else (noise**2).mean()
    gain = np.sqrt(speech_power(speech) / power / 10 ** (snr_db / 10))
    mixed = speech.astype(np.float64) + gain * noise
    peak = np.abs(mixed).max()
    if peak > PEAK_LIMIT:
        mixed *= PEAK_LIMIT / peak
    return np.round(mixed).astype(np.int16)


def reverberate(speech: np.ndarray) -> np.ndarray:
    """A bedroom's echo (sox reverb: reverberance 50%, a middling room, 20 ms pre-delay),
    brought back to the dry speech's level."""
    wet = _sox(["reverb", "50", "50", "60", "100", "20"], speech.astype(np.float64))
    wet = wet[: len(speech)]
    wet *= np.sqrt(speech_power(speech) / speech_power(wet))
    return _limit(wet)


def after_chime(speech: np.ndarray) -> np.ndarray:
    """The guide's "listening" earcon at the speech's own peak, then the words
    ``CHIME_GAP`` later: a person who answers the chime at once."""
    from voiceguide.audio.earcons import earcon

    chime = earcon("listening")
    chime = chime / np.abs(chime).max() * float(np.abs(speech).max())
    # From the first frame of speech: synthesisers start with silence of their own.
    start = int(np.argmax(_active_frames(speech))) * FRAME
    gap = np.zeros(int(CHIME_GAP * RATE))
    return _limit(np.concatenate([np.zeros(int(PAD_BEFORE * RATE)), chime, gap,
                                  speech[start:].astype(np.float64)]))


def _limit(samples: np.ndarray) -> np.ndarray:
    peak = np.abs(samples).max()
    if peak > PEAK_LIMIT:
        samples = samples * (PEAK_LIMIT / peak)
    return np.round(samples).astype(np.int16)


def apply(condition: Condition, speech: np.ndarray, noise: Callable[[str], np.ndarray],
          key: str) -> np.ndarray:
    """``speech`` (the clean rendering; the sleepy one for ``sleepy``) in ``condition``."""
    if condition.snr is not None:
        return mix(speech, noise(condition.kind), condition.snr, key,
                   whole_bank=condition.kind != "pink")
    if condition.kind == "reverb":
        return reverberate(speech)
    if condition.kind == "quiet":
        return _limit(speech.astype(np.float64) * 10 ** (QUIET_DB / 20))
    if condition.kind == "chime":
        return after_chime(speech)
    return speech


def _render_one(row: Row, voice: Voice, conditions: Sequence[Condition], outdir: Path,
                noise: Callable[[str], np.ndarray]) -> list[RenderedClip]:
    targets = {c: outdir / clip_name(row, voice, c) for c in conditions}
    missing = [c for c, path in targets.items() if not path.exists()]
    clean: np.ndarray | None = None
    for condition in missing:
        if condition.kind == "sleepy":
            with tempfile.TemporaryDirectory(prefix="render-speech-") as tmp:
                write_wav(targets[condition], synthesise_sleepy(row.text, voice, Path(tmp)))
            continue
        if clean is None:
            clean_path = outdir / clip_name(row, voice, "clean")
            if clean_path.exists():
                clean = read_wav(clean_path)
            else:
                with tempfile.TemporaryDirectory(prefix="render-speech-") as tmp:
                    clean = synthesise(row.text, voice, Path(tmp))
                # Kept even when not asked for: every other condition starts from it.
                write_wav(clean_path, clean)
        if condition.kind != "clean":
            write_wav(targets[condition],
                      apply(condition, clean, noise, targets[condition].name))
    return [RenderedClip(targets[c], row.intent, row.text, voice.spec, c.label)
            for c in conditions]


def render(rows: Iterable[Row | tuple[str, str]], outdir: Path | str,
           voices: Iterable[str | Voice] = DEFAULT_VOICES,
           snrs: Iterable[str | float | Condition] = DEFAULT_SNRS,
           jobs: int = 2) -> list[RenderedClip]:
    """Render every (intent, text) row with every voice in every condition (``snrs``:
    SNRs in dB for pink noise, or any condition spelling) into ``outdir``.

    Files already in ``outdir`` are reused. Returns the clips in row, voice, condition
    order. Raises MissingTool when a program or voice is not installed and RenderError
    when a voice id or condition is wrong or a program fails."""
    outdir = Path(outdir)
    voice_list = [v if isinstance(v, Voice) else Voice.parse(v) for v in voices]
    conditions = list(dict.fromkeys(
        c if isinstance(c, Condition) else Condition.parse(c) for c in snrs))
    if not voice_list or not conditions:
        raise RenderError("need at least one voice and one condition")
    check_tools(voice_list)
    check_voices(voice_list)
    # Two rows that would share a file name are one clip: the first label wins.
    unique: dict[str, Row] = {}
    for intent, text in rows:
        row = Row(intent, text)
        unique.setdefault(row_stem(row), row)
    outdir.mkdir(parents=True, exist_ok=True)
    noise = NoiseBanks(outdir / "_noise")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_render_one, row, voice, conditions, outdir, noise)
                   for row in unique.values() for voice in voice_list]
        return [clip for future in futures for clip in future.result()]


def write_manifest(clips: Sequence[RenderedClip], outdir: Path | str) -> Path:
    """Paths are relative to the manifest, so the cache folder can be moved or mounted."""
    outdir = Path(outdir)
    path = outdir / "manifest.tsv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter="\t", lineterminator="\n")
        out.writerow(["path", "intent", "text", "voice", "snr"])
        for clip in clips:
            out.writerow([clip.path.relative_to(outdir).as_posix(), clip.intent, clip.text,
                          clip.voice, clip.snr])
    return path


def default_outdir() -> Path:
    from voiceguide.asr.language_model import cache_root

    return cache_root() / "speech-tests"


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, nargs="?", default=None,
                        help="where the WAV files and manifest.tsv go (default: "
                             "~/.cache/voiceguide/speech-tests)")
    parser.add_argument("--set", dest="tsv", type=Path, default=None,
                        help="TSV with intent and text (or utterance) columns (default: "
                             "tests/data/spoken.tsv; with --suite, speech/requests.tsv)")
    parser.add_argument("--suite", choices=("dev", "all"),
                        help="the speech tests' voices and conditions: dev leaves out the "
                             "held-out voice and noise, all includes them")
    parser.add_argument("--voices", help="comma-separated voice ids, e.g. "
                        "espeak:en-us+f3:160,flite:kal,festival:ked")
    parser.add_argument("--conditions", "--snr", dest="conditions",
                        help="comma-separated conditions: clean, a number of dB (pink "
                             "noise), KIND:DB (pink, brown, fan, rain, babble, snore), "
                             "reverb, quiet, sleepy, chime (default: clean,20,10)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument("--jobs", type=int, default=2, help="parallel renders (default: 2)")
    args = parser.parse_args(argv)
    held = args.suite == "all"
    voices = (_split(args.voices) if args.voices else
              [*SUITE_VOICES, *(HELD_OUT_VOICES if held else ())] if args.suite else
              list(DEFAULT_VOICES))
    conditions = (_split(args.conditions) if args.conditions else
                  list(suite_conditions(held)) if args.suite else list(DEFAULT_SNRS))
    tsv = args.tsv or (SPEECH_TESTS if args.suite else SPOKEN_SET)
    outdir = args.outdir or default_outdir()
    started = time.perf_counter()
    try:
        rows = read_rows(tsv)
        if args.limit is not None:
            rows = rows[: max(0, args.limit)]
        clips = render(rows, outdir, voices, conditions, args.jobs)
    except MissingTool as exc:
        print(f"render_speech: {exc}", file=sys.stderr)
        return 2
    except (BenchError, OSError) as exc:
        print(f"render_speech: {exc}", file=sys.stderr)
        return 1
    manifest = write_manifest(clips, outdir)
    print(f"{len(clips)} clips from {len(rows)} rows in {time.perf_counter() - started:.1f} s;"
          f" manifest: {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

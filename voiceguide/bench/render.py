"""Render a labelled utterance set into spoken WAV files with real speech synthesisers.

The text dev sets measure the matcher; this measures what the microphone path adds. Every
utterance is spoken by several espeak-ng and flite voices, converted to what the recogniser
hears (16 kHz mono 16-bit, with some silence either side) and, for each requested
signal-to-noise ratio, mixed with pink noise from sox. Outputs are cached: a file that
already exists is never rendered again, so a test run or a benchmark can share one folder.

Usage:
    python scripts/render_speech.py OUTDIR [--set TSV] [--voices LIST] [--snr LIST]
                                           [--limit N] [--jobs N]

Files are named ``{intent}__{text slug}__{voice slug}__{snr}.wav`` (``oov__...`` for
``out_of_scope`` rows), and ``OUTDIR/manifest.tsv`` lists them with paths relative to OUTDIR.
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

from voiceguide.bench.labelled import OUT_OF_SCOPE, SPOKEN_SET, Row, read_rows
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

APT_PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite", "sox": "sox"}


class MissingTool(BenchError):
    """A synthesiser or sox is not installed; the message names the apt package."""


class RenderError(BenchError):
    """A synthesiser or sox call failed, or a voice id cannot be honoured."""


@dataclass(frozen=True)
class RenderedClip:
    path: Path
    intent: str
    text: str
    voice: str
    snr: str


@dataclass(frozen=True)
class Voice:
    """A voice id such as ``espeak:en-us+f3:160`` or ``flite:kal``, parsed once."""

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
        if parts[0] == "flite" and len(parts) == 2 and parts[1]:
            return cls("flite", parts[1])
        raise RenderError(f"voice {spec!r}: expected espeak:VOICE[:WPM] or flite:VOICE")

    @property
    def spec(self) -> str:
        return ":".join([self.engine, self.name] + ([str(self.wpm)] if self.wpm else []))

    @property
    def slug(self) -> str:
        return slugify(self.spec)

    @property
    def tool(self) -> str:
        return "espeak-ng" if self.engine == "espeak" else "flite"


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


def row_stem(row: Row) -> str:
    prefix = "oov" if row.intent == OUT_OF_SCOPE else row.intent
    return f"{prefix}__{text_slug(row.text)}"


def clip_name(row: Row, voice: Voice, snr: str) -> str:
    return f"{row_stem(row)}__{voice.slug}__{snr}.wav"


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
    """Both synthesisers fall back silently to a default voice on a typo, which would
    mislabel every clip, so unknown names are refused here."""
    for voice in voices:
        if voice.engine == "flite":
            if voice.name not in _flite_voices():
                known = " ".join(sorted(_flite_voices()))
                raise RenderError(f"flite has no voice {voice.name!r} (flite -lv: {known})")
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


def synthesise(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """Speak, then let sox do the resampling and padding so every voice ends up in the
    recogniser's format however the synthesiser delivered it (flite's kal is 8 kHz)."""
    raw = workdir / "raw.wav"
    if voice.engine == "espeak":
        cmd = ["espeak-ng", "-v", voice.name, "-w", str(raw), "--stdin"]
        if voice.wpm:
            cmd[1:1] = ["-s", str(voice.wpm)]
        # Through stdin, so a text that starts with a dash is never read as an option.
        _run(cmd, stdin=text.encode("utf-8"))
    else:
        _run(["flite", "-voice", voice.name, "-t", text, "-o", str(raw)])
    out = workdir / "16k.wav"
    # -R seeds the dither, so the same input always gives the same bytes; -G lowers the
    # gain only when the resampler would otherwise clip a peak.
    _run(["sox", "-R", "-G", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
          "pad", str(PAD_BEFORE), str(PAD_AFTER)])
    samples = read_wav(out)
    if not np.any(samples):
        raise RenderError(f"{voice.spec} produced silence for {text!r}")
    return samples


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as handle:
        if (handle.getnchannels(), handle.getsampwidth(), handle.getframerate()) != (1, 2, RATE):
            raise RenderError(f"{path}: expected 16 kHz mono 16-bit")
        return np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").copy()


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write beside the target and rename, so an interrupted run never leaves a half file
    that the cache would later take for a finished one."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with wave.open(str(part), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(RATE)
            handle.writeframes(samples.astype("<i2").tobytes())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def make_noise() -> np.ndarray:
    """One minute of sox pink noise, seeded (-R) so every run mixes the same noise."""
    with tempfile.TemporaryDirectory(prefix="render-noise-") as tmp:
        path = Path(tmp) / "pink.wav"
        _run(["sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(path),
              "synth", str(NOISE_SECONDS), "pinknoise"])
        noise = read_wav(path).astype(np.float64)
    return noise - noise.mean()


class _LazyNoise:
    """Makes the noise at most once per render, and only if a noisy clip is missing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._noise: np.ndarray | None = None

    def __call__(self) -> np.ndarray:
        with self._lock:
            if self._noise is None:
                self._noise = make_noise()
            return self._noise


def speech_power(samples: np.ndarray) -> float:
    """Mean power of the frames that carry speech, so neither the padding nor the pauses
    between words (which vary by voice and speed) make the mix cleaner than labelled."""
    x = samples.astype(np.float64)
    usable = len(x) - len(x) % FRAME
    frames = x[:usable].reshape(-1, FRAME) if usable else x.reshape(1, -1)
    energy = (frames**2).mean(axis=1)
    active = energy >= energy.max() * 10 ** (-ACTIVE_FLOOR_DB / 10)
    return float(energy[active].mean())


def mix(speech: np.ndarray, noise_bank: np.ndarray, snr_db: float, key: str) -> np.ndarray:
    """Speech plus noise at exactly ``snr_db`` (active speech power over noise power).

    The noise segment is chosen by a hash of ``key``, not at random, so a clip is the same
    whichever thread renders it; a mix that would clip is scaled down as a whole, which
    keeps the ratio."""
    n = len(speech)
    bank = np.resize(noise_bank, max(n, len(noise_bank)))
    start = zlib.crc32(key.encode("utf-8")) % (len(bank) - n + 1)
    noise = bank[start:start + n]
    gain = np.sqrt(speech_power(speech) / (noise**2).mean() / 10 ** (snr_db / 10))
    mixed = speech.astype(np.float64) + gain * noise
    peak = np.abs(mixed).max()
    if peak > PEAK_LIMIT:
        mixed *= PEAK_LIMIT / peak
    return np.round(mixed).astype(np.int16)


def _render_one(row: Row, voice: Voice, snrs: Sequence[str], outdir: Path,
                noise: Callable[[], np.ndarray]) -> list[RenderedClip]:
    targets = {snr: outdir / clip_name(row, voice, snr) for snr in snrs}
    missing = [snr for snr, path in targets.items() if not path.exists()]
    if missing:
        clean_path = outdir / clip_name(row, voice, "clean")
        if clean_path.exists():
            speech = read_wav(clean_path)
        else:
            with tempfile.TemporaryDirectory(prefix="render-speech-") as tmp:
                speech = synthesise(row.text, voice, Path(tmp))
        for snr in missing:
            if snr == "clean":
                write_wav(targets[snr], speech)
            else:
                mixed = mix(speech, noise(), float(snr), targets[snr].name)
                write_wav(targets[snr], mixed)
    return [RenderedClip(targets[snr], row.intent, row.text, voice.spec, snr) for snr in snrs]


def render(rows: Iterable[Row | tuple[str, str]], outdir: Path | str,
           voices: Iterable[str | Voice] = DEFAULT_VOICES,
           snrs: Iterable[str | float] = DEFAULT_SNRS, jobs: int = 2) -> list[RenderedClip]:
    """Render every (intent, text) row with every voice at every SNR into ``outdir``.

    Files already in ``outdir`` are reused. Returns the clips in row, voice, SNR order.
    Raises MissingTool when a program is not installed and RenderError when a voice id
    is wrong or a program fails."""
    outdir = Path(outdir)
    voice_list = [v if isinstance(v, Voice) else Voice.parse(v) for v in voices]
    snr_list = list(dict.fromkeys(snr_label(s) for s in snrs))
    if not voice_list or not snr_list:
        raise RenderError("need at least one voice and one SNR")
    check_tools(voice_list)
    check_voices(voice_list)
    # Two rows that would share a file name are one clip: the first label wins.
    unique: dict[str, Row] = {}
    for intent, text in rows:
        row = Row(intent, text)
        unique.setdefault(row_stem(row), row)
    outdir.mkdir(parents=True, exist_ok=True)
    noise = _LazyNoise()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_render_one, row, voice, snr_list, outdir, noise)
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


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path, help="where the WAV files and manifest.tsv go")
    parser.add_argument("--set", dest="tsv", type=Path, default=SPOKEN_SET,
                        help="TSV with intent and text (or utterance) columns "
                             "(default: tests/data/spoken.tsv)")
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES),
                        help="comma-separated voice ids, e.g. espeak:en-us+f3:160,flite:kal")
    parser.add_argument("--snr", default=",".join(DEFAULT_SNRS),
                        help="comma-separated SNRs in dB, or 'clean' (default: clean,20,10)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows")
    parser.add_argument("--jobs", type=int, default=2, help="parallel renders (default: 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        rows = read_rows(args.tsv)
        if args.limit is not None:
            rows = rows[: max(0, args.limit)]
        clips = render(rows, args.outdir, _split(args.voices), _split(args.snr), args.jobs)
    except MissingTool as exc:
        print(f"render_speech: {exc}", file=sys.stderr)
        return 2
    except (BenchError, OSError) as exc:
        print(f"render_speech: {exc}", file=sys.stderr)
        return 1
    manifest = write_manifest(clips, args.outdir)
    print(f"{len(clips)} clips from {len(rows)} rows in {time.perf_counter() - started:.1f} s;"
          f" manifest: {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""16 kHz mono signed 16-bit PCM: the one form the recogniser takes, and the road to it.

People hand the guide whatever their phone or editor saved: 44.1 kHz stereo, 24-bit
studio takes, float files from an audio editor, 8 kHz telephone clips. Rather than make
them reach for a converter first, ``read_wav`` takes any common WAV and returns what the
recogniser wants. Python's ``wave`` module refuses float and WAVE_FORMAT_EXTENSIBLE files
on 3.11, so the RIFF chunks are walked here by hand; ``wave`` is kept for writing, where
plain 16-bit PCM is all we ever produce.

Resampling is two stages, both linear-phase so speech stays aligned with its timestamps:

1. When the file is faster than 16 kHz, a long Kaiser-windowed low-pass runs at the
   input rate through the FFT, so its length (and so its sharpness) costs almost
   nothing. After it, nothing above 8 kHz is left to fold back into the speech band.
2. A short polyphase windowed-sinc interpolator then picks the output instants. Because
   stage 1 already removed everything near 8 kHz, this stage only has to reject the
   far-away images, which takes a handful of taps. Integer ratios (48 kHz, 32 kHz,
   96 kHz) skip it and simply keep every n-th sample.

Everything works on blocks of about 2**17 output samples, so an hour-long recording
needs memory for its 16 kHz result plus a few tens of megabytes, not for the decoded
original.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import secrets
import shlex
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from voiceguide.errors import AudioFileError

__all__ = [
    "MAX_RATE",
    "MIN_RATE",
    "RATE",
    "duration",
    "from_bytes",
    "pcm_bytes",
    "read_wav",
    "to_mono_16k",
    "write_wav",
]

_LOGGER = logging.getLogger(__name__)

RATE = 16000
MIN_RATE = 4000
MAX_RATE = 192000

# The band kept flat is 0 to 7.2 kHz; by 8 kHz (the output Nyquist) the anti-aliasing
# filter is at full depth, so a tone just above 8 kHz cannot alias to just below it.
_PASS_HZ = 0.45 * RATE
_STOP_HZ = 0.5 * RATE
_PREFILTER_DB = 90.0  # costs almost nothing through the FFT, so go deep
_INTERP_DB = 80.0  # far below int16 speech levels, and keeps the interpolator short
# When the input is slower than 16 kHz, its own top tenth is given up to keep the
# interpolator short enough for hours of telephone audio.
_UP_PASS = 0.42
_UP_STOP = 0.5
_BLOCK_OUT = 1 << 17  # output samples per block
_READ_BYTES = 1 << 24  # raw bytes read from a file at once, whatever the channel count

_Reader = Callable[[int, int], np.ndarray]

_FORMAT_NAMES = {
    0x0000: "unknown",
    0x0001: "PCM",
    0x0002: "Microsoft ADPCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "mu-law",
    0x0011: "IMA ADPCM",
    0x0022: "TrueSpeech",
    0x0031: "GSM 6.10",
    0x0040: "G.721 ADPCM",
    0x0050: "MPEG",
    0x0055: "MP3",
    0x0161: "WMA",
    0x1610: "AAC",
    0xFFFE: "extensible",
}
_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE
_RIFF_IDS = (b"RIFF", b"RF64", b"BW64")  # RF64 and BW64 are RIFF with 64-bit sizes


# ---------------------------------------------------------------------------- helpers


def duration(samples: np.ndarray, rate: int = RATE) -> float:
    """Seconds of audio, so timers and logs can speak in time rather than sample counts."""
    return len(samples) / rate


def pcm_bytes(samples: np.ndarray) -> bytes:
    """Little-endian int16 bytes: what recognisers and sound devices are fed.

    Only int16 is accepted; silently truncating floats would turn speech into silence.
    """
    array = np.asarray(samples)
    if array.dtype != np.int16:
        raise TypeError(f"pcm_bytes wants int16 samples, not {array.dtype}")
    return np.ascontiguousarray(array, dtype="<i2").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """int16 samples from little-endian bytes, copied so the caller may change them."""
    if len(data) % 2:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def _show(path: Path) -> str:
    """The file name as the user typed it, kept on one line whatever it contains."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _sox_hint(path: Path) -> str:
    """A command that fixes the file, so the error says what to do and not only what's wrong."""
    suffix = "-16k.wav" if path.suffix.lower() == ".wav" else ".wav"
    target = path.with_name(path.stem + suffix)
    return (
        f"convert it with `sox {shlex.quote(str(path))} -r 16000 -c 1 -b 16 "
        f"-e signed-integer {shlex.quote(str(target))}`"
    )


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{seconds:.1f} s"


def _fail(path: Path, problem: str, todo: str) -> AudioFileError:
    return AudioFileError(f"{_show(path)} {problem}; {todo}")


# ------------------------------------------------------------------------- resampling


def _next_fast_len(n: int) -> int:
    """Smallest 2**a * 3**b * 5**c >= n: FFT lengths numpy transforms quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _kaiser_beta(attenuation_db: float) -> float:
    if attenuation_db > 50:
        return 0.1102 * (attenuation_db - 8.7)
    if attenuation_db > 21:
        return 0.5842 * (attenuation_db - 21) ** 0.4 + 0.07886 * (attenuation_db - 21)
    return 0.0


def _kaiser_taps(attenuation_db: float, transition: float) -> int:
    """Kaiser's estimate of the length for a transition given as a fraction of the rate."""
    return math.ceil((attenuation_db - 7.95) / (2.285 * 2 * math.pi * transition)) + 1


@dataclass(frozen=True)
class _Plan:
    """Everything that depends on the input rate alone, built once per rate."""

    up: int
    down: int
    prefilter: np.ndarray | None  # odd-length linear-phase low-pass at the input rate
    bank: np.ndarray  # (up, taps): interpolator weights, row r serves output r mod up
    offsets: np.ndarray  # (up,): first input sample used by output r, relative to block
    taps: int

    @property
    def half(self) -> int:
        return 0 if self.prefilter is None else len(self.prefilter) // 2

    def outputs(self, frames: int) -> int:
        """Output length: ceil keeps every input sample represented, so no tail is lost."""
        return -(-frames * self.up // self.down)


@lru_cache(maxsize=16)
def _plan(rate: int) -> _Plan:
    g = math.gcd(rate, RATE)
    up, down = RATE // g, rate // g
    prefilter = None
    if rate > RATE:
        taps = _kaiser_taps(_PREFILTER_DB, (_STOP_HZ - _PASS_HZ) / rate) | 1
        centre = taps // 2
        cutoff = (_PASS_HZ + _STOP_HZ) / rate  # as a fraction of the input Nyquist
        k = np.arange(taps) - centre
        h = cutoff * np.sinc(cutoff * k) * np.kaiser(taps, _kaiser_beta(_PREFILTER_DB))
        prefilter = (h / h.sum()).astype(np.float32)
        pass_hz, stop_hz = _PASS_HZ, rate - _STOP_HZ  # only images are left to reject
    else:
        pass_hz, stop_hz = _UP_PASS * rate, _UP_STOP * rate
    if up == 1:
        # Every output instant lands on an input sample: nothing to interpolate.
        bank = np.ones((1, 1), dtype=np.float32)
        return _Plan(up, down, prefilter, bank, np.zeros(1, dtype=np.int64), 1)
    taps = max(8, _kaiser_taps(_INTERP_DB, (stop_hz - pass_hz) / rate))
    taps += taps % 2
    cutoff = (pass_hz + stop_hz) / rate
    r = np.arange(up)
    phase = (r * down) % up  # where output r falls between two input samples, in 1/up
    j = np.arange(-taps // 2 + 1, taps // 2 + 1)
    tau = phase[:, None] / up - j[None, :]  # input samples from each tap to the output
    window = np.i0(_kaiser_beta(_INTERP_DB) * np.sqrt(np.clip(1 - (2 * tau / taps) ** 2, 0, 1)))
    weights = np.sinc(cutoff * tau) * window
    weights /= weights.sum(axis=1, keepdims=True)  # exact unity gain at DC for every phase
    offsets = (r * down) // up + j[0]
    return _Plan(up, down, prefilter, weights.astype(np.float32), offsets.astype(np.int64), taps)


@lru_cache(maxsize=8)
def _spectrum(rate: int, size: int) -> np.ndarray:
    prefilter = _plan(rate).prefilter
    assert prefilter is not None
    return np.fft.rfft(prefilter, size)


def _padded(read: _Reader, frames: int, start: int, stop: int) -> np.ndarray:
    """Input samples start..stop, with silence beyond either end so filters need no edge cases."""
    out = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, frames)
    if lo < hi:
        out[lo - start : hi - start] = read(lo, hi)
    return out


def _resample(read: _Reader, frames: int, rate: int) -> np.ndarray:
    """Mono float at ``rate`` (fetched in pieces through ``read``) to int16 at 16 kHz."""
    plan = _plan(rate)
    total = plan.outputs(frames)
    out = np.empty(total, dtype=np.int16)
    per_phase = max(32, _BLOCK_OUT // plan.up)  # outputs per interpolator phase per block
    block = per_phase * plan.up
    for first in range(0, total, block):
        count = min(block, total - first)
        rows = -(-count // plan.up)
        # Output n sits at input time n * down / up; first is a multiple of up, so the
        # block starts on an input sample and each phase's outputs step by ``down``.
        base = first // plan.up * plan.down + int(plan.offsets[0])
        need = int(plan.offsets[-1] - plan.offsets[0]) + (rows - 1) * plan.down + plan.taps
        if plan.prefilter is None:
            z = _padded(read, frames, base, base + need)
        else:
            x = _padded(read, frames, base - plan.half, base + need + plan.half)
            size = _next_fast_len(len(x))
            z = np.fft.irfft(np.fft.rfft(x, size) * _spectrum(rate, size), size)
            z = z[len(plan.prefilter) - 1 : len(x)].astype(np.float32, copy=False)
        if plan.up == 1:
            y = z[: (count - 1) * plan.down + 1 : plan.down]
        else:
            grid = np.empty((rows, plan.up), dtype=np.float32)
            windows = sliding_window_view(z, plan.taps)
            span = (rows - 1) * plan.down + 1
            for r in range(plan.up):
                start = int(plan.offsets[r] - plan.offsets[0])
                grid[:, r] = windows[start : start + span : plan.down] @ plan.bank[r]
            y = grid.reshape(-1)[:count]
        out[first : first + count] = _to_int16(y)
    return out


def _to_int16(y: np.ndarray) -> np.ndarray:
    scaled = np.rint(y * 32768.0)
    return np.clip(scaled, -32768, 32767, out=scaled).astype(np.int16)


def _mix(block: np.ndarray) -> np.ndarray:
    """Average the channels of a (frames, channels) block, column by column to save memory."""
    if block.ndim == 1:
        return block.astype(np.float32)
    channels = block.shape[1]
    acc = block[:, 0].astype(np.float32)
    for c in range(1, channels):
        acc += block[:, c]
    if channels > 1:
        acc *= np.float32(1 / channels)
    return acc


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Float audio in -1..1 (frames, or frames x channels) at any rate to int16 mono 16 kHz.

    Channels are averaged rather than one picked, because a recorder may leave either one
    silent. Anything past full scale is clipped, not wrapped, so a hot recording distorts
    instead of turning into noise.
    """
    array = np.asarray(samples)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"to_mono_16k wants float samples in -1..1, not {array.dtype}")
    if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] == 0):
        raise ValueError(f"samples must be frames or frames x channels, not {array.shape}")
    if not MIN_RATE <= rate <= MAX_RATE or int(rate) != rate:
        raise ValueError(f"sample rate must be a whole {MIN_RATE} to {MAX_RATE} Hz, not {rate}")

    def read(start: int, stop: int) -> np.ndarray:
        return np.nan_to_num(_mix(array[start:stop]), nan=0.0, posinf=1.0, neginf=-1.0)

    return _resample(read, len(array), int(rate))


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Layout:
    """What the fmt and data chunks say, reduced to what decoding needs."""

    encoding: int  # _PCM or _FLOAT, after looking through WAVE_FORMAT_EXTENSIBLE
    channels: int
    rate: int
    width: int  # bytes per sample in the container
    offset: int  # where the first frame starts in the file
    frames: int


def _looks_like_id(raw: bytes) -> bool:
    return len(raw) == 4 and all(0x20 <= b <= 0x7E for b in raw)


def _walk(f: BinaryIO, path: Path, size: int) -> tuple[bytes, int, int, bool]:
    """Find the fmt body and the data chunk, tolerating the ways real files go wrong.

    Returns the fmt body, the data offset and length (clipped to what the file holds;
    offset -1 if there is none) and whether the file ended part-way through a chunk.
    """
    head = f.read(12)
    if len(head) < 12:
        if len(head) >= 4 and head[:4] in _RIFF_IDS:
            raise _fail(path, "is cut short inside its header", "re-export or re-record it")
        raise _fail(path, "is not a WAV file", _sox_hint(path))
    if head[:4] == b"RIFX":
        raise _fail(
            path, "is a big-endian (RIFX) WAV file, which the guide cannot read", _sox_hint(path)
        )
    if head[:4] not in _RIFF_IDS or head[8:12] != b"WAVE":
        raise _fail(path, "is not a WAV file", _sox_hint(path))
    big_data: int | None = None  # RF64 keeps the real data size in a ds64 chunk
    fmt: bytes | None = None
    data_at, data_len, cut = -1, 0, False
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        ident, length = struct.unpack("<4sI", f.read(8))
        body = pos + 8
        end = body + length
        if ident == b"data":
            if length == 0xFFFFFFFF and big_data is not None:
                length = big_data
                end = body + length
            data_at, data_len = body, min(length, size - body)
            if end > size:
                _LOGGER.warning(
                    "%s: the data chunk claims %d bytes but only %d are there; using those",
                    path,
                    length,
                    size - body,
                )
                cut = True
                break
            if fmt is not None:
                break
        elif ident == b"fmt ":
            fmt = f.read(min(length, 4096))
        elif ident == b"ds64" and length >= 16:
            big_data = struct.unpack("<QQ", f.read(16))[1]
        if end > size:
            cut = True
            break
        pos = end + (length & 1)
        if length & 1:
            # The pad byte after an odd chunk is required, but some writers leave it out.
            f.seek(end)
            unpadded = _looks_like_id(f.read(4))
            f.seek(end + 1)
            if unpadded and not _looks_like_id(f.read(4)):
                pos = end
    else:
        cut = size - pos > 1  # a lone trailing pad byte is harmless
    if fmt is None:
        if cut:
            raise _fail(path, "is cut short before its format header", "re-export or re-record it")
        raise _fail(path, "has no format header (fmt chunk)", "re-export it or " + _sox_hint(path))
    return fmt, data_at, data_len, cut


def _layout(f: BinaryIO, path: Path, size: int) -> _Layout:
    fmt, data_at, data_len, cut = _walk(f, path, size)
    if len(fmt) < 16:
        raise _fail(path, "is cut short or damaged in its format header", "re-export it")
    tag, channels, rate, _, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    encoding = tag
    if tag == _EXTENSIBLE:
        if len(fmt) < 40:
            raise _fail(path, "has a damaged extensible format header", _sox_hint(path))
        encoding = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the SubFormat GUID
    if encoding not in (_PCM, _FLOAT):
        name = _FORMAT_NAMES.get(encoding, "an unknown")
        where = f"0x{tag:04X}" if tag == encoding else f"0x{tag:04X}, subformat 0x{encoding:04X}"
        raise _fail(
            path,
            f"uses {name} encoding (WAV format tag {where}), which the guide cannot read",
            _sox_hint(path),
        )
    if channels == 0:
        raise _fail(
            path,
            "says it has 0 channels, so its header is damaged",
            "re-export it or " + _sox_hint(path),
        )
    if not MIN_RATE <= rate <= MAX_RATE:
        raise _fail(
            path,
            f"has a sample rate of {rate} Hz, outside the {MIN_RATE} to {MAX_RATE} Hz "
            "the guide reads",
            _sox_hint(path),
        )
    width = -(-bits // 8)
    if align and align % channels == 0 and align // channels >= width:
        width = align // channels  # samples narrower than their container, e.g. 20 in 24
    valid = {_PCM: (1, 2, 3, 4), _FLOAT: (4, 8)}[encoding]
    if bits == 0 or width not in valid:
        kind = "PCM" if encoding == _PCM else "float"
        raise _fail(
            path, f"holds {bits}-bit {kind} samples, which the guide cannot read", _sox_hint(path)
        )
    if data_at < 0:
        if cut:
            raise _fail(path, "is cut short before its audio starts", "re-export or re-record it")
        raise _fail(path, "has no audio (no data chunk)", "record it again or choose another file")
    frames = data_len // (width * channels)
    if frames == 0:
        raise _fail(path, "has no audio", "record it again or choose another file")
    return _Layout(encoding, channels, rate, width, data_at, frames)


def _decode(raw: bytes, layout: _Layout) -> np.ndarray:
    """Raw frames to mono float32 in -1..1."""
    width, channels = layout.width, layout.channels
    if layout.encoding == _FLOAT:
        values = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").reshape(-1, channels)
        mono = _mix(values)
        return np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0)
    if width == 1:
        values = np.frombuffer(raw, dtype=np.uint8).reshape(-1, channels)
        return (_mix(values) - 128.0) * np.float32(1 / 128)
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, channels, 3).astype(np.int32)
        values = (b[..., 0] << 8) | (b[..., 1] << 16) | (b[..., 2] << 24)  # sign from the top
        return _mix(values) * np.float32(2.0**-31)
    dtype = "<i2" if width == 2 else "<i4"
    values = np.frombuffer(raw, dtype=dtype).reshape(-1, channels)
    return _mix(values) * np.float32(2.0 ** (1 - 8 * width))


def read_wav(path: str | os.PathLike[str], longest: float | None = None) -> np.ndarray:
    """Any common WAV file as int16 mono at 16 kHz, or an AudioFileError that says what to do.

    Reads 8-bit unsigned, 16/24/32-bit integer and 32/64-bit float PCM, plain or
    WAVE_FORMAT_EXTENSIBLE (and RF64), any channel count, 4 to 192 kHz. A file whose data
    chunk claims more than the file holds (a recording cut off mid-write) gives what is
    there, with a warning in the log. ``longest`` (seconds) refuses a longer recording
    from its header, before any of it is decoded: one spoken request is not an hour.
    """
    file = Path(path)
    if not file.exists():
        raise _fail(file, "does not exist", "check the name and folder")
    if file.is_dir():
        raise _fail(file, "is a folder, not a WAV file", "give the path of a .wav file")
    try:
        with file.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise _fail(file, "is empty (0 bytes)", "record it again or choose another file")
            layout = _layout(f, file, size)
            seconds = layout.frames / layout.rate
            if longest is not None and seconds > longest:
                raise _fail(file, f"lasts {_minutes(seconds)}, and one spoken request is at "
                            f"most {longest:g} s", f"cut out the request with `sox "
                            f"{shlex.quote(str(file))} request.wav trim START 10`, or play "
                            f"the whole recording with `voiceguide listen --input "
                            f"wav:{shlex.quote(str(file))}`")
            step = layout.width * layout.channels

            def read(start: int, stop: int) -> np.ndarray:
                pieces = []
                chunk = max(1, _READ_BYTES // step)
                for at in range(start, stop, chunk):
                    n = min(chunk, stop - at)
                    f.seek(layout.offset + at * step)
                    raw = f.read(n * step)
                    if len(raw) != n * step:
                        raise _fail(file, "changed or shrank while being read", "try again")
                    pieces.append(_decode(raw, layout))
                return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

            return _resample(read, layout.frames, layout.rate)
    except PermissionError:
        raise _fail(file, "cannot be read (permission denied)", "check its permissions") from None
    except OSError as e:
        raise _fail(
            file, f"cannot be read ({e.strerror or e})", "check the disk and try again"
        ) from e


# ---------------------------------------------------------------------------- writing


_WRITE_BLOCK = 1 << 20
"""Samples converted and written at a time (about a minute)."""


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, rate: int = RATE) -> None:
    """Write int16 mono PCM so that readers see the old file or the whole new one, never half.

    The samples go to a temporary file in the same folder (so the rename stays on one
    file system), are flushed to disk, and the temporary file replaces the target.
    Float samples in -1..1 are accepted too and clipped, so callers need not convert.
    """
    file = Path(path)
    array = np.asarray(samples)
    floating = np.issubdtype(array.dtype, np.floating)
    if not floating and array.dtype != np.int16:
        raise TypeError(f"write_wav wants int16 (or float -1..1) samples, not {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"write_wav writes mono: samples must be 1-D, not {array.shape}")
    if not 1 <= rate <= 0xFFFFFFFF or int(rate) != rate:
        raise ValueError(f"sample rate {rate} Hz cannot go in a WAV header")
    temp = file.with_name(f".{file.name}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL never clobbers a stranger's file; mode 0o666 lets the umask decide, as
        # for any file the user creates (a named temporary file would be 0600).
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(temp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb") as raw:
                with wave.open(raw, "wb") as w:
                    w.setnchannels(1)
                    w.setsampwidth(2)
                    w.setframerate(int(rate))
                    # In blocks: an hour's recording converted at once took four
                    # copies of it (1 GB) at the moment of writing.
                    for at in range(0, array.size, _WRITE_BLOCK):
                        block = array[at:at + _WRITE_BLOCK]
                        if floating:
                            block = _to_int16(np.nan_to_num(
                                block.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0))
                        w.writeframes(pcm_bytes(block))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(temp, file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as e:
        reason = e.strerror or str(e)
        raise _fail(
            file, f"cannot be written ({reason})", "check that the folder exists and is writable"
        ) from e

"""16 kHz mono signed 16-bit PCM: the one form the recogniser takes, and the road to it.

People hand the guide whatever their phone or editor saved: 44.1 kHz stereo, 24-bit
studio takes, float files, 8 kHz telephone clips in A-law. Rather than make them reach
for a converter first, ``read_wav`` takes any file libsndfile decodes (WAV in its common
encodings, RF64, FLAC, Ogg, MP3, AIFF) and returns what the recogniser wants.
libsndfile (through ``soundfile``) decodes and soxr resamples: the ecosystem's standard
pair, fuzzed on far more files than ours. soxr's default filter is linear-phase, so
speech keeps its timestamps, and flat to 7.3 kHz yet at full depth by 8 kHz, so nothing
folds back into the speech band.

Both stream, a block at a time, into the one result array: an hour-long recording needs
memory for its 16 kHz result plus a few megabytes, not for the decoded original.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shlex
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import soundfile
import soxr

from voiceguide.errors import AudioFileError

__all__ = ["MAX_RATE", "MIN_RATE", "RATE", "duration", "from_bytes", "pcm_bytes", "read_wav",
           "to_mono_16k", "write_wav"]

_LOGGER = logging.getLogger(__name__)

RATE = 16000
MIN_RATE = 4000
MAX_RATE = 192000

_BLOCK_VALUES = 1 << 18
"""Samples (all channels together) decoded or written at a time: 1 MB of float32."""
_LONGEST_FILE = 24 * 3600
"""Seconds read at once: a whole night and more. A header claiming longer is likelier
damaged than true, and would have gigabytes set aside before any audio is read."""
_UNKNOWN_LENGTH = 2**63 - 1
"""libsndfile's frame count for a stream whose header leaves its length open."""
_UNRECOGNISED, _UNSUPPORTED = 1, (4, 18)
"""libsndfile's error numbers: no format it knows; a known format in an unknown encoding."""
_CUT = re.compile(r"^data\s*:\s*\d+ \(should be", re.MULTILINE)
"""How libsndfile's log notes a data chunk that claims more than the file holds."""


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


def _sox_hint(path: Path) -> str:
    """A command that fixes the file, so the error says what to do and not only what's wrong."""
    target = path.with_name(path.stem + ("-16k.wav" if path.suffix.lower() == ".wav" else ".wav"))
    return (f"convert it with `sox {shlex.quote(str(path))} -r 16000 -c 1 -b 16 "
            f"-e signed-integer {shlex.quote(str(target))}`")


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{seconds:.1f} s"


def _fail(path: Path, problem: str, todo: str) -> AudioFileError:
    """The file named as the user typed it, kept on one line whatever it contains."""
    name = str(path) if str(path).isprintable() else repr(str(path))
    return AudioFileError(f"{name} {problem}; {todo}")


def _refused(path: Path, error: soundfile.LibsndfileError) -> AudioFileError:
    """libsndfile's reason, on one line, with what the person can do about it."""
    reason = " ".join(error.error_string.split()).rstrip(".")
    if error.code == _UNRECOGNISED:
        return _fail(path, "is not a WAV, FLAC, Ogg or MP3 file", _sox_hint(path))
    if error.code in _UNSUPPORTED:
        return _fail(path, f"uses an encoding the guide cannot read ({reason})", _sox_hint(path))
    return _fail(path, f"is damaged or cut short ({reason})",
                 "re-export or re-record it, or " + _sox_hint(path))


def _too_long(path: Path, seconds: float) -> AudioFileError:
    return _fail(path, f"says it lasts {_minutes(seconds)}, too long to hold in memory",
                 f"cut it into pieces with `sox {shlex.quote(str(path))} part.wav trim 0 3600`, "
                 "or re-export it if that length is wrong")


def _to_int16(y: np.ndarray) -> np.ndarray:
    scaled = y * np.float32(32768)
    np.rint(scaled, out=scaled)
    return np.clip(scaled, -32768, 32767, out=scaled).astype(np.int16)


def _mono(block: np.ndarray) -> np.ndarray:
    """The channels of a block (frames, or frames x channels) averaged into new float32.

    Averaged rather than one picked, because a recorder may leave either one silent;
    column by column, many times faster than ``mean(axis=1)``. NaN and infinities (a
    float file can hold them) become silence and full scale before soxr can spread them.
    """
    columns = block.reshape(len(block), -1)
    mono = columns[:, 0].astype(np.float32)
    for c in range(1, columns.shape[1]):
        mono += columns[:, c]
    if columns.shape[1] > 1:
        mono *= np.float32(1 / columns.shape[1])
    if not np.isfinite(mono.sum()):  # one cheap pass; nan_to_num costs several
        np.nan_to_num(mono, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    return mono


def _at_16k(blocks: Iterable[np.ndarray], rate: int) -> Iterator[np.ndarray]:
    if rate == RATE:
        yield from blocks
        return
    stream = soxr.ResampleStream(rate, RATE, 1, dtype="float32")
    for block in blocks:
        yield stream.resample_chunk(block)
    yield stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)


def _resample(blocks: Iterable[np.ndarray], frames: int, rate: int) -> np.ndarray:
    """Mono float32 blocks at ``rate`` into one int16 array at 16 kHz.

    ``frames`` (from the header) sizes the result up front, to the sample soxr gives,
    so an hour is never held twice; a header that was wrong costs a copy.
    """
    out = np.empty((2 * frames * RATE + rate) // (2 * rate), dtype=np.int16)
    filled = 0
    for y in _at_16k(blocks, rate):
        if filled + len(y) > len(out):  # grow by half, not by the block, or it is quadratic
            out = np.concatenate([out[:filled], np.empty(len(y) + filled // 2, np.int16)])
        out[filled : filled + len(y)] = _to_int16(y)
        filled += len(y)
    return out if filled == len(out) else out[:filled].copy()


def to_mono_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Float audio in -1..1 (frames, or frames x channels) at any rate to int16 mono 16 kHz.

    Anything past full scale is clipped, not wrapped, so a hot recording distorts
    instead of turning into noise.
    """
    array = np.asarray(samples)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"to_mono_16k wants float samples in -1..1, not {array.dtype}")
    if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] == 0):
        raise ValueError(f"samples must be frames or frames x channels, not {array.shape}")
    if not MIN_RATE <= rate <= MAX_RATE or int(rate) != rate:
        raise ValueError(f"sample rate must be a whole {MIN_RATE} to {MAX_RATE} Hz, not {rate}")
    step = _BLOCK_VALUES // (array.shape[1] if array.ndim == 2 else 1)
    blocks = (_mono(array[at : at + step]) for at in range(0, len(array), step))
    return _resample(blocks, len(array), int(rate))


def _decoded(sound: soundfile.SoundFile) -> Iterator[np.ndarray]:
    # Explicit block sizes: soundfile will not read "to the end" of a decoder that
    # cannot seek (GSM 6.10).
    step = max(1, _BLOCK_VALUES // sound.channels)
    while len(block := sound.read(step, dtype="float32", always_2d=True)):
        yield _mono(block)


def _check(file: Path, sound: soundfile.SoundFile, longest: float | None) -> float:
    """The header's length in seconds, or the one-line refusal it earns before decoding."""
    rate, frames = sound.samplerate, sound.frames
    if not MIN_RATE <= rate <= MAX_RATE:
        raise _fail(file, f"has a sample rate of {rate} Hz, outside the {MIN_RATE} to "
                    f"{MAX_RATE} Hz the guide reads", _sox_hint(file))
    if frames == 0:
        raise _fail(file, "has no audio", "record it again or choose another file")
    if frames == _UNKNOWN_LENGTH:
        raise _fail(file, "does not say how long it is", _sox_hint(file))
    seconds = frames / rate
    quoted = shlex.quote(str(file))
    if longest is not None and seconds > longest:
        raise _fail(file, f"lasts {_minutes(seconds)}, and one spoken request is at most "
                    f"{longest:g} s", f"cut out the request with `sox {quoted} request.wav "
                    f"trim START 10`, or play the whole recording with `voiceguide listen "
                    f"--input wav:{quoted}`")
    if seconds > _LONGEST_FILE:
        raise _too_long(file, seconds)
    return seconds


def read_wav(path: str | os.PathLike[str], longest: float | None = None) -> np.ndarray:
    """Any sound file libsndfile reads, as int16 mono at 16 kHz, or an AudioFileError
    that says what to do.

    Any channel count, 4 to 192 kHz. A file whose data chunk claims more than the file
    holds (a recording cut off mid-write) gives what is there, with a warning in the log.
    ``longest`` (seconds) refuses a longer recording from its header, before any of it
    is decoded: one spoken request is not an hour.
    """
    file = Path(path)
    if not file.exists():
        raise _fail(file, "does not exist", "check the name and folder")
    if file.is_dir():
        raise _fail(file, "is a folder, not a WAV file", "give the path of a .wav file")
    try:
        with file.open("rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise _fail(file, "is empty (0 bytes)", "record it again or choose another file")
            # Opening parses the header alone, as soundfile.info does.
            with soundfile.SoundFile(f.fileno(), closefd=False) as sound:
                seconds = _check(file, sound, longest)
                if _CUT.search(sound.extra_info):
                    _LOGGER.warning("%s: the data chunk claims more than the file holds; "
                                    "using what is there", file)
                try:
                    return _resample(_decoded(sound), sound.frames, sound.samplerate)
                except MemoryError:
                    raise _too_long(file, seconds) from None
    except soundfile.LibsndfileError as e:
        raise _refused(file, e) from None
    except PermissionError:
        raise _fail(file, "cannot be read (permission denied)", "check its permissions") from None
    except OSError as e:
        raise _fail(file, f"cannot be read ({e.strerror or e})",
                    "check the disk and try again") from e


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
                    for at in range(0, array.size, _BLOCK_VALUES):
                        block = array[at : at + _BLOCK_VALUES]
                        w.writeframes(pcm_bytes(_to_int16(_mono(block)) if floating else block))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(temp, file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as e:
        raise _fail(file, f"cannot be written ({e.strerror or e})",
                    "check that the folder exists and is writable") from e

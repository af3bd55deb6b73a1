"""Noise suppression in front of recognition: RNNoise, applied only when the room is noisy.

RNNoise (Xiph's recurrent noise suppressor, the C library that the ``pyrnnoise`` wheel
carries) works on 10 ms frames of 48 kHz audio. The guide's audio is 16 kHz, so each
block is upsampled by three, denoised frame by frame, and downsampled again, all with
fixed filters, so the whole path delays the audio by a known, constant number of samples
(``DELAY``): 352 at 16 kHz, 22 ms, of which 20 ms are RNNoise's own. A stream comes out
that much late; a recording is fed that much silence at its end and the delay cut off its
start, so it comes back aligned and the same length.

The gate: RNNoise leaves a quiet room's speech almost unchanged but not quite, so it is
used only while the room is noisy, judged by the noise floor: a low percentile
(``FLOOR_PERCENTILE``) of the levels of the last five seconds of 10 ms frames. In a quiet
room RNNoise does not run at all (it costs about a thirtieth of real time here, which an
hour of a quiet night should not pay); when the room turns noisy it starts afresh and
the mix moves smoothly from the plain to the denoised audio (``FADE``), so switching
never clicks.

The library is found in the installed ``pyrnnoise`` package (its Python modules are never
imported: they pull in a media toolkit and matplotlib), or as a system ``librnnoise``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceguide.errors import DenoiseError

_LOGGER = logging.getLogger(__name__)

RATE = 16000
"""Hertz: the guide's audio."""
UP = 3
"""RNNoise runs at 48 kHz, three times the guide's rate."""
RNN_FRAME = 480
"""Samples at 48 kHz: RNNoise's 10 ms frame."""
BLOCK = RNN_FRAME // UP
"""Samples at 16 kHz that make one RNNoise frame."""
RNN_DELAY = 960
"""Samples at 48 kHz that RNNoise's output lags its input (measured: its overlap-add
window and look-ahead)."""
TAPS = 97
"""Length of the anti-imaging and anti-aliasing filters at 48 kHz: odd, so each delays
by a whole (TAPS - 1) / 2 samples."""
DELAY = (RNN_DELAY + TAPS - 1) // UP
"""Samples at 16 kHz from a sample in to the same sample out: 320 + 32 = 352 (22 ms)."""
SCALE = 32768.0
"""RNNoise takes samples on the 16-bit scale, as floats."""

NOISY_FLOOR_DB = -50.0
"""Noise floor, dB relative to full scale, at or above which the room counts as noisy and
RNNoise's output is used. A rendered request speaks at about -21 dBFS (RMS), so this is a
signal-to-noise ratio of about 29 dB; a quiet room's microphone hiss sits near -70."""
QUIET_FLOOR_DB = -56.0
"""The floor must fall below this before the plain audio is used again (hysteresis)."""
FLOOR_SECONDS = 5.0
"""How much past audio the noise floor is measured over: longer than most requests, so
the quiet before and between a person's words in a quiet room is always in it."""
GAP_SECONDS = 0.5
"""Digital silence (exact zeros) longer than this is no room at all, a muted microphone
or the gap between files, and is left out of the floor; shorter, it is the quiet a
synthesiser leaves between words, and counts as very quiet."""
FLOOR_PERCENTILE = 2.0
"""The floor is this percentile of the 10 ms frame levels: the quietest tenth of a second
of the five, the quiet between words and not the words. Measured on the development
clips (flite kal and awb, tests/data/speech/requests.tsv, one row in three): the highest
floor any clean clip reached was -63 dBFS (-46 at the 10th percentile, where 3 of 144
long clean requests turned RNNoise on), the lowest of pink, brown or fan noise at 10 or
6 dB -41, so ``NOISY_FLOOR_DB`` sits about ten decibels from both. (RNNoise's own speech
probability was tried instead, and took much of a synthetic voice's clean speech for
noise.)"""
FADE = 0.1
"""Seconds the mix takes to move from plain to denoised audio or back."""
SILENT_LEVEL = -120.0
"""dBFS a 10 ms frame of digital silence counts as."""


_INSTALL_HINT = ("noise suppression needs RNNoise: install it with `pip install --no-deps "
                 "pyrnnoise` (scripts/install.sh does), or set [listen] denoise = false")


def _library_path() -> str:
    """The RNNoise library inside the installed ``pyrnnoise`` package, else the system's."""
    spec = importlib.util.find_spec("pyrnnoise")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in ("librnnoise.so", "librnnoise.dylib", "rnnoise.dll"):
            if (Path(folder) / name).is_file():
                return str(Path(folder) / name)
    system = ctypes.util.find_library("rnnoise")
    if system is None:
        raise DenoiseError(_INSTALL_HINT)
    return system


class _Library:
    """The three C functions used, typed once."""

    def __init__(self) -> None:
        path = _library_path()
        try:
            lib = ctypes.CDLL(path)
            lib.rnnoise_create.argtypes = [ctypes.c_void_p]
            lib.rnnoise_create.restype = ctypes.c_void_p
            lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
            lib.rnnoise_destroy.restype = None
            lib.rnnoise_get_frame_size.restype = ctypes.c_int
            lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p,
                                                  ctypes.POINTER(ctypes.c_float),
                                                  ctypes.POINTER(ctypes.c_float)]
            lib.rnnoise_process_frame.restype = ctypes.c_float
        except (OSError, AttributeError) as error:
            raise DenoiseError(f"RNNoise at {path} cannot be loaded ({error}); "
                               f"{_INSTALL_HINT}") from None
        if lib.rnnoise_get_frame_size() != RNN_FRAME:
            raise DenoiseError(f"RNNoise at {path} uses frames of "
                               f"{lib.rnnoise_get_frame_size()} samples, not {RNN_FRAME}; "
                               f"{_INSTALL_HINT}")
        self.lib = lib


_LOADED: list[_Library] = []


def _library() -> _Library:
    """Loaded once per process: a shared library cannot be unloaded anyway."""
    if not _LOADED:
        _LOADED.append(_Library())
    return _LOADED[0]


def available() -> bool:
    """Can RNNoise be loaded here?"""
    try:
        _library()
    except DenoiseError:
        return False
    return True


def wanted(enabled: bool, asked: bool) -> bool:
    """Whether to suppress noise: ``enabled`` by the settings, ``asked`` when a settings
    file or an option set it outright. Without RNNoise, a setting given outright is an
    error (``DenoiseError``, one line); the default only logs a warning and the guide
    listens without it."""
    if not enabled:
        return False
    try:
        _library()
    except DenoiseError as error:
        if asked:
            raise
        if not _WARNED:
            _LOGGER.warning("listening without noise suppression: %s", error)
            _WARNED.append(True)
        return False
    return True


_WARNED: list[bool] = []


def _lowpass() -> np.ndarray:
    """Kaiser-windowed sinc at 48 kHz passing up to 8 kHz, the guide's Nyquist rate:
    removes the images of upsampling and what would alias on the way down."""
    n = np.arange(TAPS) - (TAPS - 1) / 2
    taps = np.sinc(n / UP) * np.kaiser(TAPS, 8.0)
    return (taps / taps.sum()).astype(np.float64)


class _Fir:
    """A streaming FIR filter: each block continues where the last one stopped."""

    def __init__(self, taps: np.ndarray) -> None:
        self._taps = taps
        self._history = np.zeros(len(taps) - 1)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        joined = np.concatenate([self._history, block])
        self._history = joined[len(joined) - len(self._history):]
        return np.convolve(joined, self._taps, mode="valid")


@dataclass(frozen=True, slots=True)
class Gate:
    """When the room counts as noisy; the defaults are the measured ones."""

    noisy_db: float = NOISY_FLOOR_DB
    quiet_db: float = QUIET_FLOOR_DB
    always: bool = False
    """Use RNNoise's output whatever the room's level (for measuring the gate itself)."""


class Denoiser:
    """RNNoise on a stream of 16 kHz mono 16-bit PCM, any block size in, the same number
    of samples out, ``DELAY`` samples late. One object per stream."""

    def __init__(self, gate: Gate | None = None) -> None:
        self._lib = _library().lib
        self._gate = gate or Gate()
        self._lowpass = _lowpass()
        self._state: int | None = None
        self._up = _Fir(self._lowpass * UP)
        self._down = _Fir(self._lowpass)
        self._frame = np.zeros(RNN_FRAME, np.float32)
        self._pointer = self._frame.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self._pending = np.zeros(0, np.float64)
        """Input not yet a whole 10 ms block."""
        self._plain_lag = np.zeros(DELAY, np.float64)
        """The plain path's delay line, so it lines up with the denoised one."""
        self._out = np.zeros(0, np.float64)
        self._levels: deque[float] = deque()
        """dBFS of each recent 10 ms frame, at most ``FLOOR_SECONDS`` of them."""
        self._below = {self._gate.noisy_db: 0, self._gate.quiet_db: 0}
        """How many of ``_levels`` are under each threshold: the floor (a percentile)
        is at or above a threshold when at most that share of frames is under it."""
        self._zeros = 0
        """Frames of digital silence not yet counted: a gap, or the quiet between
        words, as told by how long it lasts."""
        self._noisy = self._gate.always
        self._mix = 1.0 if self._gate.always else 0.0

    def __del__(self) -> None:
        self._stop()

    @property
    def active(self) -> bool:
        """Is the room judged noisy now (RNNoise's output used, or fading in)?"""
        return self._noisy

    @property
    def floor_db(self) -> float:
        """The room's noise floor, dBFS (``FLOOR_PERCENTILE`` of the recent frame
        levels); -inf before any audio."""
        if not self._levels:
            return float("-inf")
        return float(np.percentile(np.fromiter(self._levels, float), FLOOR_PERCENTILE))

    def process(self, pcm: bytes) -> bytes:
        """Denoise a block; returns as many bytes, ``DELAY`` samples behind."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        self._pending = np.concatenate([self._pending, samples])
        whole = len(self._pending) - len(self._pending) % BLOCK
        blocks = self._pending[:whole].reshape(-1, BLOCK)
        self._pending = self._pending[whole:]
        if len(blocks):
            lagged = np.concatenate([self._plain_lag, blocks.ravel()])
            plain, self._plain_lag = lagged[:whole].reshape(-1, BLOCK), lagged[whole:]
            power = np.mean((blocks / SCALE) ** 2, axis=1)
            levels = 10 * np.log10(np.maximum(power, 1e-30))
            mixed = [self._step(block, lag, float(level) if total > 0 else None)
                     for block, lag, level, total in zip(blocks, plain, levels, power,
                                                         strict=True)]
            self._out = np.concatenate([self._out, *mixed])
        return self._take(len(samples))

    def _step(self, block: np.ndarray, plain: np.ndarray, level: float | None) -> np.ndarray:
        """One 10 ms block (``level`` None for digital silence): measured, judged, and
        denoised and mixed with its plain self while the room is noisy."""
        if level is None:
            self._zeros += 1
        else:
            if self._zeros * BLOCK <= GAP_SECONDS * RATE:
                for _ in range(self._zeros):
                    self._hear(SILENT_LEVEL)
            self._zeros = 0
            self._hear(level)
        self._judge()
        if self._mix == 0.0 and not self._noisy:
            self._stop()
            return plain
        if self._state is None:
            self._start()
        upsampled = np.zeros(RNN_FRAME)
        upsampled[::UP] = block
        self._frame[:] = self._up(upsampled)
        # In place; the speech probability it returns is not used (see the gate).
        self._lib.rnnoise_process_frame(self._state, self._pointer, self._pointer)
        denoised = self._down(self._frame.astype(np.float64))[::UP]
        target = 1.0 if self._noisy else 0.0
        steps = np.arange(1, BLOCK + 1) / (FADE * RATE)
        ramp = np.clip(self._mix + steps if target > self._mix else self._mix - steps, 0, 1)
        self._mix = float(ramp[-1])
        return ramp * denoised + (1 - ramp) * plain

    def _hear(self, level: float) -> None:
        self._levels.append(level)
        for threshold in self._below:
            self._below[threshold] += level < threshold
        if len(self._levels) > FLOOR_SECONDS * RATE / BLOCK:
            gone = self._levels.popleft()
            for threshold in self._below:
                self._below[threshold] -= gone < threshold

    def _floor_reaches(self, threshold: float) -> bool:
        """Is the floor at or above ``threshold``? Counted, not sorted: this runs for
        every 10 ms of a whole night."""
        return bool(self._levels) and (
            self._below[threshold] <= len(self._levels) * FLOOR_PERCENTILE / 100)

    def _judge(self) -> None:
        if self._gate.always:
            return
        if not self._noisy and self._floor_reaches(self._gate.noisy_db):
            self._noisy = True
            _LOGGER.debug("noisy room (%.1f dBFS): noise suppression on", self.floor_db)
        elif self._noisy and not self._floor_reaches(self._gate.quiet_db):
            self._noisy = False
            _LOGGER.debug("quiet room (%.1f dBFS): noise suppression off", self.floor_db)

    def _start(self) -> None:
        """A fresh RNNoise and fresh filters: nothing stale comes out of their delay."""
        self._state = self._lib.rnnoise_create(None)
        if not self._state:
            raise DenoiseError("RNNoise could not allocate its state")
        self._up = _Fir(self._lowpass * UP)
        self._down = _Fir(self._lowpass)

    def _stop(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.rnnoise_destroy(state)

    def _take(self, count: int) -> bytes:
        """``count`` samples of output; zeros stand in for what the delay still holds
        (only before the first 10 ms block is complete)."""
        if len(self._out) < count:
            self._out = np.concatenate([np.zeros(count - len(self._out)), self._out])
        out, self._out = self._out[:count], self._out[count:]
        return np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()


def denoise_pcm(pcm: bytes, gate: Gate | None = None) -> bytes:
    """A whole recording through a fresh ``Denoiser``, aligned: the delay is flushed with
    silence at the end and cut from the start, so the result lines up with the input."""
    samples = len(pcm) // 2
    # Whole 10 ms blocks, so nothing is left waiting for the next block.
    tail = DELAY + (-(samples + DELAY)) % BLOCK
    out = Denoiser(gate).process(pcm[:2 * samples] + bytes(2 * tail))
    return out[2 * DELAY:2 * (DELAY + samples)]

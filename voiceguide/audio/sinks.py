"""Where the guide's audio goes: the sound card, a WAV file, or nowhere.

Every sink plays asynchronously on the loop's clock: ``play`` queues samples and
returns at once, ``busy`` says whether anything is still sounding, and ``stop`` cuts
it off (barge-in). The file and null sinks keep time on the clock they are given, so a
simulated night behaves like a real one: what is "still playing" at a given moment is
the same whether the clock is real or advanced by a test.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Protocol

import numpy as np

from voiceguide.audio.wav import RATE, write_wav
from voiceguide.clock import Clock
from voiceguide.errors import AudioDeviceError


class AudioSink(Protocol):
    def play(self, samples: np.ndarray) -> float:
        """Queue float samples (16 kHz mono, -1..1); returns the clock time they start."""

    def busy(self) -> bool:
        """Is anything still sounding or queued?"""

    def ends_at(self) -> float:
        """Clock time at which everything queued will have played."""

    def stop(self) -> None:
        """Cut off everything playing or queued."""

    def close(self) -> None: ...


class TimelineSink:
    """A sink that only keeps time: audio plays from when it is queued (or when what is
    ahead of it ends) for as long as it lasts. Records nothing; ``WavSink`` does."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until = 0.0

    def play(self, samples: np.ndarray) -> float:
        start = max(self._clock.monotonic(), self._until)
        self._until = start + samples.size / RATE
        self._record(start, samples)
        return start

    def busy(self) -> bool:
        return self._clock.monotonic() < self._until

    def ends_at(self) -> float:
        return max(self._clock.monotonic(), self._until)

    def stop(self) -> None:
        now = self._clock.monotonic()
        if now < self._until:
            self._cut(now)
            self._until = now

    def close(self) -> None:
        pass

    def _record(self, start: float, samples: np.ndarray) -> None:
        pass

    def _cut(self, at: float) -> None:
        pass


class NullSink(TimelineSink):
    """Plays into nothing: for captions-only use and for tests of the loop's timing."""


class WavSink(TimelineSink):
    """Records what the guide says, with the silences between, into a WAV file.

    Written on ``close``: a whole night is a few hundred megabytes at most, and one
    atomic write means a half-written file never replaces a good one.
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        super().__init__(clock)
        self._path = path
        self._origin = clock.monotonic()
        self._pieces: list[tuple[int, np.ndarray]] = []

    def _record(self, start: float, samples: np.ndarray) -> None:
        self._pieces.append((round((start - self._origin) * RATE), samples.copy()))

    def _cut(self, at: float) -> None:
        cut = round((at - self._origin) * RATE)
        kept = []
        for offset, samples in self._pieces:
            if offset < cut:
                kept.append((offset, samples[:cut - offset]))
        self._pieces = kept

    def audio(self) -> np.ndarray:
        """Everything played so far, as float samples from the sink's start."""
        end = max((offset + s.size for offset, s in self._pieces), default=0)
        out = np.zeros(end, dtype=np.float32)  # an hour's recording: 230 MB, not 460
        for offset, samples in self._pieces:
            out[offset:offset + samples.size] += samples
        return out

    def close(self) -> None:
        write_wav(self._path, self.audio())


OUTPUT_LATENCY = 0.3
"""Seconds of audio the sound server holds ahead of the speaker. The stream's callback is
Python, so it cannot run while the recogniser decodes an utterance (PocketSphinx keeps
the GIL for about a tenth of the utterance's length: 0.15 to 0.25 s for a command).
With PortAudio's default (35 ms through PulseAudio) every decode underran the stream,
and ALSA's PulseAudio plugin then took 0.4 to 1.9 s to restart it, so the answer to
what the person had just said started that much later. 0.3 s covers a command's decode
and adds no more than that to when the guide starts or stops talking."""


class SoundDeviceSink:
    """The sound card, through a callback stream that pulls from a queue of blocks."""

    def __init__(self, clock: Clock, device: int | str | None = None,
                 latency: float = OUTPUT_LATENCY) -> None:
        try:
            import sounddevice
        except OSError as error:  # PortAudio missing
            raise AudioDeviceError(f"cannot load the audio library ({error}); install "
                                   "libportaudio2") from None
        self._clock = clock
        self._blocks: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        self._sounding_until = float("-inf")
        try:
            self._stream = sounddevice.OutputStream(
                samplerate=RATE, channels=1, dtype="float32", device=device,
                latency=latency, callback=self._fill)
            self._latency = float(self._stream.latency)
            self._stream.start()
        except Exception as error:
            raise AudioDeviceError(f"cannot open the speaker ({error}); check that a "
                                   "sound card is connected") from None

    def _fill(self, out: np.ndarray, frames: int, _time: object, _status: object) -> None:
        out.fill(0.0)
        filled = 0
        with self._lock:
            while filled < frames and self._blocks:
                block = self._blocks[0]
                take = min(frames - filled, block.size)
                out[filled:filled + take, 0] = block[:take]
                filled += take
                if take == block.size:
                    self._blocks.popleft()
                else:
                    self._blocks[0] = block[take:]
            if filled:
                # What was just handed over is heard only after the device's buffer
                # ahead of it: until then the guide is still talking.
                self._sounding_until = (self._clock.monotonic() + self._latency
                                        + filled / RATE)

    def play(self, samples: np.ndarray) -> float:
        with self._lock:
            self._blocks.append(samples.astype(np.float32))
        return self._clock.monotonic()

    def busy(self) -> bool:
        with self._lock:
            return bool(self._blocks) or self._clock.monotonic() < self._sounding_until

    def ends_at(self) -> float:
        with self._lock:
            queued = sum(block.size for block in self._blocks)
            until = self._sounding_until
        now = self._clock.monotonic()
        if queued:
            return now + self._latency + queued / RATE
        return max(now, until)

    def stop(self) -> None:
        """Drops everything queued; what the device already holds (at most
        ``OUTPUT_LATENCY``) still plays, and ``busy`` says so."""
        with self._lock:
            self._blocks.clear()

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()

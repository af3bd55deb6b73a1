"""Where the person's voice comes from: the microphone, WAV files, or silence.

A source yields 30 ms frames of 16 kHz mono 16-bit PCM, the unit the endpointer and
the recognisers take. The frames also carry time: a microphone delivers one every
30 ms of the real clock, and a file source in ``fast`` mode moves a manual clock on by
30 ms per frame, so a ten-minute routine fed from files runs in seconds and still
fires every timer at the right moment of the conversation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voiceguide.audio.wav import RATE, pcm_bytes, read_wav
from voiceguide.clock import Clock, ManualClock
from voiceguide.errors import AudioDeviceError, AudioFileError

FRAME_SAMPLES = 480
"""30 ms at 16 kHz: the endpointer's frame."""
FRAME_SECONDS = FRAME_SAMPLES / RATE
SILENT_FRAME = bytes(FRAME_SAMPLES * 2)


class AudioSource(Protocol):
    def frames(self) -> Iterator[bytes]:
        """30 ms frames until the source ends (a microphone never does)."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Quiet:
    """A stretch of silence in a ``--input`` list: ``wav:cramp.wav,40,better.wav``."""

    seconds: float


InputItem = Path | Quiet


def parse_input(spec: str) -> list[InputItem]:
    """``wav:A.wav,B.wav`` (numbers are seconds of quiet) into items, files checked."""
    kind, _, rest = spec.partition(":")
    if kind != "wav" or not rest:
        raise AudioFileError(f"--input {spec!r} is not understood; give wav:FILE.wav or "
                             "wav:A.wav,B.wav")
    items: list[InputItem] = []
    for part in rest.split(","):
        part = part.strip()
        try:
            items.append(Quiet(float(part)))
            continue
        except ValueError:
            pass
        path = Path(part)
        if not path.is_file():
            raise AudioFileError(f"{path} does not exist (check the path in --input)")
        items.append(path)
    return items


class Pacer:
    """Keeps time as a microphone would: a frame is "heard" when it has been said. On a
    manual clock in ``fast`` mode the clock is moved on instead of waited for."""

    def __init__(self, clock: Clock, fast: bool) -> None:
        if fast and not isinstance(clock, ManualClock):
            raise ValueError("fast playback needs a manual clock")
        self._clock = clock
        self._fast = fast
        self._next_at = clock.monotonic()

    def tick(self, frame: bytes) -> bytes:
        self._next_at += FRAME_SECONDS
        if isinstance(self._clock, ManualClock) and self._fast:
            self._clock.set(max(self._next_at, self._clock.monotonic()))
        else:
            delay = self._next_at - self._clock.monotonic()
            if delay > 0:
                time.sleep(delay)
        return frame


class WavSource:
    """Plays files into the loop as if a person said them, one turn at a time.

    Before each file the source waits, feeding silence, until ``ready()`` says the guide
    has finished talking and is waiting for the person, as someone in the room would.
    A number before a file times it instead: ``cramp.wav,3,stop.wav`` says "stop" three
    seconds after "my calf is cramping", over whatever the guide is saying (barge-in).
    After the last file it keeps feeding silence until ``settled()`` (the guide is done:
    no timer left, nothing still sounding) or ``max_tail`` seconds pass.
    """

    def __init__(self, items: list[InputItem], clock: Clock, *, fast: bool,
                 ready: Callable[[], bool] = lambda: True,
                 settled: Callable[[], bool] = lambda: True,
                 gap: float = 0.8, max_wait: float = 180.0, max_tail: float = 900.0) -> None:
        self._items = items
        self._pacer = Pacer(clock, fast)
        self.ready = ready
        self.settled = settled
        self._gap = gap
        self._max_wait = max_wait
        self._max_tail = max_tail
        self._audio = {path: read_wav(path) for path in items if isinstance(path, Path)}

    def frames(self) -> Iterator[bytes]:
        timed = False
        for item in self._items:
            if isinstance(item, Quiet):
                yield from self._silence(item.seconds)
                timed = True
                continue
            if not timed:
                yield from self._wait_for_turn()
            timed = False
            yield from self._speech(self._audio[item])
        waited = 0.0
        yield from self._silence(self._gap)
        while not self.settled() and waited < self._max_tail:
            yield self._tick(SILENT_FRAME)
            waited += FRAME_SECONDS

    def _wait_for_turn(self) -> Iterator[bytes]:
        """Silence until the guide is waiting for the person, and still is after a
        short pause: the end of the last utterance is only noticed during that pause,
        and the guide's answer to it must not be talked over."""
        waited = 0.0
        while waited < self._max_wait:
            while not self.ready() and waited < self._max_wait:
                yield self._tick(SILENT_FRAME)
                waited += FRAME_SECONDS
            yield from self._silence(self._gap)
            waited += self._gap
            if self.ready():
                return

    def _silence(self, seconds: float) -> Iterator[bytes]:
        for _ in range(round(seconds / FRAME_SECONDS)):
            yield self._tick(SILENT_FRAME)

    def _speech(self, samples: np.ndarray) -> Iterator[bytes]:
        # Frame by frame, not one bytes copy of the whole file: an hour is 115 MB.
        for offset in range(0, samples.size, FRAME_SAMPLES):
            frame = pcm_bytes(samples[offset:offset + FRAME_SAMPLES])
            yield self._tick(frame.ljust(FRAME_SAMPLES * 2, b"\0"))

    def _tick(self, frame: bytes) -> bytes:
        return self._pacer.tick(frame)

    def close(self) -> None:
        pass


def microphone_available() -> bool:
    """Is there an input device PortAudio can open? False when the library is missing."""
    try:
        import sounddevice

        sounddevice.query_devices(kind="input")
    except Exception:
        return False
    return True


class MicrophoneSource:
    """The default input device at 16 kHz mono, read in 30 ms blocks."""

    def __init__(self, device: int | str | None = None) -> None:
        try:
            import sounddevice

            self._stream = sounddevice.RawInputStream(
                samplerate=RATE, channels=1, dtype="int16", blocksize=FRAME_SAMPLES,
                device=device)
            self._stream.start()
        except Exception as error:
            raise AudioDeviceError(f"cannot open the microphone ({error}); check that one "
                                   "is connected, or use --input wav:FILE.wav") from None

    def frames(self) -> Iterator[bytes]:
        while True:
            data, _overflowed = self._stream.read(FRAME_SAMPLES)
            yield bytes(data)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()

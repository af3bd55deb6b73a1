"""Eight hours on the simulated clock: a person who wakes now and then with a cramp, long
silences, bursts of noise, a microphone that drops out. Real recognition of real
(synthesised) speech; the night is random but seeded, so a failure replays exactly."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import Day
from voiceguide.audio.sources import AudioSource, Quiet
from voiceguide.audio.wav import RATE
from voiceguide.bench.render import write_wav
from voiceguide.errors import AudioDeviceError
from voiceguide.guide import Guide

pytestmark = pytest.mark.speech

NIGHT = 8 * 3600.0
WORDS = ("my calf is cramping", "it's better", "still hurts", "stop", "pause", "continue",
         "how much longer", "repeat", "yes", "no", "goodbye", "my leg has gone to sleep",
         "what's the weather like")
SAMPLE_EVERY = 20_000
"""Frames between two looks at the heap (10 simulated minutes)."""


@pytest.fixture(scope="module")
def night_sounds(speech: Callable[..., list[Any]], tmp_path_factory: pytest.TempPathFactory
                 ) -> list[Path]:
    clips = [clip.path for clip in speech([("x", text) for text in WORDS])]
    noise = tmp_path_factory.mktemp("noise") / "noise.wav"
    # A second of loud hiss: a fan, or a duvet rustled near the microphone.
    write_wav(noise, np.random.default_rng(3).normal(0, 3000, RATE).astype(np.int16))
    return [*clips, noise]


class Watched:
    """Any source, with every frame checked: the timer count, the heap now and then, an
    optional failure after some frames (the microphone unplugged), and a hook at the end."""

    def __init__(self, source: AudioSource, night: Night, fail_after: int | None = None,
                 then: Callable[[], None] | None = None) -> None:
        self._source = source
        self._night = night
        self._fail_after = fail_after
        self._then = then

    def frames(self) -> Iterator[bytes]:
        for n, frame in enumerate(self._source.frames()):
            self._night.look()
            if n == self._fail_after:
                raise AudioDeviceError("the microphone went away")
            yield frame
        if self._then is not None:
            self._then()

    def close(self) -> None:
        self._source.close()


class Night:
    def __init__(self, day: Day, sounds: list[Path], seed: int) -> None:
        self.day = day
        self.rng = random.Random(seed)
        self.sounds = sounds
        self.frames = 0
        self.most_timers = 0
        self.heap: list[int] = []

    def look(self) -> None:
        self.frames += 1
        self.most_timers = max(self.most_timers, len(self.day.kiosk.session.timers))
        if self.frames % SAMPLE_EVERY == 0:
            self.heap.append(tracemalloc.get_traced_memory()[0])

    def openings(self) -> Iterator[Callable[[], AudioSource]]:
        """Random stretches of the night, then an hour alone, then the end."""
        rng = self.rng
        while self.day.clock.monotonic() < NIGHT:
            items: list[Path | Quiet] = [rng.choice(self.sounds)
                                         for _ in range(rng.randint(1, 4))]
            items.append(Quiet(rng.uniform(20, 1800)))
            roll = rng.random()
            if roll < 0.1:
                yield _absent
            else:
                fail = rng.randint(10, 400) if roll < 0.25 else None
                files = self.day.files(*items)
                yield lambda files=files, fail=fail: Watched(files(), self, fail)
        alone = self.day.files(3600.0)
        yield lambda: Watched(alone(), self, then=self.day.kiosk.stop_requested.set)


def _absent() -> AudioSource:
    raise AudioDeviceError("cannot open the microphone (unplugged)")


def test_eight_hours_of_a_restless_night_leave_nothing_stuck_and_memory_flat(
        guide: Guide, night_sounds: list[Path]) -> None:
    day = Day(guide, idle_timeout=600)
    night = Night(day, night_sounds, seed=2024)
    day.follow(night.openings())
    tracemalloc.start()
    try:
        day.kiosk.run()
    finally:
        tracemalloc.stop()

    assert day.clock.monotonic() >= NIGHT + 3600
    log = day.log()
    turns = [line for line in log if "intent" in line]
    events = {line["event"] for line in log if "event" in line}
    assert len(turns) > 40, "the person spoke through the night"
    assert {"audio_lost", "audio_unavailable", "audio_back"} <= events
    assert night.most_timers <= 1, "never more than one timer"
    assert not day.kiosk.session.timers, "every timer fired or was cancelled"
    assert day.kiosk.session.mode == "idle", \
        "an hour alone ends any routine, and the kiosk forgets the conversation"
    third = len(night.heap) // 3
    growth = (night.heap[-1] - night.heap[third]) / 2**20
    assert growth < 2.0, f"the heap grew {growth:.2f} MB over the night"

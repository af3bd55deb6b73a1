#!/usr/bin/env python3
"""A kiosk's simulated day: thousands of turns through the real recogniser, matcher,
dialogue and speech engine on a simulated clock, with idle resets between visitors.
Prints resident memory (the guide's process and its decoder's) and Python heap as the
day goes on, for the target "memory flat (no growth beyond 5 MB) over a 2000-turn day".

Usage: python scripts/measure_kiosk.py [TURNS]    (default 2000; a few minutes)
"""

from __future__ import annotations

import io
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.asr.choose import make_recognizer
from voiceguide.asr.language_model import cache_root
from voiceguide.audio.sinks import TimelineSink
from voiceguide.audio.sources import Quiet, WavSource
from voiceguide.bench.render import render
from voiceguide.bench.speech import family_kb, peak_resident_kb
from voiceguide.captions.board import CaptionBoard
from voiceguide.clock import ManualClock
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import Kiosk
from voiceguide.service.turnlog import TurnLog
from voiceguide.settings import KioskSettings
from voiceguide.speech.synth import EspeakSynthesizer

VISIT = ("my calf is cramping", "stop", "why do i get cramps at night", "no thanks",
         "louder please", "goodbye")
IDLE_TIMEOUT = 60.0
SAMPLE_EVERY = 100


class Counter(io.StringIO):
    """The turn log's stream: counts turns and samples memory, keeping no text."""

    def __init__(self) -> None:
        super().__init__()
        self.turns = 0
        self.samples: list[tuple[int, float, float]] = []

    def write(self, text: str) -> int:
        if '"intent"' in text:
            self.turns += 1
            if self.turns % SAMPLE_EVERY == 0:
                heap, _ = tracemalloc.get_traced_memory()
                self.samples.append((self.turns, family_kb("VmRSS") / 1024, heap / 2**20))
        return len(text)


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    clips = render([("x", text) for text in VISIT], cache_root() / "bench-speech",
                   ("flite:awb",), ("clean",))
    visits = -(-turns // len(VISIT))
    items: list[Path | Quiet] = []
    for n in range(visits):
        # Three seconds before "goodbye": fed the moment the guide looked idle, the
        # file source sometimes ran it into "louder please" as one utterance.
        items += [clip.path for clip in clips[:-1]] + [Quiet(3.0), clips[-1].path]
        if n % 3 == 2:
            items.append(Quiet(IDLE_TIMEOUT + 5))  # nobody comes for a while
    guide = Guide.load()
    clock = ManualClock()
    counter = Counter()
    board = CaptionBoard(clock.monotonic)
    kiosk = Kiosk(guide, settings=replace(guide.settings, kiosk=KioskSettings(IDLE_TIMEOUT)),
                  clock=clock,
                  recognizer=make_recognizer(guide.kb, "pocketsphinx"),
                  synth=EspeakSynthesizer(), sink=TimelineSink(clock),
                  open_source=lambda: WavSource(items, clock, fast=True,
                                                ready=kiosk.loop.waiting_for_person,
                                                settled=kiosk.loop.settled),
                  board=board, log=TurnLog(counter))
    tracemalloc.start()
    started = time.perf_counter()
    kiosk.run()
    elapsed = time.perf_counter() - started
    print(f"{counter.turns} turns, {kiosk.resets} conversation resets, "
          f"{clock.monotonic() / 3600:.1f} simulated hours, {elapsed:.0f} s")
    print("turns  resident MB  Python heap MB")
    for turn, rss, heap in counter.samples:
        print(f"{turn:5}  {rss:11.1f}  {heap:14.2f}")
    first, last = counter.samples[0], counter.samples[-1]
    print(f"growth from turn {first[0]} to {last[0]}: resident {last[1] - first[1]:+.1f} MB, "
          f"heap {last[2] - first[2]:+.2f} MB; peak resident {peak_resident_kb() / 1024:.0f} MB")


if __name__ == "__main__":
    main()

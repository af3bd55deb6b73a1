#!/usr/bin/env python3
"""Measure how soon a caption reaches the screen: from ``board.said()`` to an event-stream
client holding the update, through a real captions server and a real HTTP client on
loopback. Target: a caption update within 100 ms of the speech event.

Usage: python scripts/measure_captions.py [EVENTS]   (default 200)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.captions import CaptionBoard, CaptionServer  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Straight to loopback, whatever proxy the environment names."""

TARGET_MS = 100.0
GAP_SECONDS = 0.005
"""Between sentences, so each one is its own update rather than merged with the next, as
a guide that speaks them a second or more apart would see."""


def read_event(stream: IO[bytes]) -> dict[str, object]:
    """The next ``data:`` event's JSON, passing over the retry hint and keepalives."""
    data: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("the event stream ended")
        text = line.decode().rstrip("\r\n")
        if text.startswith("data:"):
            data.append(text[5:].lstrip())
        elif not text and data:
            return json.loads("\n".join(data))  # type: ignore[no-any-return]


def measure(count: int) -> list[float]:
    """Milliseconds from each ``said()`` to its caption arriving, in order."""
    board = CaptionBoard()
    server = CaptionServer(board)
    server.start()
    try:
        with OPENER.open(server.url + "events", timeout=10) as stream:
            read_event(stream)  # the state as it stood when the page connected
            latencies = []
            for number in range(count):
                text = f"Sentence {number}."
                start = time.perf_counter()
                board.said(text)
                state = read_event(stream)
                latencies.append((time.perf_counter() - start) * 1000)
                lines = state["lines"]
                assert isinstance(lines, list) and lines[-1]["text"] == text, state
                time.sleep(GAP_SECONDS)
            return latencies
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", nargs="?", type=int, default=200)
    count = parser.parse_args().events
    if count < 2:
        parser.error("give at least 2 events")
    latencies = measure(count)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    verdict = "meets" if p95 <= TARGET_MS else "MISSES"
    print(f"caption update latency over {count} events: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"max {max(latencies):.2f} ms; {verdict} the {TARGET_MS:.0f} ms target at p95")


if __name__ == "__main__":
    main()

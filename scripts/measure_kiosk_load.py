#!/usr/bin/env python3
"""Load on the kiosk's captions screen, all on loopback, bounded in count and time:

1. slow clients: 200 connections that send nothing, held open; the server's threads,
   its open connections, and how long a page's ``GET /state`` takes meanwhile;
2. the open-file limit: a server in a process limited to 64 open files, flooded with
   150 connections; the CPU it spends while they are held, and whether its own files
   still open;
3. a button flood: 200 Repeat presses through the real server into a real kiosk loop
   (speech rendered by espeak-ng, played on a timeline) while it runs in
   real time; the longest the loop went without a turn, and how many presses it acted
   on, with the kiosk's thinning of repeated presses and without it (as before).

Usage: python scripts/measure_kiosk_load.py   (about a minute)
"""

from __future__ import annotations

import itertools
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import voiceguide.loop.kiosk as kiosk_module  # noqa: E402
from voiceguide.audio.sinks import TimelineSink  # noqa: E402
from voiceguide.audio.sources import Quiet, WavSource  # noqa: E402
from voiceguide.captions import CaptionBoard, CaptionServer  # noqa: E402
from voiceguide.clock import SystemClock  # noqa: E402
from voiceguide.guide import Guide  # noqa: E402
from voiceguide.loop.kiosk import DeafRecognizer, Kiosk  # noqa: E402
from voiceguide.speech.synth import EspeakSynthesizer  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with OPENER.open(url, timeout=30) as reply:
        reply.read()
    return (time.perf_counter() - started) * 1000


def slow_clients(count: int = 200) -> dict[str, float]:
    server = CaptionServer(CaptionBoard())
    server.start()
    host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    before = threads()
    held = [socket.create_connection((host, int(port))) for _ in range(count)]
    try:
        time.sleep(0.5)
        latencies = [timed_get(server.url + "state") for _ in range(20)]
        return {"clients": count, "threads_added": threads() - before,
                "connections_open": server.connections(),
                "cap": server.max_connections,
                "state_ms_median": statistics.median(latencies),
                "state_ms_max": max(latencies)}
    finally:
        for sock in held:
            sock.close()
        server.close()


CHILD = """
import os, resource, sys, tempfile, time
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
from voiceguide.captions import CaptionBoard, CaptionServer
server = CaptionServer(CaptionBoard())
server.start()
print(server.url, flush=True)
folder, failures = tempfile.mkdtemp(), 0
while not os.path.exists(sys.argv[1]):
    try:
        with open(os.path.join(folder, "beat"), "w") as out:
            out.write("1")
    except OSError:
        failures += 1
    time.sleep(0.1)
print(failures, flush=True)
server.close()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_file_limit(count: int = 150, seconds: float = 3.0) -> dict[str, float]:
    stop = Path(tempfile.mkdtemp()) / "stop"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(stop)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True,
                             env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    url = child.stdout.readline().strip()
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    held = [socket.create_connection((host, int(port))) for _ in range(count)]
    try:
        time.sleep(0.5)
        spent = cpu_seconds(child.pid)
        time.sleep(seconds)
        cpu = (cpu_seconds(child.pid) - spent) / seconds
        page_ms = timed_get(url + "state")
    finally:
        for sock in held:
            sock.close()
        stop.touch()
    failures = int(child.communicate(timeout=30)[0].strip())
    return {"connections": count, "cpu_share": cpu, "state_ms": page_ms,
            "own_file_failures": failures}


class Turns:
    """Stands in for the heartbeat: notes when each loop turn happened."""

    def __init__(self) -> None:
        self.at: list[float] = []

    def beat(self) -> None:
        self.at.append(time.monotonic())

    def close(self) -> None:
        pass


def button_flood(guide: Guide, gap: float, presses: int = 200) -> dict[str, float]:
    kiosk_module.PRESS_GAP = gap
    clock = SystemClock()
    board = CaptionBoard(clock.monotonic)
    turns = Turns()
    machine = Kiosk(guide, clock=clock, recognizer=DeafRecognizer(),
                    synth=EspeakSynthesizer(), sink=TimelineSink(clock),
                    open_source=lambda: WavSource([Quiet(8.0)], clock, fast=False),
                    board=board, heartbeat=turns)  # type: ignore[arg-type]
    server = CaptionServer(board)
    server.start()
    captions: list[str] = []
    shown = board.said

    def said(text: str) -> None:
        captions.append(text)
        shown(text)

    board.said = said  # type: ignore[method-assign]
    loop = threading.Thread(target=machine.run)
    loop.start()
    time.sleep(2.0)  # the welcome is said: Repeat has something to repeat
    flood_start = time.monotonic()
    origin = server.url.rstrip("/")

    def press(count: int) -> None:
        for _ in range(count):
            request = urllib.request.Request(server.url + "repeat", data=b"",
                                             method="POST", headers={"Origin": origin})
            with OPENER.open(request, timeout=60) as reply:
                reply.read()

    pressers = [threading.Thread(target=press, args=(presses // 4,)) for _ in range(4)]
    for presser in pressers:
        presser.start()
    for presser in pressers:
        presser.join()
    flood_seconds = time.monotonic() - flood_start
    machine.stop_requested.set()
    loop.join()
    server.close()
    during = [t for t in turns.at if t >= flood_start - 1.0]  # from before it began
    gaps = [b - a for a, b in itertools.pairwise(during)]
    said = captions.count(guide.kb.prompts["welcome"])
    return {"press_gap_s": gap, "presses": presses, "flood_s": flood_seconds,
            "longest_turn_gap_s": max(gaps, default=float("nan")),
            "repeats_spoken": said - 1, "presses_dropped": machine.presses_dropped}


def main() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    print(f"open-file limit here: {soft}")
    print("slow clients:", slow_clients())
    print("open-file limit 64:", open_file_limit())
    guide = Guide.load()
    default_gap = kiosk_module.PRESS_GAP
    print("button flood, thinned:", button_flood(guide, default_gap))
    print("button flood, not thinned (as before):", button_flood(guide, 0.0))


if __name__ == "__main__":
    main()

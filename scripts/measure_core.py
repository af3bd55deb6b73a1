#!/usr/bin/env python3
"""Measure the core against its targets: accuracy on the labelled sets, match latency,
batch throughput, and knowledge-base load time. Prints one block of figures.

Usage: python scripts/measure_core.py
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.guide import Guide  # noqa: E402
from voiceguide.kb import load_knowledge_base  # noqa: E402

LOAD_RUNS = 10
LATENCY_ROUNDS = 3


def rows(name: str) -> list[dict[str, str]]:
    with (ROOT / "tests" / "data" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def accuracy(guide: Guide, name: str) -> str:
    data = rows(name)
    found = guide.matcher.match_many([r["utterance"] for r in data])
    pairs = [(r["intent"], m.intent) for r, m in zip(data, found, strict=True)]
    oos = [got for want, got in pairs if want == "out_of_scope"]
    ins = [got for want, got in pairs if want != "out_of_scope"]
    emergencies = [got for want, got in pairs if want == "emergency"]
    return (f"{name}: {len(data)} utterances, top-1 "
            f"{sum(w == g for w, g in pairs) / len(pairs):.1%}, emergencies caught "
            f"{emergencies.count('emergency')}/{len(emergencies)}, out-of-scope refused "
            f"{oos.count('out_of_scope') / len(oos):.1%}, in-scope refused "
            f"{ins.count('out_of_scope') / len(ins):.1%}")


def main() -> None:
    loads = []
    for _ in range(LOAD_RUNS):
        start = time.perf_counter()
        Guide(load_knowledge_base())
        loads.append((time.perf_counter() - start) * 1000)
    guide = Guide.load()
    print(f"load knowledge base + build matcher: median {statistics.median(loads):.0f} ms, "
          f"max {max(loads):.0f} ms over {LOAD_RUNS} runs")
    print(accuracy(guide, "devset.tsv"))
    print(accuracy(guide, "heldout.tsv"))
    texts = [r["utterance"] for r in rows("devset.tsv")]
    times = []
    for _ in range(LATENCY_ROUNDS):
        for text in texts:
            start = time.perf_counter()
            guide.matcher.match(text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"single match over the dev set x{LATENCY_ROUNDS}: p50 "
          f"{times[len(times) // 2]:.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms")
    many = texts * 10
    start = time.perf_counter()
    guide.matcher.match_many(many)
    elapsed = time.perf_counter() - start
    print(f"batch of {len(many)}: {len(many) / elapsed:.0f} utterances a second")


if __name__ == "__main__":
    main()

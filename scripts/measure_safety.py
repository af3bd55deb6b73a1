#!/usr/bin/env python3
"""Measure the safety layer on a labelled red-team set: emergencies sent to help, per
danger, and false alarms, per kind of look-alike.

Usage: python scripts/measure_safety.py [--triage-only] [--list] [--speech VOICES]
                                        SET.tsv [SET.tsv ...]

Each set is a TSV with the columns of tests/data/safety/README.md (``utterance``,
``expected`` = emergency or safe, ``danger``, ``kind``). By default each utterance goes
through the whole matcher, as ``voiceguide match`` does (the rules and the fuzzy second
opinion); ``--triage-only`` asks the rules alone. ``--list`` prints every miss and
false alarm. Report the sets apart: a set tuned on says little about one that was not.

``--speech flite:kal,flite:awb`` speaks every line with those voices (clean, cached in
``~/.cache/voiceguide/safety-speech``) and hears it as ``voiceguide ask`` does, with the
bundled recogniser: an emergency counts as caught when the guide sends the person to
help or asks its direct question about the danger ("Did you say...?").
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.asr.choose import make_recognizer  # noqa: E402
from voiceguide.asr.language_model import cache_root  # noqa: E402
from voiceguide.audio.wav import pcm_bytes, read_wav  # noqa: E402
from voiceguide.bench.render import render  # noqa: E402
from voiceguide.guide import Guide  # noqa: E402
from voiceguide.loop.ask import answer_recording  # noqa: E402
from voiceguide.match import EMERGENCY  # noqa: E402


def measure(guide: Guide, path: Path, triage_only: bool, listing: bool) -> None:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    started = time.perf_counter()
    if triage_only:
        triage = guide.matcher.triage  # type: ignore[attr-defined]
        alarms = [triage.assess(r["utterance"]).emergency for r in rows]
    else:
        alarms = [m.intent == EMERGENCY
                  for m in guide.matcher.match_many([r["utterance"] for r in rows])]
    per_ms = (time.perf_counter() - started) * 1000 / max(len(rows), 1)
    caught, dangers, raised, kinds = Counter(), Counter(), Counter(), Counter()
    misses, false_alarms = [], []
    for row, alarm in zip(rows, alarms, strict=True):
        if row["expected"] == "emergency":
            dangers[row["danger"]] += 1
            caught[row["danger"]] += alarm
            if not alarm:
                misses.append(f"  miss [{row['danger']}] {row['utterance']}")
        else:
            kinds[row["kind"]] += 1
            raised[row["kind"]] += alarm
            if alarm:
                false_alarms.append(f"  false alarm [{row['kind']}] {row['utterance']}")
    emergencies, safe = sum(dangers.values()), sum(kinds.values())
    print(f"{path.name}: {len(rows)} utterances, {per_ms:.2f} ms each "
          f"({'rules alone' if triage_only else 'whole matcher'})")
    print(f"  emergencies sent to help: {sum(caught.values())}/{emergencies} "
          f"({sum(caught.values()) / max(emergencies, 1):.1%})")
    for danger in sorted(dangers):
        print(f"    {danger:14} {caught[danger]}/{dangers[danger]}")
    print(f"  false alarms: {sum(raised.values())}/{safe} "
          f"({sum(raised.values()) / max(safe, 1):.1%})")
    for kind in sorted(kinds):
        print(f"    {kind:14} {raised[kind]}/{kinds[kind]}")
    if listing:
        print("\n".join(misses + false_alarms))


def measure_speech(guide: Guide, path: Path, voices: list[str], listing: bool) -> None:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    recognizer = make_recognizer(guide.kb, "pocketsphinx")
    labels = {r["utterance"]: r for r in rows}
    clips = render([(r["expected"], r["utterance"]) for r in rows],
                   cache_root() / "safety-speech", voices, ["clean"])
    tally: dict[str, Counter[str]] = {}
    for clip in clips:
        row = labels[clip.text]
        found = answer_recording(guide, recognizer, pcm_bytes(read_wav(clip.path)), None,
                                 150).match
        how = ("asked" if found.outcome == "confirm" else "sent") if (
            found.intent == EMERGENCY) else "not"
        counts = tally.setdefault(clip.voice, Counter())
        counts[f"{row['expected']} {how}"] += 1
        if listing and (row["expected"] == "emergency") != (how != "not"):
            print(f"  {clip.voice} [{row['expected']}] {row['utterance']!r} heard as "
                  f"{found.text!r} -> {how}")
    print(f"{path.name}, spoken, clean:")
    for voice, counts in tally.items():
        emergencies = sum(v for k, v in counts.items() if k.startswith("emergency"))
        safe = sum(v for k, v in counts.items() if k.startswith("safe"))
        print(f"  {voice}: emergencies sent to help {counts['emergency sent']}, asked about "
              f"{counts['emergency asked']}, missed {counts['emergency not']} of "
              f"{emergencies}; safe lines alarmed {counts['safe sent']}, asked about "
              f"{counts['safe asked']} of {safe}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--triage-only", action="store_true")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--speech", help="voices, such as flite:kal,flite:awb")
    args = parser.parse_args()
    guide = Guide.load()
    for path in args.sets:
        if args.speech:
            measure_speech(guide, path, args.speech.split(","), args.list)
        else:
            measure(guide, path, args.triage_only, args.list)


if __name__ == "__main__":
    main()

"""The benchmark's figures as the published Markdown table and as JSON, from one set
of results, so the two can never disagree."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from voiceguide.bench.fuzz import FuzzResult
from voiceguide.bench.scoring import TextScores
from voiceguide.bench.speech import Footprint, SpeechCell


@dataclass(frozen=True, slots=True)
class Target:
    what: str
    goal: str
    measured: str
    met: bool | None
    """``None`` when it could not be measured in this run."""


@dataclass(frozen=True, slots=True)
class TextRun:
    set_name: str
    systems: list[TextScores]
    skipped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Results:
    command: str
    date: str
    cores: int
    python: str
    platform: str
    quick: bool
    seconds: float = 0.0
    text: list[TextRun] = field(default_factory=list)
    speech: list[SpeechCell] = field(default_factory=list)
    speech_setup: str = ""
    footprints: list[Footprint] = field(default_factory=list)
    fuzzing: list[FuzzResult] = field(default_factory=list)
    fuzz_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _verdict(target: Target) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[target.met]


def markdown(results: Results) -> str:
    lines = [
        "# Benchmarks", "",
        f"Produced on {results.date} by `{results.command}` on a machine with "
        f"{results.cores} cores ({results.platform}, Python {results.python}), in "
        f"{results.seconds:.0f} s." + (" **Quick run**: a smoke test on a small sample, "
                                       "not the published figures." if results.quick else ""),
        "", "## Targets", "", "| target | goal | measured | |", "|---|---|---|---|"]
    lines += [f"| {t.what} | {t.goal} | {t.measured} | {_verdict(t)} |"
              for t in results.targets]
    for run in results.text:
        lines += _text_section(run)
    if results.speech:
        lines += _speech_section(results)
    if results.fuzzing:
        lines += ["", "## Fuzzing", "",
                  f"Each reader fed mutated and random inputs for {results.fuzz_seconds:g} s "
                  "(`voiceguide/bench/fuzz.py`); a crash is anything but a result or a "
                  "one-line error of the guide's own.", "",
                  "| reader | inputs | refused in one line | crashes |", "|---|---|---|---|"]
        lines += [f"| {f.target} | {f.inputs} | {f.refused} | {len(f.crashes)} |"
                  for f in results.fuzzing]
        lines += [f"- kept: {crash}" for f in results.fuzzing for crash in f.crashes]
    if results.skipped:
        lines += ["", "## Not measured in this run", ""]
        lines += [f"- {why}" for why in results.skipped]
    return "\n".join(lines) + "\n"


def _text_section(run: TextRun) -> list[str]:
    guide = run.systems[0]
    lines = ["", f"## Text understanding: {run.set_name} ({guide.rows} utterances)", "",
             "Latency is one query at a time, as the guide meets them. Ratios are to the "
             "guide's matcher: accuracy as a fraction of its accuracy, time as how many "
             "times longer a query takes.", "",
             "| system | top-1 | emergency recall | out-of-scope refused | in-scope refused "
             "| p50 ms | p95 ms | accuracy ratio | time ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in run.systems:
        lines.append(
            f"| {s.name} | {pct(s.accuracy)} | {pct(s.emergency_recall)} | "
            f"{pct(s.out_of_scope_refused)} | {pct(s.false_refusals)} | "
            f"{s.latency_p50_ms:.2f} | {s.latency_p95_ms:.2f} | "
            f"{s.accuracy / guide.accuracy:.2f} | "
            f"{s.latency_p50_ms / guide.latency_p50_ms:.1f}x |")
    lines += [""] + [f"- {s.name}: {s.note}." for s in run.systems]
    lines += [f"- {why}" for why in run.skipped]
    lines += ["", "Worst confusions (expected -> got, count):", ""]
    for s in run.systems:
        worst = "; ".join(f"{w} -> {g} ({n})" for w, g, n in s.confusions) or "none"
        lines.append(f"- {s.name}: {worst}")
    names = " | ".join(f"{s.name} P / R" for s in run.systems)
    lines += ["", "Per intent, precision / recall:", "",
              f"| intent | rows | {names} |", "|---|---|" + "---|" * len(run.systems)]
    for intent, score in guide.per_intent.items():
        cells = []
        for s in run.systems:
            mine = s.per_intent.get(intent)
            cells.append(f"{pct(mine.precision)} / {pct(mine.recall)}" if mine else "n/a")
        lines.append(f"| {intent} | {score.support} | {' | '.join(cells)} |")
    return lines


def _speech_section(results: Results) -> list[str]:
    lines = ["", "## Speech", "", results.speech_setup, "",
             "Intent accuracy counts a clip right when the guide acts on the intent it was "
             "rendered for; a refusal or a question back counts wrong. Latency is from the "
             "end of the recording to the first sample of the answer's first sentence "
             "(recognition, matching and synthesis), as `voiceguide ask --json` reports it.",
             "", "| recogniser | SNR | clips | WER | intent accuracy (in scope) | emergency "
             "recall | out-of-scope accepted | RTF | p50 ms | p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in results.speech:
        lines.append(f"| {c.setup} | {c.snr} | {c.clips} | {c.wer:.1%} | "
                     f"{pct(c.in_scope_accuracy)} | {pct(c.emergency_recall)} | "
                     f"{pct(c.out_of_scope_accepted)} | {c.rtf:.3f} | "
                     f"{c.latency_p50_ms:.0f} | {c.latency_p95_ms:.0f} |")
    voices = sorted({v for c in results.speech for v in c.by_voice})
    lines += ["", "In-scope intent accuracy by voice:", "",
              "| recogniser | SNR | " + " | ".join(voices) + " |",
              "|---|---|" + "---|" * len(voices)]
    for c in results.speech:
        lines.append(f"| {c.setup} | {c.snr} | "
                     + " | ".join(pct(c.by_voice.get(v)) for v in voices) + " |")
    if results.footprints:
        lines += ["", "Start-up and memory, each in a fresh process answering one clip "
                  "out loud:", "", "| recogniser | ready to listen | peak resident memory |",
                  "|---|---|---|"]
        lines += [f"| {f.setup} | {f.ready_s:.2f} s | {f.peak_rss_mb:.0f} MB |"
                  for f in results.footprints]
    return lines


def as_json(results: Results) -> str:
    return json.dumps(dataclasses.asdict(results), indent=1, sort_keys=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """A benchmark interrupted mid-write keeps the last published table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


"""``voiceguide bench`` (also ``scripts/bench.py``): the guide against its peers on the
same labelled sets in one run, and every recogniser on the same rendered speech, written
as ``docs/benchmarks.md`` and JSON.

``--quick`` is the smoke test CI runs: the whole pipeline on a small sample in well under
a minute. Its figures show the benchmark works, not how good the guide is.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from voiceguide.asr.choose import DEFAULT_VARIANT
from voiceguide.asr.language_model import cache_root
from voiceguide.bench import render
from voiceguide.bench.fuzz import fuzz
from voiceguide.bench.labelled import DEV_SET, SPOKEN_SET, Row, check_intents, read_rows
from voiceguide.bench.peers import (
    Classifier,
    GuideClassifier,
    MiniLMClassifier,
    NaiveClassifier,
)
from voiceguide.bench.report import Results, Target, TextRun, as_json, markdown, pct, write_atomic
from voiceguide.bench.scoring import TextScores, score_text
from voiceguide.bench.speech import (
    DENOISE_MODES,
    SPHINX_VARIANTS,
    WHISPER_ENGINES,
    ClipResult,
    SpeechCell,
    available_setups,
    cells,
    footprint,
    run_clip,
)
from voiceguide.errors import BenchError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.settings import ListenSettings
from voiceguide.speech.synth import EspeakSynthesizer
from voiceguide.speech.voice import Voice

DOCS = DEV_SET.parent.parent.parent / "docs"
FULL_VOICES = ("espeak:en-us:150", "espeak:en-us+m3:135", "espeak:en-us+f3:160")
FULL_SNRS = ("clean", "20", "10", "5")
QUICK_VOICES = ("espeak:en-us:150",)
QUICK_SNRS = ("clean", "10")
QUICK_EVERY = 10
"""A quick run speaks every tenth row of the spoken set."""
FUZZ_SECONDS = 60.0
QUICK_FUZZ = 2.0
SPEED_TARGET = 50.0
CLEAR_MARGIN = 0.10
""""Clearly more accurate" than the naive baseline: ten points of top-1 accuracy."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiceguide bench", description=__doc__.split(
        "\n\n")[0].replace("``", "`"))
    parser.add_argument("--set", dest="sets", type=Path, action="append", default=[],
                        metavar="TSV", help="another labelled set (utterance and intent "
                        "columns) to compare on, besides the development set; repeatable")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test on a small sample (under a minute)")
    parser.add_argument("--peers", default="naive,minilm",
                        help="text peers to compare: naive, minilm (default: %(default)s)")
    parser.add_argument("--no-speech", action="store_true", help="text understanding only")
    parser.add_argument("--fuzz", type=float, metavar="SECONDS",
                        help="fuzz the WAV reader and the article parser this long each "
                             f"(default: {FUZZ_SECONDS:g}; quick: {QUICK_FUZZ:g}; 0: not)")
    parser.add_argument("--recognisers", metavar="LIST",
                        help="of generic, domain, mix, vosk, cascade, whisper (default: all "
                             "but whisper alone; quick: mix)")
    parser.add_argument("--voices", metavar="LIST", help="voices to render with, e.g. "
                        f"{','.join(FULL_VOICES)} (the default), flite:kal, festival:slt")
    parser.add_argument("--snr", metavar="LIST",
                        help="conditions: clean, a number of dB (pink noise), KIND:DB with "
                             "KIND one of pink, brown, fan, rain, babble, snore, or reverb, "
                             f"quiet, sleepy, chime (default: {','.join(FULL_SNRS)})")
    parser.add_argument("--denoise", metavar="LIST",
                        help="each recogniser without (off) and with (on) RNNoise noise "
                             "suppression gated on the room's noise, or ungated (always) "
                             "(default: off,on; quick: the shipped setting)")
    parser.add_argument("--every", type=int, metavar="N",
                        help=f"speak every Nth row of the speech set (default: 1; quick: "
                             f"{QUICK_EVERY})")
    parser.add_argument("--speech-set", type=Path, default=SPOKEN_SET, metavar="TSV",
                        help="utterances to speak (default: tests/data/spoken.tsv)")
    parser.add_argument("--clips", type=Path, default=None, metavar="DIR",
                        help="where rendered clips are cached (default: the guide's "
                             "cache folder)")
    parser.add_argument("--markdown", type=Path, metavar="PATH",
                        help="where the table goes (default: docs/benchmarks.md; a quick "
                             "run writes none unless asked)")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="where the figures go as JSON (default: docs/benchmarks.json)")
    return parser


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def time_queries(classifier: Classifier, rows: Sequence[Row]) -> TextScores:
    """One query at a time, each timed alone, after one warm-up call."""
    classifier.classify(rows[0].text)
    predicted, latencies = [], []
    for row in rows:
        started = time.perf_counter()
        predicted.append(classifier.classify(row.text))
        latencies.append((time.perf_counter() - started) * 1000)
    return score_text(classifier.name, classifier.note, rows, predicted, latencies)


def text_runs(guide: Guide, sets: Sequence[Path], peers: Sequence[str],
              log: Results) -> list[TextRun]:
    known = {intent.public_id for intent in guide.kb.intents.values()}
    labelled = []
    for path in [DEV_SET, *sets]:
        rows = read_rows(path)
        check_intents(rows, known, path)
        labelled.append((path, rows))
    classifiers: list[Classifier] = [GuideClassifier(guide)]
    skipped = []
    for peer in peers:
        if peer == "naive":
            classifiers.append(NaiveClassifier(guide.kb))
        elif peer == "minilm":
            try:
                classifiers.append(MiniLMClassifier(guide.kb, labelled[0][1]))
            except BenchError as error:
                skipped.append(f"MiniLM peer not run: {error}")
        else:
            raise BenchError(f"--peers {peer!r} is not a peer; use naive, minilm")
    log.skipped.extend(skipped)
    return [TextRun(path.name, [time_queries(c, rows) for c in classifiers], skipped)
            for path, rows in labelled]


def speech_run(guide: Guide, args: argparse.Namespace, log: Results) -> None:
    names = _split(args.recognisers) if args.recognisers else (
        [DEFAULT_VARIANT] if args.quick else [*SPHINX_VARIANTS, "vosk", "cascade"])
    unknown = [n for n in names if n not in (*SPHINX_VARIANTS, "vosk", *WHISPER_ENGINES)]
    if unknown:
        raise BenchError(f"--recognisers {unknown[0]!r} is not known; use generic, domain, "
                         "mix, vosk, cascade or whisper")
    voices = _split(args.voices) if args.voices else list(
        QUICK_VOICES if args.quick else FULL_VOICES)
    snrs = _split(args.snr) if args.snr else list(QUICK_SNRS if args.quick else FULL_SNRS)
    rows = read_rows(args.speech_set)
    check_intents(rows, {i.public_id for i in guide.kb.intents.values()}, args.speech_set)
    every = args.every or (QUICK_EVERY if args.quick else 1)
    if every < 1:
        raise BenchError(f"--every {every} is not a step; give 1 or more")
    rows = rows[::every]
    denoise = _denoise_variants(args)
    folder = args.clips or cache_root() / "bench-speech"
    clips = render.render(rows, folder, voices, snrs)
    setups, skipped = available_setups(
        [n for n in names if n in SPHINX_VARIANTS], "vosk" in names, denoise,
        [n for n in WHISPER_ENGINES if n in names])
    log.skipped.extend(skipped)
    log.skipped.extend(f"pocketsphinx:{v}: left out of this run (`--recognisers`)"
                       for v in SPHINX_VARIANTS if v not in names and not args.quick)
    try:
        synth = EspeakSynthesizer()
    except VoiceguideError as error:
        raise BenchError(f"speech synthesis is needed for latency: {error}") from None
    voice = Voice()
    for setup in setups:
        recognizer = setup.make(guide)
        results: list[ClipResult] = [run_clip(guide, recognizer, clip, synth, voice, setup)
                                     for clip in clips]
        log.speech.extend(cells(setup, results))
        clean = next((c.path for c in clips if c.snr == "clean"), clips[0].path)
        log.footprints.append(footprint(setup, clean))
    log.speech_setup = (f"{len(rows)} utterances from `{args.speech_set.name}`"
                        f"{f' (one row in {every})' if every > 1 else ''}, spoken by "
                        f"{', '.join(voices)} (rendered through sox at 16 kHz), in the "
                        f"conditions {', '.join(snrs)} (a bare number is pink noise at that "
                        "SNR in dB, KIND-N another noise); `+RNNoise` marks noise "
                        "suppression in front of the recogniser; the guide's voice for "
                        f"answers is espeak-ng at {voice.rate} words a minute.")


def _denoise_variants(args: argparse.Namespace) -> list[str]:
    if not args.denoise:
        return [("on" if ListenSettings().denoise else "off")] if args.quick else ["off", "on"]
    found = _split(args.denoise)
    for part in found:
        if part not in DENOISE_MODES:
            raise BenchError(f"--denoise {part!r} is not known; use {', '.join(DENOISE_MODES)}")
    return list(dict.fromkeys(found))


def targets(log: Results) -> list[Target]:
    found: list[Target] = []
    dev = log.text[0].systems if log.text else []
    guide = dev[0] if dev else None
    by_name = {s.name: s for s in dev}
    minilm = by_name.get(MiniLMClassifier.name)
    naive = by_name.get(NaiveClassifier.name)
    if guide is not None:
        found.append(Target(
            "matcher accuracy vs MiniLM (dev set)", ">= MiniLM",
            f"{pct(guide.accuracy)} vs {pct(minilm.accuracy)}" if minilm else "peer not run",
            guide.accuracy >= minilm.accuracy if minilm else None))
        speed = minilm.latency_p50_ms / guide.latency_p50_ms if minilm else None
        found.append(Target(
            "matcher speed vs MiniLM (p50 per query)", f">= {SPEED_TARGET:.0f}x faster",
            f"{speed:.1f}x" if speed else "peer not run",
            speed >= SPEED_TARGET if speed else None))
        found.append(Target(
            "matcher accuracy vs naive baseline (dev set)",
            f">= {CLEAR_MARGIN:.0%} points better",
            f"{pct(guide.accuracy)} vs {pct(naive.accuracy)}" if naive else "peer not run",
            guide.accuracy - naive.accuracy >= CLEAR_MARGIN if naive else None))
    if log.fuzzing:
        crashes = sum(len(f.crashes) for f in log.fuzzing)
        found.append(Target(f"fuzzing the WAV reader and article parser ({log.fuzz_seconds:g} s "
                            "each)", "no crash", f"{crashes} crashes in "
                            f"{sum(f.inputs for f in log.fuzzing)} inputs", crashes == 0))
    shipped = [c for c in log.speech if c.setup.endswith("(shipped)")]
    found += _speech_targets(shipped, log)
    return found


def _speech_targets(shipped: list[SpeechCell], log: Results) -> list[Target]:
    if not shipped:
        return []
    at = {c.snr: c for c in shipped}
    clean, noisy = at.get("clean"), at.get("10")

    def accuracy(cell: SpeechCell | None, goal: float, label: str) -> Target:
        value = cell.in_scope_accuracy if cell else None
        return Target(f"spoken intent accuracy, {label} (shipped setup)", f">= {goal:.0%}",
                      pct(value), None if value is None else value >= goal)

    worst_oov = max((c.out_of_scope_accepted for c in shipped
                     if c.out_of_scope_accepted is not None), default=None)
    p95 = clean.latency_p95_ms if clean else None
    rtf = max(c.rtf for c in shipped)
    memory = max((f.peak_rss_mb for f in log.footprints), default=None)
    ready = max((f.ready_s for f in log.footprints), default=None)
    emergency = clean.emergency_recall if clean else None
    return [
        accuracy(clean, 0.90, "clean"), accuracy(noisy, 0.80, "10 dB"),
        Target("emergencies caught, clean speech", "100%", pct(emergency),
               None if emergency is None else emergency == 1.0),
        Target("out-of-scope audio accepted (worst level)", "<= 5%", pct(worst_oov),
               None if worst_oov is None else worst_oov <= 0.05),
        Target("end of speech to first answer sample, p95 (clean)", "<= 400 ms",
               f"{p95:.0f} ms" if p95 is not None else "n/a",
               None if p95 is None else p95 <= 400),
        Target("recogniser real-time factor (worst level)", "<= 0.3", f"{rtf:.3f}",
               rtf <= 0.3),
        Target("peak resident memory (any recogniser)", "<= 250 MB",
               f"{memory:.0f} MB" if memory is not None else "n/a",
               None if memory is None else memory <= 250),
        Target("ready to listen after start (any recogniser)", "<= 3 s",
               f"{ready:.2f} s" if ready is not None else "n/a",
               None if ready is None else ready <= 3),
    ]


def _outputs(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    if args.quick:
        return args.markdown, args.json
    if (args.markdown is None or args.json is None) and not DOCS.is_dir():
        raise BenchError("no docs/ folder here to publish into; give --markdown and --json")
    return (args.markdown or DOCS / "benchmarks.md", args.json or DOCS / "benchmarks.json")


def main(argv: Sequence[str] | None = None, prog: str = "voiceguide bench") -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    shown = list(sys.argv[1:] if argv is None else argv)
    log = Results(shlex.join([*prog.split(), *shown]),
                  datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                  os.cpu_count() or 1, platform.python_version(),
                  f"{platform.system()} {platform.machine()}", args.quick)
    try:
        markdown_path, json_path = _outputs(args)
        guide = Guide.load()
        log.text = text_runs(guide, args.sets, _split(args.peers), log)
        if not args.no_speech:
            speech_run(guide, args, log)
        log.fuzz_seconds = args.fuzz if args.fuzz is not None else (
            QUICK_FUZZ if args.quick else FUZZ_SECONDS)
        if log.fuzz_seconds > 0:
            log.fuzzing = fuzz(log.fuzz_seconds, cache_root() / "fuzz-crashes")
        log.targets = targets(log)
        log.seconds = time.perf_counter() - started
        table = markdown(log)
        if markdown_path is not None:
            write_atomic(markdown_path, table)
        if json_path is not None:
            write_atomic(json_path, as_json(log))
    except VoiceguideError as error:
        print(f"voiceguide bench: error: {error}", file=sys.stderr)
        return 2
    print(table, end="")
    for path in (markdown_path, json_path):
        if path is not None:
            print(f"Written: {path}")
    return 0

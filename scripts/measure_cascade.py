"""The cascade's floors, chosen by measurement, and what it costs: the numbers behind
``RecogniserSettings.cascade_match_floor`` and ``cascade_asr_floor``.

Every clip is decoded once by PocketSphinx and (where asked) once by Whisper, and the
hearings are kept in a JSON-lines cache; the cascade is then replayed on them for any
floors, with the real ``CascadeRecognizer`` and ``SureOfHearing``, so a sweep costs no
more decoding than one run. Intent is graded as the benchmark grades it: acted on the
rendered intent (``accept``), or refused an out-of-scope clip.

    # development: tune on the flite voices, clean and pink noise at 10 dB
    python scripts/measure_cascade.py --voices flite:kal,flite:awb \\
        --conditions clean,10 --tune
    # held out: festival's slt voice and a partner snoring, never tuned on
    python scripts/measure_cascade.py --voices festival:slt --conditions clean,snore:10
    # memory and start-up of a fresh guide process with the cascade
    python scripts/measure_cascade.py --footprint

Whisper is the base test model (``python -m voiceguide.asr.whisper_model``) unless
``--whisper-model`` names another, int8 on one thread, prompted with the domain's words.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.asr import Transcript, transcribe
from voiceguide.asr.cascade import CascadeRecognizer
from voiceguide.asr.choose import DEFAULT_VARIANT
from voiceguide.asr.language_model import build, cache_root
from voiceguide.audio.endpoint import has_speech
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.bench.labelled import OUT_OF_SCOPE, SPOKEN_SET, read_rows
from voiceguide.bench.render import RenderedClip, render
from voiceguide.bench.scoring import percentile
from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY, Match, MatchContext
from voiceguide.match.heard import SureOfHearing, heard_as
from voiceguide.safety import Finding
from voiceguide.sentences import split_sentences

MATCH_FLOORS = (0.0, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)
ASR_FLOORS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ALWAYS = (2.0, 2.0)
"""Floors no hearing reaches: every utterance goes to Whisper."""


@dataclass(frozen=True, slots=True)
class Heard:
    transcript: Transcript
    ms: float


class Replay:
    """A recogniser that gives a recorded hearing back, so the real cascade runs on it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.next: Heard | None = None
        self.used = False

    def start(self) -> None:
        pass

    def accept(self, pcm: bytes) -> Transcript | None:
        return None

    def finish(self) -> Transcript:
        assert self.next is not None, f"{self.name} was not decoded for this clip"
        self.used = True
        return self.next.transcript


def _load(cache: Path) -> dict[str, dict[str, Heard]]:
    found: dict[str, dict[str, Heard]] = defaultdict(dict)
    if cache.is_file():
        for line in cache.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            found[item["clip"]][item["engine"]] = Heard(
                Transcript(item["text"], item["confidence"],
                           alternatives=tuple(item["alternatives"])), item["ms"])
    return found


def _decode(engine: str, recognizer: object, clips: Sequence[RenderedClip],
            found: dict[str, dict[str, Heard]], cache: Path) -> None:
    with cache.open("a", encoding="utf-8") as out:
        for clip in clips:
            if engine in found[clip.path.name]:
                continue
            pcm = pcm_bytes(read_wav(clip.path))
            started = time.perf_counter()
            heard = (transcribe(recognizer, pcm) if has_speech(pcm)  # type: ignore[arg-type]
                     else Transcript("", 0.0))
            ms = (time.perf_counter() - started) * 1000
            found[clip.path.name][engine] = Heard(heard, ms)
            out.write(json.dumps({"clip": clip.path.name, "engine": engine,
                                  "text": heard.text, "confidence": heard.confidence,
                                  "alternatives": list(heard.alternatives), "ms": ms})
                      + "\n")
            out.flush()


@dataclass(frozen=True, slots=True)
class Outcome:
    clip: RenderedClip
    acted: str
    asked: bool
    """An emergency asked about ("Did you say...?") rather than acted on."""
    strong: bool
    asr_ms: float
    """End of speech to the final transcript: PocketSphinx, the judge, Whisper if asked."""
    answer_ms: float
    """The same, then matching."""


class Remembered:
    """The guide's matcher and triage, each text worked out once: a sweep replays the
    same hearings dozens of times."""

    def __init__(self, guide: Guide) -> None:
        self._guide = guide
        self._matches: dict[str, Match] = {}
        self._findings: dict[str, Finding] = {}

    def match(self, text: str, context: MatchContext | None = None) -> Match:
        assert context is None
        if text not in self._matches:
            self._matches[text] = self._guide.matcher.match(text)
        return self._matches[text]

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]:
        return [self.match(text, context) for text in texts]

    def assess(self, text: str) -> Finding:
        if text not in self._findings:
            self._findings[text] = self._guide.triage.assess(text)
        return self._findings[text]


_REMEMBERED: dict[int, Remembered] = {}


def replay(guide: Guide, clips: Sequence[RenderedClip], found: dict[str, dict[str, Heard]],
           floors: tuple[float, float] | None) -> list[Outcome]:
    """``floors`` None: PocketSphinx alone."""
    fast, strong = Replay("pocketsphinx"), Replay("whisper")
    memo = _REMEMBERED.setdefault(id(guide), Remembered(guide))
    judge = SureOfHearing(memo, memo, *(floors or (0.0, 0.0)))  # type: ignore[arg-type]
    cascade = CascadeRecognizer(fast, strong, judge)
    outcomes = []
    for clip in clips:
        heard = found[clip.path.name]
        fast.next, strong.next, strong.used = heard.get("pocketsphinx"), heard.get(
            "whisper"), False
        started = time.perf_counter()
        if floors is None:
            transcript = fast.finish()
        else:
            cascade.start()
            transcript = cascade.finish()
        judged = time.perf_counter()
        match = heard_as(memo.match(transcript.text), transcript,
                         guide.settings.listen, memo)  # type: ignore[arg-type]
        matched = time.perf_counter()
        asr = (fast.next.ms if fast.next else 0.0) + (judged - started) * 1000 + (
            strong.next.ms if strong.used and strong.next else 0.0)
        outcomes.append(Outcome(
            clip, match.intent if match.outcome == "accept" else OUT_OF_SCOPE,
            match.outcome == "confirm", strong.used, asr, asr + (matched - judged) * 1000))
    return outcomes


@dataclass(frozen=True, slots=True)
class Scores:
    clips: int
    in_scope: float
    emergencies: float
    emergencies_or_asked: float
    oov_accepted: float
    to_whisper: float
    p50_ms: float
    p95_ms: float
    p95_fast_ms: float
    p95_strong_ms: float


def score(outcomes: Sequence[Outcome]) -> Scores:
    inside = [o for o in outcomes if o.clip.intent != OUT_OF_SCOPE]
    oov = [o for o in outcomes if o.clip.intent == OUT_OF_SCOPE]
    emergencies = [o for o in outcomes if o.clip.intent == EMERGENCY]
    fast = [o.answer_ms for o in outcomes if not o.strong]
    strong = [o.answer_ms for o in outcomes if o.strong]
    every = [o.answer_ms for o in outcomes]

    def pct(part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else float("nan")

    return Scores(
        len(outcomes),
        pct(sum(o.acted == o.clip.intent for o in inside), len(inside)),
        pct(sum(o.acted == EMERGENCY for o in emergencies), len(emergencies)),
        pct(sum(o.acted == EMERGENCY or o.asked for o in emergencies), len(emergencies)),
        pct(sum(o.acted != OUT_OF_SCOPE for o in oov), len(oov)),
        pct(sum(o.strong for o in outcomes), len(outcomes)),
        percentile(every, 50) if every else float("nan"),
        percentile(every, 95) if every else float("nan"),
        percentile(fast, 95) if fast else float("nan"),
        percentile(strong, 95) if strong else float("nan"))


def _row(name: str, s: Scores) -> str:
    return (f"| {name} | {s.clips} | {s.in_scope:.1f} | {s.emergencies:.1f} "
            f"({s.emergencies_or_asked:.1f}) | {s.oov_accepted:.1f} | {s.to_whisper:.1f} | "
            f"{s.p50_ms:.0f} | {s.p95_ms:.0f} | {s.p95_fast_ms:.0f} | "
            f"{s.p95_strong_ms:.0f} |")


HEADER = ("| setup | clips | in-scope % | emergencies acted (or asked) % | "
          "out-of-scope accepted % | to Whisper % | p50 ms | p95 ms | p95 fast ms | "
          "p95 Whisper ms |\n|---|---|---|---|---|---|---|---|---|---|")


def report(guide: Guide, clips: Sequence[RenderedClip], found: dict[str, dict[str, Heard]],
           floors: tuple[float, float], whisper_alone: bool) -> None:
    by_condition: dict[str, list[RenderedClip]] = defaultdict(list)
    for clip in clips:
        by_condition[clip.snr].append(clip)
    print(HEADER)
    for condition, group in [*sorted(by_condition.items()), ("all", list(clips))]:
        print(_row(f"pocketsphinx, {condition}", score(replay(guide, group, found, None))))
        if whisper_alone:
            print(_row(f"whisper always, {condition}",
                       score(replay(guide, group, found, ALWAYS))))
        print(_row(f"cascade {floors[0]:g}/{floors[1]:g}, {condition}",
                   score(replay(guide, group, found, floors))))


def tune(guide: Guide, clips: Sequence[RenderedClip], found: dict[str, dict[str, Heard]]
         ) -> tuple[float, float]:
    """The floors that send the fewest utterances to Whisper while keeping within one
    point of Whisper-always on in-scope accuracy, catching every emergency it catches
    (acted on or asked about) and accepting no more out-of-scope clips."""
    best = score(replay(guide, clips, found, ALWAYS))
    print(f"whisper always: {best}")
    print("| match floor | asr floor | in-scope % | emergencies (or asked) % | "
          "oov accepted % | to Whisper % |\n|---|---|---|---|---|---|")
    chosen: tuple[float, float] | None = None
    chosen_share = 101.0
    for match_floor in MATCH_FLOORS:
        for asr_floor in ASR_FLOORS:
            s = score(replay(guide, clips, found, (match_floor, asr_floor)))
            print(f"| {match_floor:g} | {asr_floor:g} | {s.in_scope:.1f} | "
                  f"{s.emergencies:.1f} ({s.emergencies_or_asked:.1f}) | "
                  f"{s.oov_accepted:.1f} | {s.to_whisper:.1f} |")
            good = (s.in_scope >= best.in_scope - 1.0
                    and s.emergencies_or_asked >= best.emergencies_or_asked
                    and s.oov_accepted <= best.oov_accepted)
            if good and s.to_whisper < chosen_share:
                chosen, chosen_share = (match_floor, asr_floor), s.to_whisper
    if chosen is None:
        print("no floors keep within a point of Whisper-always: the cascade asks it always")
        return ALWAYS
    print(f"chosen: match floor {chosen[0]:g}, asr floor {chosen[1]:g} "
          f"({chosen_share:.1f}% to Whisper)")
    return chosen


def first_audio(guide: Guide, clips: Sequence[RenderedClip],
                found: dict[str, dict[str, Heard]], floors: tuple[float, float]) -> None:
    """End of speech to the first sample of the answer: the decoders' measured times,
    then, timed here with nothing remembered, the judge, the match and the first
    sentence rendered by the guide's own synthesiser."""
    from voiceguide.speech.synth import EspeakSynthesizer

    synth = EspeakSynthesizer()
    rate = guide.settings.voice.rate
    judge = SureOfHearing(guide.matcher, guide.triage, *floors)
    times: dict[bool, list[float]] = {False: [], True: []}
    for clip in clips:
        fast, strong = Replay("pocketsphinx"), Replay("whisper")
        fast.next, strong.next = (found[clip.path.name].get(name)
                                  for name in ("pocketsphinx", "whisper"))
        assert fast.next is not None and strong.next is not None
        cascade = CascadeRecognizer(fast, strong, judge)
        started = time.perf_counter()
        cascade.start()
        transcript = cascade.finish()
        match = heard_as(guide.matcher.match(transcript.text), transcript,
                         guide.settings.listen, guide.triage)
        first = split_sentences(guide.first_words(match))[:1]
        if first:
            synth.render(first[0], rate)
        here_ms = (time.perf_counter() - started) * 1000
        decoding = fast.next.ms + (strong.next.ms if strong.used else 0.0)
        times[strong.used].append(decoding + here_ms)
    for asked, values in times.items():
        if values:
            print(f"end of speech to first answer sample, "
                  f"{'Whisper asked' if asked else 'PocketSphinx sure'}: "
                  f"{len(values)} clips, p50 {percentile(values, 50):.0f} ms, "
                  f"p95 {percentile(values, 95):.0f} ms")


FOOTPRINT = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from voiceguide.assemble import Parts
from voiceguide.asr import transcribe
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.bench.speech import family_kb
from voiceguide.configure import load_settings
from voiceguide.guide import Guide
settings = load_settings(None, {"recogniser.engine": ("--asr", sys.argv[1]),
                                "recogniser.whisper_model": ("--whisper-model", sys.argv[2])})
guide = Guide.load(None, settings)
recognizer = Parts().recognizer(guide)
ready = time.perf_counter() - started
heard = [transcribe(recognizer, pcm_bytes(read_wav(Path(wav)))).text
         for wav in sys.argv[3:]]
print(json.dumps({"name": recognizer.name, "ready_s": ready, "heard": heard,
                  "rss_mb": family_kb("VmRSS") / 1024, "peak_mb": family_kb("VmHWM") / 1024}))
"""


def footprint(whisper_model: Path, clips: Sequence[RenderedClip]) -> None:
    """A fresh interpreter each, so the start is a cold start of the guide's process
    (language model and word table already cached, as after the first run). Each
    decodes the first clip and the last, so the cascade's peak includes a Whisper
    decode (the last clip of the default set is in noise, where PocketSphinx is unsure).
    Memory is the guide's process and its decoders' together."""
    wavs = [str(clips[0].path), str(clips[-1].path)]
    for engine in ("pocketsphinx", "whisper", "cascade"):
        done = subprocess.run([sys.executable, "-c", FOOTPRINT, engine, str(whisper_model),
                               *wavs], capture_output=True, text=True, check=True)
        print(engine, done.stdout.strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=SPOKEN_SET)
    parser.add_argument("--voices", default="flite:kal,flite:awb")
    parser.add_argument("--conditions", default="clean,10")
    parser.add_argument("--clips", type=Path, default=cache_root() / "speech-cascade")
    parser.add_argument("--whisper-model", type=Path, default=None)
    parser.add_argument("--tune", action="store_true", help="sweep the floors")
    parser.add_argument("--floors", default=None, metavar="MATCH,ASR",
                        help="replay with these floors (default: the settings')")
    parser.add_argument("--needed-only", action="store_true",
                        help="decode with Whisper only the clips these floors send to it "
                             "(no Whisper-always row)")
    parser.add_argument("--speak", action="store_true",
                        help="also time the answer's first sentence (first sample)")
    parser.add_argument("--footprint", action="store_true")
    args = parser.parse_args(argv)
    from voiceguide.asr import whisper_model as fixture

    model = args.whisper_model or fixture.assemble()
    guide = Guide.load()
    rows = read_rows(args.set)
    clips = render(rows, args.clips, args.voices.split(","), args.conditions.split(","))
    if args.footprint:
        footprint(model, clips)
        return 0
    cache = args.clips / "hearings.jsonl"
    found = _load(cache)
    from voiceguide.asr.sphinx import PocketSphinxRecognizer
    from voiceguide.asr.whisper import WhisperRecognizer, domain_prompt

    started = time.perf_counter()
    sphinx = PocketSphinxRecognizer(build(guide.kb, DEFAULT_VARIANT,
                                          (guide.settings.listen.wake_phrase,)))
    _decode("pocketsphinx", sphinx, clips, found, cache)
    asr = guide.settings.recogniser
    floors = (tuple(float(x) for x in args.floors.split(",")) if args.floors
              else (asr.cascade_match_floor, asr.cascade_asr_floor))
    assert len(floors) == 2
    wanted = list(clips)
    if args.needed_only:
        wanted = [o.clip for o in replay(guide, clips, {
            k: {"pocketsphinx": v["pocketsphinx"], "whisper": v["pocketsphinx"]}
            for k, v in found.items() if "pocketsphinx" in v}, floors) if o.strong]
    if any("whisper" not in found[c.path.name] for c in wanted):
        whisper = WhisperRecognizer(model, threads=1, prompt=domain_prompt(guide.kb))
        _decode("whisper", whisper, wanted, found, cache)
        whisper.close()
    print(f"decoding in this run took {time.perf_counter() - started:.0f} s")
    if args.tune:
        floors = tune(guide, clips, found)
    report(guide, clips, found, (floors[0], floors[1]), not args.needed_only)
    if args.speak:
        first_audio(guide, clips, found, (floors[0], floors[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

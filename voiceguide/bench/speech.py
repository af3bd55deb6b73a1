"""The spoken half of the benchmark: rendered clips through every recogniser available,
then through the guide, timed from the end of the recording to the answer's first sample.

Each clip is graded twice: by its words (word error rate against the text it was
rendered from) and by what the guide did with it (acted on the right intent, or refused
an out-of-scope one), because a recogniser can get words wrong and the intent right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceguide.asr import Recognizer
from voiceguide.asr.choose import DEFAULT_VARIANT, find_vosk_model, find_whisper_model
from voiceguide.asr.language_model import build, spoken_form
from voiceguide.audio.denoise import Gate, available
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.bench.labelled import OUT_OF_SCOPE
from voiceguide.bench.render import RenderedClip
from voiceguide.bench.scoring import percentile, share, word_errors
from voiceguide.errors import BenchError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.ask import answer_recording
from voiceguide.match import EMERGENCY
from voiceguide.settings import ListenSettings
from voiceguide.speech.synth import Synthesizer
from voiceguide.speech.voice import Voice

SPHINX_VARIANTS = ("generic", "domain", "mix")
BYTES_PER_SECOND = 32000


WHISPER_ENGINES = ("whisper", "cascade")


@dataclass(frozen=True, slots=True)
class Setup:
    """One recogniser configuration: PocketSphinx with a language model variant, Vosk
    with a model folder, or Whisper alone or in the cascade with a model folder."""

    engine: str
    variant: str
    denoise: str = "off"
    """RNNoise in front of the recogniser: ``off``, ``on`` (gated on the room's noise, as
    the guide runs it) or ``always`` (ungated, to measure the gate)."""

    @property
    def shipped(self) -> bool:
        """The guide as installed here runs it: without RNNoise where it is missing."""
        return (self.engine == "pocketsphinx" and self.variant == DEFAULT_VARIANT
                and self.denoise == ("on" if ListenSettings().denoise and available()
                                     else "off"))

    @property
    def gate(self) -> Gate | None:
        return Gate(always=True) if self.denoise == "always" else None

    @property
    def name(self) -> str:
        suffix = {"off": "", "on": " +RNNoise", "always": " +RNNoise ungated"}[self.denoise]
        suffix += " (shipped)" if self.shipped else ""
        if self.engine in ("vosk", *WHISPER_ENGINES):
            return f"{self.engine}:{Path(self.variant).name}{suffix}"
        return f"pocketsphinx:{self.variant}{suffix}"

    def make(self, guide: Guide) -> Recognizer:
        extra = (guide.settings.listen.wake_phrase,)
        if self.engine in ("vosk", *WHISPER_ENGINES):
            from voiceguide.asr.choose import make_recognizer
            from voiceguide.match.heard import SureOfHearing

            asr = guide.settings.recogniser
            if self.engine == "vosk":
                return make_recognizer(guide.kb, "vosk", Path(self.variant), extra=extra)
            sure = SureOfHearing(guide.matcher, guide.triage, asr.cascade_match_floor,
                                 asr.cascade_asr_floor)
            return make_recognizer(guide.kb, self.engine, extra=extra,
                                   whisper_model=Path(self.variant), threads=asr.threads,
                                   sure=sure)
        from voiceguide.asr.sphinx import PocketSphinxRecognizer

        return PocketSphinxRecognizer(build(guide.kb, self.variant, extra))


DENOISE_MODES = ("off", "on", "always")


def available_setups(variants: Sequence[str], vosk: bool,
                     denoise: Sequence[str] = ("off",),
                     whisper: Sequence[str] = ()) -> tuple[list[Setup], list[str]]:
    """The setups to run, each in every noise suppression mode of ``denoise``, and a
    sentence for each that cannot run here. ``whisper``: any of ``whisper`` and
    ``cascade``."""
    skipped = []
    if set(denoise) - {"off"} and not available():
        skipped.append("RNNoise: pyrnnoise is not installed, so noise suppression was not "
                       "measured")
        denoise = ["off"]
    setups = [Setup("pocketsphinx", v, d) for v in variants for d in denoise]
    if vosk:
        model = find_vosk_model()
        if model is None:
            skipped.append("Vosk: no model installed (`voiceguide models download`), so it "
                           "was not measured")
        else:
            setups += [Setup("vosk", str(model), d) for d in denoise]
    if whisper:
        found = find_whisper_model()
        if found is None:
            skipped.append(f"{' and '.join(whisper)}: no Whisper model installed "
                           "(`voiceguide models download whisper-base.en`), so not measured")
        else:
            setups += [Setup(engine, str(found), d) for engine in whisper for d in denoise]
    return setups, skipped


@dataclass(frozen=True, slots=True)
class ClipResult:
    clip: RenderedClip
    heard: str
    acted_on: str
    """The intent the guide acted on; ``out_of_scope`` when it refused or asked again."""
    errors: int
    words: int
    seconds: float
    asr_ms: float
    first_audio_ms: float
    denoise_ms: float = 0.0

    @property
    def right(self) -> bool:
        return self.acted_on == self.clip.intent


@dataclass(frozen=True, slots=True)
class SpeechCell:
    """One recogniser at one noise level, over every voice."""

    setup: str
    snr: str
    clips: int
    wer: float
    in_scope_accuracy: float | None
    emergency_recall: float | None
    out_of_scope_accepted: float | None
    rtf: float
    """Recognition time (noise suppression included) over audio time."""
    latency_p50_ms: float
    latency_p95_ms: float
    by_voice: dict[str, float | None] = field(default_factory=dict)
    """In-scope accuracy per voice."""


def run_clip(guide: Guide, recognizer: Recognizer, clip: RenderedClip,
             synth: Synthesizer | None, voice: Voice, setup: Setup | None = None
             ) -> ClipResult:
    pcm = pcm_bytes(read_wav(clip.path))
    denoise = setup is not None and setup.denoise != "off"
    answer = answer_recording(guide, recognizer, pcm, synth, voice.rate, denoise,
                              setup.gate if setup else None)
    acted = answer.match.intent if answer.match.outcome == "accept" else OUT_OF_SCOPE
    reference = spoken_form(clip.text)
    return ClipResult(clip, answer.transcript.text, acted,
                      word_errors(reference, answer.transcript.text),
                      len(reference.split()), len(pcm) / BYTES_PER_SECOND, answer.asr_ms,
                      answer.first_audio_ms, answer.denoise_ms)


def cells(setup: Setup, results: Sequence[ClipResult]) -> list[SpeechCell]:
    by_snr: dict[str, list[ClipResult]] = defaultdict(list)
    for result in results:
        by_snr[result.clip.snr].append(result)
    found = []
    for snr, group in by_snr.items():
        inside = [r for r in group if r.clip.intent != OUT_OF_SCOPE]
        oov = [r for r in group if r.clip.intent == OUT_OF_SCOPE]
        emergencies = [r for r in group if r.clip.intent == EMERGENCY]
        voices: dict[str, list[ClipResult]] = defaultdict(list)
        for r in inside:
            voices[r.clip.voice].append(r)
        latencies = [r.first_audio_ms for r in group]
        found.append(SpeechCell(
            setup.name, snr, len(group),
            sum(r.errors for r in group) / max(1, sum(r.words for r in group)),
            share(sum(r.right for r in inside), len(inside)),
            share(sum(r.right for r in emergencies), len(emergencies)),
            share(sum(r.acted_on != OUT_OF_SCOPE for r in oov), len(oov)),
            sum(r.asr_ms + r.denoise_ms for r in group) / 1000 / sum(r.seconds for r in group),
            percentile(latencies, 50), percentile(latencies, 95),
            {v: share(sum(r.right for r in rs), len(rs)) for v, rs in sorted(voices.items())}))
    return found


@dataclass(frozen=True, slots=True)
class Footprint:
    setup: str
    ready_s: float
    """From starting a fresh process to a recogniser ready to listen, with the language
    model already cached (the first start after a content change also builds it)."""
    peak_rss_mb: float
    """Peak resident memory of that process after answering one clip out loud."""


def footprint(setup: Setup, clip: Path) -> Footprint:
    """A separate process, so the benchmark's own memory (clips, peers, torch) is not
    counted and the start is a real cold start of the interpreter."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide.bench.probe", setup.engine, setup.variant,
         setup.denoise, str(clip)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    ready = time.perf_counter() - started
    rest, problem = process.communicate()
    try:
        peak_kb = json.loads(rest)["peak_kb"]
    except (ValueError, KeyError):
        peak_kb = None
    if first.strip() != "ready" or process.returncode != 0 or peak_kb is None:
        last = (problem.strip().splitlines() or [rest.strip() or "no output"])[-1]
        raise BenchError(f"the memory probe for {setup.name} failed: {last}")
    return Footprint(setup.name, ready, peak_kb / 1024)


def peak_resident_kb() -> int:
    """The process's own high-water mark, plus those of the helpers it started and still
    runs (the PocketSphinx decoder has a process of its own): a bound on the guide's
    whole footprint. Not the parent's ``wait4`` usage: a child's ``ru_maxrss`` keeps
    what it held between fork and exec, the whole benchmark."""
    if not Path("/proc/self/status").exists():
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return family_kb("VmHWM")


def family_kb(field: str) -> int:
    """``field`` of ``/proc/PID/status`` (``VmRSS``, ``VmHWM``), in kB, summed over this
    process and its children."""
    me = str(os.getpid())
    total = _status_kb(Path("/proc/self/status"), field)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                total += _status_kb(stat.with_name("status"), field)
        except (OSError, IndexError):
            continue  # gone meanwhile
    return total


def _status_kb(status: Path, field: str) -> int:
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def probe_main(argv: Sequence[str]) -> int:
    """Child side of :func:`footprint`: ``ready`` once listening could start, then the
    answer to one clip, so its peak memory covers recognition and speech."""
    from voiceguide.speech.synth import EspeakSynthesizer

    engine, variant, denoise, wav = argv
    guide = Guide.load()
    setup = Setup(engine, variant, denoise)
    recognizer = setup.make(guide)
    print("ready", flush=True)
    try:
        answer = answer_recording(guide, recognizer, pcm_bytes(read_wav(Path(wav))),
                                  EspeakSynthesizer(), Voice().rate, denoise != "off",
                                  setup.gate)
    except VoiceguideError as error:
        print(error, file=sys.stderr)
        return 1
    print(json.dumps({"heard": answer.transcript.text, "intent": answer.match.intent,
                      "peak_kb": peak_resident_kb()}))
    return 0

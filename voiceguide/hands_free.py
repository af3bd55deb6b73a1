"""The spoken commands: ``listen``, ``ask``, ``transcribe``, ``say`` and ``models``.

Each builds its stages from the same options (recogniser, voice, input, output) and
hands them to library code; nothing here decides what the guide says.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from voiceguide.asr import Recognizer
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.sinks import AudioSink, SoundDeviceSink, WavSink
from voiceguide.audio.sources import (
    AudioSource,
    MicrophoneSource,
    WavSource,
    parse_input,
)
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.clock import Clock, ManualClock, SystemClock
from voiceguide.config import MAX_VOLUME, MIN_VOLUME
from voiceguide.dialogue.events import Say, SetVoice, SpeechEvent
from voiceguide.errors import AudioFileError, PrefsError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.ask import answer_recording, hear
from voiceguide.loop.live import HeardTurn, VoiceLoop, WakeSpotter
from voiceguide.loop.session import Session
from voiceguide.prefs import Prefs, load_prefs, save_prefs
from voiceguide.service.keys import read_keys
from voiceguide.speech.speakers import MAX_RATE, MIN_RATE, Voice, stamp
from voiceguide.speech.synth import Pyttsx3Synthesizer, Synthesizer, voices
from voiceguide.speech.voiced import VoiceSpeaker

_LOGGER = logging.getLogger(__name__)

LONGEST_REQUEST = 60.0
"""Seconds of recording ``ask`` and ``transcribe`` take: one request, with room around
it. The live loop cuts an utterance at 12 s anyway; a longer recording is a night, for
``listen --input``."""


def add_voice_options(parser: argparse.ArgumentParser) -> None:
    """Options every spoken command shares."""
    parser.add_argument("--asr", choices=("auto", "pocketsphinx", "vosk"), default="auto",
                        help="recogniser: auto takes Vosk when a model is installed "
                             "(default: %(default)s)")
    parser.add_argument("--model", type=Path, metavar="PATH",
                        help="a Vosk model folder (default: models/ or "
                             "$VOICEGUIDE_VOSK_MODEL)")
    parser.add_argument("--voice", metavar="ID", help="speech voice; see `voiceguide voices`")
    parser.add_argument("--rate", type=int, metavar="WPM",
                        help=f"speech rate, {MIN_RATE} to {MAX_RATE} words a minute "
                             f"(default: {Voice().rate}, or as last set by voice)")
    parser.add_argument("--volume", type=float, metavar="0..1",
                        help=f"speech volume (default: {Voice().volume}, or as last set)")


def add_loop_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--activation", choices=("wake", "always", "key"),
                        help="when the guide listens while idle (default: always)")
    parser.add_argument("--wake-phrase", metavar="WORDS", help="(default: 'hello guide')")
    add_file_options(parser)
    parser.add_argument("--captions", action="store_true",
                        help="also print what is heard and said")


def add_file_options(parser: argparse.ArgumentParser) -> None:
    """Files in place of the microphone and speaker: tests, demonstrations."""
    parser.add_argument("--input", metavar="wav:A.wav,B.wav",
                        help="speak these files into the guide instead of the microphone; "
                             "a number is seconds of quiet")
    parser.add_argument("--fast", action="store_true",
                        help="with --input: run on a simulated clock, not in real time")
    parser.add_argument("--output", metavar="wav:OUT.wav",
                        help="record what the guide says instead of playing it")


def _voice(args: argparse.Namespace, base: Voice | None = None) -> Voice:
    """``--rate`` and ``--volume`` where given, else ``base``: the saved settings."""
    base = base or Voice()
    rate = base.rate if args.rate is None else args.rate
    volume = base.volume if args.volume is None else args.volume
    if not MIN_RATE <= rate <= MAX_RATE:
        raise VoiceguideError(f"--rate {rate} is out of range; give {MIN_RATE} to "
                              f"{MAX_RATE}")
    if not MIN_VOLUME <= volume <= MAX_VOLUME:
        raise VoiceguideError(f"--volume {volume} is out of range; give {MIN_VOLUME:g} to "
                              f"{MAX_VOLUME:g}")
    return Voice(rate, volume)


def _recognizer(guide: Guide, args: argparse.Namespace) -> Recognizer:
    return make_recognizer(guide.kb, args.asr, args.model,
                           extra=(guide.settings.listen.wake_phrase,))


def output_path(spec: str) -> Path:
    kind, _, rest = spec.partition(":")
    if kind != "wav" or not rest:
        raise AudioFileError(f"--output {spec!r} is not understood; give wav:OUT.wav")
    path = Path(rest)
    if not path.parent.is_dir():
        raise AudioFileError(f"the folder for {path} does not exist; create it first")
    return path


@dataclass
class _Captions:
    clock: Clock

    def write(self, text: str) -> None:
        """Flushed at once: a caption is for someone reading along now, and for a
        screen reader or kiosk page following the output live."""
        if text.strip():
            sys.stdout.write(f"{stamp(self.clock.monotonic())} {text}")
            sys.stdout.flush()

    def flush(self) -> None:
        sys.stdout.flush()


def listen(guide: Guide, args: argparse.Namespace) -> None:
    """The live loop, on the microphone or on files."""
    if args.fast and not args.input:
        raise VoiceguideError("--fast needs --input wav:FILE.wav (a microphone runs in "
                              "real time)")
    items = parse_input(args.input) if args.input else None
    clock: Clock = ManualClock() if args.fast else SystemClock()
    settings = guide.settings.listen
    recognizer = _recognizer(guide, args)
    saved = load_prefs()
    voice = _voice(args, Voice(saved.rate, saved.volume))
    synth = Pyttsx3Synthesizer(args.voice or saved.voice or None)
    sink: AudioSink = (WavSink(output_path(args.output), clock) if args.output
                       else SoundDeviceSink(clock))
    captions = _Captions(clock) if args.captions or args.output else None

    def spoken(event: SpeechEvent) -> None:
        if isinstance(event, SetVoice):
            keep.voice()

    speaker = VoiceSpeaker(synth, sink, clock, voice, captions, observer=spoken)
    keep = _Keeper(saved, speaker, args.voice)
    session = Session(guide, speaker, clock, speech_ends=speaker.ends_at)
    wake = (WakeSpotter(settings.wake_phrase, settings.wake_threshold)
            if settings.activation == "wake" else None)

    def show(turn: HeardTurn) -> None:
        if captions is not None and turn.why != "wake":
            captions.write(f"heard: {turn.transcript.text or '(nothing)'}  "
                           f"[{turn.why}]\n")

    loop = VoiceLoop(session, recognizer, speaker, sink, settings, wake, on_turn=show)
    source: AudioSource = (WavSource(items, clock, fast=args.fast,
                                     ready=loop.waiting_for_person, settled=loop.settled)
                           if items is not None else MicrophoneSource())
    if settings.activation == "key" or sys.stdin.isatty():
        threading.Thread(target=read_keys, args=(loop.command,), daemon=True,
                         name="voiceguide-keys").start()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        loop.run(source, first_time=not saved.intro_done)
        keep.intro_heard()
    except Terminated:
        _LOGGER.info("stopped by SIGTERM")
    finally:
        source.close()
        sink.close()


class Terminated(BaseException):
    """SIGTERM (a service manager stopping the guide): end now, closing the devices and
    finishing any recording, mid-routine or not. Not an ``Exception``, as SystemExit
    is not: the handlers that keep the night going when a voice or a microphone fails
    must not take it for such a failure and carry on."""


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated


class _Keeper:
    """Saves the person's voice settings when they change them, and that the first-run
    introduction was heard. A save that fails is logged; the night goes on."""

    def __init__(self, saved: Prefs, speaker: VoiceSpeaker, voice_id: str | None) -> None:
        self._saved = saved
        self._speaker = speaker
        if voice_id or speaker.voice != Voice(saved.rate, saved.volume):
            self._save(replace(saved, rate=speaker.voice.rate, volume=speaker.voice.volume,
                               voice=voice_id or saved.voice))

    def voice(self) -> None:
        now = self._speaker.voice
        if (now.rate, now.volume) != (self._saved.rate, self._saved.volume):
            self._save(replace(self._saved, rate=now.rate, volume=now.volume))

    def intro_heard(self) -> None:
        if not self._saved.intro_done:
            self._save(replace(self._saved, intro_done=True))

    def _save(self, prefs: Prefs) -> None:
        try:
            save_prefs(prefs)
        except PrefsError as error:
            _LOGGER.warning("%s", error)
            return
        self._saved = prefs


def ask(guide: Guide, args: argparse.Namespace) -> None:
    """One JSON line (or one text line) per file: what was heard and what it means."""
    recognizer = _recognizer(guide, args)
    synth: Synthesizer | None = None if args.no_speech else Pyttsx3Synthesizer(args.voice)
    voice = _voice(args)
    for path in args.wav:
        try:
            pcm = pcm_bytes(read_wav(path, longest=LONGEST_REQUEST))
        except AudioFileError as error:
            _emit(args, {"file": str(path), "error": str(error)})
            continue
        answer = answer_recording(guide, recognizer, pcm, synth, voice.rate)
        _emit(args, {
            "file": str(path), "transcript": answer.transcript.text,
            "asr_confidence": round(answer.transcript.confidence, 3),
            **{k: v for k, v in answer.match.to_json().items() if k != "response"},
            "response": answer.response, "recognizer": recognizer.name,
            "asr_ms": round(answer.asr_ms, 1),
            "match_ms": round(answer.match_ms, 2),
            "first_audio_ms": round(answer.first_audio_ms, 1),
        })


def _emit(args: argparse.Namespace, record: dict[str, object]) -> None:
    if args.json:
        print(json.dumps(record), flush=True)
    elif "error" in record:
        print(f"{record['file']}: error: {record['error']}", flush=True)
    else:
        print(f"{record['file']}: {record['intent']} {record['confidence']:.2f} "
              f"\"{record['transcript']}\"", flush=True)


def transcribe_files(guide: Guide, args: argparse.Namespace) -> None:
    recognizer = _recognizer(guide, args)
    for path in args.wav:
        text = hear(recognizer, pcm_bytes(read_wav(path, longest=LONGEST_REQUEST))).text
        print(text if len(args.wav) == 1 else f"{path}\t{text}", flush=True)


def say(args: argparse.Namespace) -> None:
    """Speak ``TEXT`` on the speaker, or into a WAV file with ``--out``."""
    text = " ".join(args.text).strip()
    if not text:
        raise VoiceguideError("give the words to say, for example: voiceguide say hello")
    voice = _voice(args)
    clock = ManualClock() if args.out is not None else SystemClock()
    sink: AudioSink = WavSink(args.out, clock) if args.out is not None \
        else SoundDeviceSink(clock)
    VoiceSpeaker(Pyttsx3Synthesizer(args.voice), sink, clock, voice).speak(Say(text, "say"))
    while args.out is None and sink.busy():
        time.sleep(0.05)
    sink.close()


def list_voices() -> None:
    for voice_id, name in voices():
        print(f"{voice_id:<28} {name}")


def models(argv: Sequence[str]) -> int:
    from voiceguide.asr.download import main as download_main

    return download_main(list(argv))


def health(args: argparse.Namespace) -> int:
    """No guide is loaded: a timer runs this every minute."""
    from voiceguide.service.health import check, default_health_file, valid_limit

    fresh, line = check(args.file or default_health_file(), valid_limit(args.limit))
    print(line)
    return 0 if fresh else 1

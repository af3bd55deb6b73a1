"""The spoken commands: ``listen``, ``ask``, ``transcribe``, ``say`` and ``models``.

Each builds its stages from the same options (recogniser, voice, input, output) and
hands them to library code; nothing here decides what the guide says.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceguide.asr import Recognizer, transcribe
from voiceguide.asr.select import make_recognizer
from voiceguide.audio.pcm import pcm_bytes, read_wav
from voiceguide.audio.sinks import AudioSink, SoundDeviceSink, WavSink
from voiceguide.audio.sources import (
    AudioSource,
    MicrophoneSource,
    WavSource,
    parse_input,
)
from voiceguide.clock import Clock, ManualClock, SystemClock
from voiceguide.dialogue.events import Say
from voiceguide.errors import AudioFileError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.listen import HeardTurn, VoiceLoop, WakeSpotter, heard_as
from voiceguide.runtime import Session
from voiceguide.speaker import MAX_RATE, MIN_RATE, Voice, stamp
from voiceguide.speech_out import VoiceSpeaker
from voiceguide.tts import Pyttsx3Synthesizer, Synthesizer, sentences, voices


def add_voice_options(parser: argparse.ArgumentParser) -> None:
    """Options every spoken command shares."""
    parser.add_argument("--asr", choices=("auto", "pocketsphinx", "vosk"), default="auto",
                        help="recogniser: auto takes Vosk when a model is installed "
                             "(default: %(default)s)")
    parser.add_argument("--model", type=Path, metavar="PATH",
                        help="a Vosk model folder (default: models/ or "
                             "$VOICEGUIDE_VOSK_MODEL)")
    parser.add_argument("--voice", metavar="ID", help="speech voice; see `voiceguide voices`")
    parser.add_argument("--rate", type=int, default=Voice().rate, metavar="WPM",
                        help=f"speech rate, {MIN_RATE} to {MAX_RATE} words a minute "
                             "(default: %(default)s)")
    parser.add_argument("--volume", type=float, default=Voice().volume, metavar="0..1",
                        help="speech volume (default: %(default)s)")


def add_loop_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--activation", choices=("wake", "always", "key"),
                        help="when the guide listens while idle (default: always)")
    parser.add_argument("--wake-phrase", metavar="WORDS", help="(default: 'hello guide')")
    parser.add_argument("--input", metavar="wav:A.wav,B.wav",
                        help="speak these files into the guide instead of the microphone; "
                             "a number is seconds of quiet")
    parser.add_argument("--fast", action="store_true",
                        help="with --input: run on a simulated clock, not in real time")
    parser.add_argument("--output", metavar="wav:OUT.wav",
                        help="record what the guide says instead of playing it")
    parser.add_argument("--captions", action="store_true",
                        help="also print what is heard and said")


def _voice(args: argparse.Namespace) -> Voice:
    if not MIN_RATE <= args.rate <= MAX_RATE:
        raise VoiceguideError(f"--rate {args.rate} is out of range; give {MIN_RATE} to "
                              f"{MAX_RATE}")
    if not 0.05 <= args.volume <= 1.0:
        raise VoiceguideError(f"--volume {args.volume} is out of range; give 0.05 to 1")
    return Voice(args.rate, args.volume)


def _recognizer(guide: Guide, args: argparse.Namespace) -> Recognizer:
    return make_recognizer(guide.kb, args.asr, args.model,
                           extra=(guide.settings.listen.wake_phrase,))


def _output_path(spec: str) -> Path:
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
    synth = Pyttsx3Synthesizer(args.voice)
    sink: AudioSink = (WavSink(_output_path(args.output), clock) if args.output
                       else SoundDeviceSink(clock))
    captions = _Captions(clock) if args.captions or args.output else None
    speaker = VoiceSpeaker(synth, sink, clock, _voice(args), captions)
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
    if settings.activation == "key":
        threading.Thread(target=_read_keys, args=(loop,), daemon=True,
                         name="voiceguide-keys").start()
    try:
        loop.run(source)
    finally:
        source.close()
        sink.close()


def ask(guide: Guide, args: argparse.Namespace) -> None:
    """One JSON line (or one text line) per file: what was heard and what it means."""
    recognizer = _recognizer(guide, args)
    synth: Synthesizer | None = None if args.no_speech else Pyttsx3Synthesizer(args.voice)
    voice = _voice(args)
    for path in args.wav:
        try:
            pcm = pcm_bytes(read_wav(path))
        except AudioFileError as error:
            _emit(args, {"file": str(path), "error": str(error)})
            continue
        started = time.perf_counter()
        transcript = transcribe(recognizer, pcm)
        asr_done = time.perf_counter()
        match = heard_as(guide.matcher.match(transcript.text), transcript,
                         guide.settings.listen.asr_floor)
        match_done = time.perf_counter()
        response = guide.first_words(match)
        first = sentences(response)[:1]
        if synth is not None and first:
            synth.render(first[0], voice.rate)
        first_audio = time.perf_counter()
        _emit(args, {
            "file": str(path), "transcript": transcript.text,
            "asr_confidence": round(transcript.confidence, 3),
            **{k: v for k, v in match.to_json().items() if k != "response"},
            "response": response, "recognizer": recognizer.name,
            "asr_ms": round((asr_done - started) * 1000, 1),
            "match_ms": round((match_done - asr_done) * 1000, 2),
            "first_audio_ms": round((first_audio - started) * 1000, 1),
        })


def _read_keys(loop: VoiceLoop) -> None:
    """Space (or Enter, when standard input is not a terminal) opens the listening
    window."""
    if not sys.stdin.isatty():
        for _line in sys.stdin:
            loop.key_pressed()
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        while key := sys.stdin.read(1):
            if key in " \n":
                loop.key_pressed()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


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
        text = transcribe(recognizer, pcm_bytes(read_wav(path))).text
        print(text if len(args.wav) == 1 else f"{path}\t{text}", flush=True)


def say(args: argparse.Namespace) -> None:
    """Speak ``TEXT`` on the speaker, or into a WAV file with ``--out``."""
    text = " ".join(args.text).strip()
    if not text:
        raise VoiceguideError("give the words to say, for example: voiceguide say hello")
    clock = ManualClock() if args.out is not None else SystemClock()
    sink: AudioSink = WavSink(args.out, clock) if args.out is not None \
        else SoundDeviceSink(clock)
    VoiceSpeaker(Pyttsx3Synthesizer(args.voice), sink, clock, _voice(args)).speak(
        Say(text, "say"))
    while args.out is None and sink.busy():
        time.sleep(0.05)
    sink.close()


def list_voices() -> None:
    for voice_id, name in voices():
        print(f"{voice_id:<28} {name}")


def models(argv: Sequence[str]) -> int:
    from voiceguide.asr.download import main as download_main

    return download_main(list(argv))

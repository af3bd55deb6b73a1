"""The spoken commands: ``listen``, ``ask``, ``transcribe``, ``say``, ``voices``."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import time

from voiceguide.assemble import Assembly
from voiceguide.audio.sinks import WavSink
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.clock import ManualClock, SystemClock
from voiceguide.dialogue.events import Say
from voiceguide.errors import AudioFileError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.ask import answer_recording, hear
from voiceguide.speech.synth import Synthesizer, voices
from voiceguide.speech.voice import Voice
from voiceguide.speech.voiced import VoiceSpeaker

_LOGGER = logging.getLogger(__name__)

LONGEST_REQUEST = 60.0
"""Seconds of recording ``ask`` and ``transcribe`` take: one request, with room around
it. The live loop cuts an utterance at 12 s anyway; a longer recording is a night, for
``listen --input``."""


class Terminated(BaseException):
    """SIGTERM (a service manager stopping the guide): end now, closing the devices and
    finishing any recording, mid-routine or not. Not an ``Exception``, as SystemExit
    is not: the handlers that keep the night going when a voice or a microphone fails
    must not take it for such a failure and carry on."""


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated


def listen(assembly: Assembly, guide: Guide) -> None:
    """The live loop, on the microphone or on files."""
    bedside = assembly.bedside(guide)
    bedside.keys()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        bedside.run()
    except Terminated:
        _LOGGER.info("stopped by SIGTERM")


def ask(assembly: Assembly, guide: Guide, args: argparse.Namespace) -> None:
    """One JSON line (or one text line) per file: what was heard and what it means."""
    recognizer = assembly.parts.recognizer(guide)
    denoise = assembly.denoise()
    synth: Synthesizer | None = None if args.no_speech else assembly.parts.synthesizer(
        assembly.settings.voice.voice)
    for path in args.wav:
        try:
            pcm = pcm_bytes(read_wav(path, longest=LONGEST_REQUEST))
        except AudioFileError as error:
            _emit(args, {"file": str(path), "error": str(error)})
            continue
        answer = answer_recording(guide, recognizer, pcm, synth, assembly.settings.voice.rate,
                                  denoise)
        _emit(args, {
            "file": str(path), "transcript": answer.transcript.text,
            "asr_confidence": round(answer.transcript.confidence, 3),
            **{k: v for k, v in answer.match.to_json().items() if k != "response"},
            "response": answer.response, "recognizer": recognizer.name,
            "asr_ms": round(answer.asr_ms, 1),
            "match_ms": round(answer.match_ms, 2),
            "first_audio_ms": round(answer.first_audio_ms, 1),
            "denoised": denoise, "denoise_ms": round(answer.denoise_ms, 1),
        })


def _emit(args: argparse.Namespace, record: dict[str, object]) -> None:
    if args.json:
        print(json.dumps(record), flush=True)
    elif "error" in record:
        print(f"{record['file']}: error: {record['error']}", flush=True)
    else:
        print(f"{record['file']}: {record['intent']} {record['confidence']:.2f} "
              f"\"{record['transcript']}\"", flush=True)


def transcribe(assembly: Assembly, guide: Guide, args: argparse.Namespace) -> None:
    recognizer = assembly.parts.recognizer(guide)
    denoise = assembly.denoise()
    for path in args.wav:
        text = hear(recognizer, pcm_bytes(read_wav(path, longest=LONGEST_REQUEST)),
                    denoise).text
        print(text if len(args.wav) == 1 else f"{path}\t{text}", flush=True)


def say(assembly: Assembly, args: argparse.Namespace) -> None:
    """Speak ``TEXT`` on the speaker, or into a WAV file with ``--out``."""
    text = " ".join(args.text).strip()
    if not text:
        raise VoiceguideError("give the words to say, for example: voiceguide say hello")
    settings = assembly.settings
    clock = ManualClock() if args.out is not None else SystemClock()
    sink = WavSink(args.out, clock) if args.out is not None else assembly.parts.speaker(clock)
    VoiceSpeaker(assembly.parts.synthesizer(settings.voice.voice), sink, clock,
                 Voice.of(settings.voice)).speak(Say(text, "say"))
    while args.out is None and sink.busy():
        time.sleep(0.05)
    sink.close()


def list_voices() -> None:
    for voice_id, name in voices():
        print(f"{voice_id:<28} {name}")

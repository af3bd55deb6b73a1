"""``voiceguide kiosk``: the kiosk's stages built from its configuration file, and how
it meets its service manager (exit status, readiness, watchdog, SIGTERM).

What fails to start at run time (recogniser, speech engine, speaker, microphone,
captions port) is logged and worked around. What only an edit can fix (the
configuration file, the log file, the content folder, the articles' index) stops it
with exit status 78, on which the systemd unit does not restart it.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading

from voiceguide.asr import Recognizer
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.sinks import AudioSink, SoundDeviceSink, TimelineSink, WavSink
from voiceguide.audio.sources import AudioSource, MicrophoneSource, WavSource, parse_input
from voiceguide.captions.board import CaptionBoard
from voiceguide.captions.keeper import ScreenKeeper
from voiceguide.captions.server import CaptionServer, parse_address
from voiceguide.clock import Clock, ManualClock, SystemClock
from voiceguide.config import MAX_IDLE, MIN_IDLE, KioskConfig
from voiceguide.errors import (
    ConfigError,
    DocumentError,
    KnowledgeBaseError,
    LogFileError,
    VoiceguideError,
)
from voiceguide.guide import Guide
from voiceguide.hands_free import output_path
from voiceguide.loop.kiosk import DeafRecognizer, Kiosk, KioskSettings
from voiceguide.service.health import Heartbeat
from voiceguide.service.keys import read_keys
from voiceguide.service.sdnotify import notifier
from voiceguide.service.turnlog import TurnLog
from voiceguide.speech.synth import Pyttsx3Synthesizer, Synthesizer

EXIT_CONFIG = 78
"""EX_CONFIG: the kiosk's unit does not restart on it, since only an edit can fix it."""

SETUP_ERRORS = (ConfigError, LogFileError, KnowledgeBaseError, DocumentError)
"""What stops the kiosk with ``EXIT_CONFIG``: each names a file or key to correct, and
restarting every two seconds would only fill the journal."""


def idle_timeout(given: float | None, configured: float) -> float:
    """``--idle-timeout`` checked as ``[kiosk] idle_timeout`` is; the configured value
    when it is not given (0 is given, and refused: there is no "never")."""
    if given is None:
        return configured
    if not (math.isfinite(given) and MIN_IDLE <= given <= MAX_IDLE):
        raise ConfigError(f"--idle-timeout {given:g} is out of range; give {MIN_IDLE:g} to "
                          f"{MAX_IDLE:g} seconds")
    return given


def run(args: argparse.Namespace, config: KioskConfig, guide: Guide) -> int:
    """The unattended loop until SIGTERM (or the end of ``--input``)."""
    if args.fast and not args.input:
        raise VoiceguideError("--fast needs --input wav:FILE.wav (a microphone runs in "
                              "real time)")
    idle = idle_timeout(args.idle_timeout, config.kiosk.idle_timeout)
    items = parse_input(args.input) if args.input else None
    captions = config.captions
    address = parse_address(args.captions) if args.captions else captions.address
    settings = guide.settings
    log = TurnLog(config.log.file, config.log.transcripts)
    clock: Clock = ManualClock() if args.fast else SystemClock()
    try:
        recognizer: Recognizer = make_recognizer(
            guide.kb, config.recogniser.engine, config.recogniser.model,
            extra=(settings.listen.wake_phrase,))
    except Exception as error:
        log.event("recogniser_unavailable", error=str(error)[:200])
        recognizer = DeafRecognizer()
    try:
        synth: Synthesizer | None = Pyttsx3Synthesizer(config.speech.voice or None)
    except VoiceguideError as error:
        log.event("speech_unavailable", error=str(error)[:200])
        synth = None
    sink = _sink(args, clock, log)
    board = None
    screen = None
    if captions.enabled or args.captions:
        board = shown = CaptionBoard(clock.monotonic, night=captions.night)
        # The voice matters more than the screen: it carries on while the port is tried.
        screen = ScreenKeeper(lambda: CaptionServer(
            shown, *address, allow_remote=captions.allow_remote, token=captions.token,
            hosts=captions.hosts), log.event)
        screen.start()
    kiosk_settings = KioskSettings(idle_timeout=idle, rate=config.speech.rate,
                                   volume=config.speech.volume, listen=settings.listen)

    def open_source() -> AudioSource:
        if items is None:
            return MicrophoneSource()
        loop = machine.loop
        # With push-to-talk, a file is spoken once Talk (or space) has been pressed.
        keyed = settings.listen.activation == "key"
        return WavSource(items, clock, fast=args.fast, settled=loop.settled,
                         ready=lambda: loop.waiting_for_person() and (
                             not keyed or loop.listening()))

    systemd = notifier()
    machine = Kiosk(guide, kiosk_settings, clock=clock, recognizer=recognizer, synth=synth,
                    sink=sink, open_source=open_source, board=board, log=log,
                    heartbeat=Heartbeat(config.kiosk.health_file), notifier=systemd)
    signal.signal(signal.SIGTERM, lambda *_: machine.stop_requested.set())
    if sys.stdin.isatty():
        threading.Thread(target=read_keys, args=(machine.loop.command,), daemon=True,
                         name="voiceguide-keys").start()
    if systemd is not None:
        systemd.ready("listening")
    try:
        machine.run()
    finally:
        if systemd is not None:
            systemd.stopping()
            systemd.close()
        if screen is not None:
            screen.close()
        sink.close()
        if machine.heartbeat is not None:
            machine.heartbeat.close()
        log.close()
    return 0


def _sink(args: argparse.Namespace, clock: Clock, log: TurnLog) -> AudioSink:
    if args.output:
        return WavSink(output_path(args.output), clock)
    try:
        return SoundDeviceSink(clock)
    except VoiceguideError as error:
        # No speaker: the captions screen and the log carry the conversation.
        log.event("speaker_unavailable", error=str(error)[:200])
        return TimelineSink(clock)

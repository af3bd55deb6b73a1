"""The one place that builds the guide's parts from the settings: the content and its
matcher, the recogniser, the synthesiser, the clock, the microphone or the files, the
speaker or a recording, the voice loop and the kiosk.

Commands ask an ``Assembly`` for what they need and run it; tests give it other
``Parts`` (a scripted recogniser, a silent synthesiser, a recording sink) and the rest
of the guide is built exactly as a user's is.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voiceguide.asr import Recognizer
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.denoise import Denoiser, wanted
from voiceguide.audio.sinks import AudioSink, SoundDeviceSink, TimelineSink, WavSink
from voiceguide.audio.sources import AudioSource, MicrophoneSource, WavSource, parse_input
from voiceguide.captions.board import CaptionBoard
from voiceguide.captions.keeper import ScreenKeeper
from voiceguide.captions.night import NightDimming
from voiceguide.captions.server import CaptionServer
from voiceguide.clock import Clock, ManualClock, SystemClock
from voiceguide.dialogue.events import SetVoice, SpeechEvent
from voiceguide.errors import VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import DeafRecognizer, Kiosk
from voiceguide.loop.live import VoiceLoop
from voiceguide.loop.session import Session
from voiceguide.loop.turn import Turn
from voiceguide.match.heard import SureOfHearing
from voiceguide.prefs import PrefsKeeper, load_prefs
from voiceguide.service.health import Heartbeat, default_health_file
from voiceguide.service.keys import read_keys
from voiceguide.service.sdnotify import Notifier
from voiceguide.service.turnlog import TurnLog
from voiceguide.settings import Settings
from voiceguide.speech.speakers import stamp
from voiceguide.speech.synth import EspeakSynthesizer, Synthesizer
from voiceguide.speech.voice import Voice
from voiceguide.speech.voiced import VoiceSpeaker

if TYPE_CHECKING:
    from voiceguide.asr.wake import WakeSpotter

_LOGGER = logging.getLogger(__name__)


def _recognizer(guide: Guide) -> Recognizer:
    settings = guide.settings
    asr = settings.recogniser
    return make_recognizer(guide.kb, asr.engine, asr.model,
                           extra=(settings.listen.wake_phrase,),
                           whisper_model=asr.whisper_model, threads=asr.threads,
                           sure=sure_of_hearing(guide))


def sure_of_hearing(guide: Guide) -> SureOfHearing:
    """The cascade's judge of PocketSphinx's hearings: the guide's matcher and triage."""
    asr = guide.settings.recogniser
    return SureOfHearing(guide.matcher, guide.triage, asr.cascade_match_floor,
                         asr.cascade_asr_floor)


def _synthesizer(voice_id: str) -> Synthesizer:
    return EspeakSynthesizer(voice_id or None)


def _speaker_sink(clock: Clock) -> AudioSink:
    return SoundDeviceSink(clock)


@dataclass(frozen=True)
class Parts:
    """How each device-bound part is made; a test replaces what cannot exist here."""

    recognizer: Callable[[Guide], Recognizer] = _recognizer
    synthesizer: Callable[[str], Synthesizer] = _synthesizer
    """From a voice id (empty: the engine's default)."""
    speaker: Callable[[Clock], AudioSink] = _speaker_sink
    microphone: Callable[[], AudioSource] = MicrophoneSource


@dataclass
class Assembly:
    settings: Settings
    parts: Parts = field(default_factory=Parts)

    def denoise(self) -> bool:
        """Noise suppression in front of the recogniser, as the settings ask, when RNNoise
        is there (``DenoiseError`` when asked for outright and missing)."""
        return wanted(self.settings.listen.denoise, "listen.denoise" in self.settings.given)

    def guide(self, docs: bool = True) -> Guide:
        return Guide.load(self.settings.guide.content, self.settings,
                          self.settings.guide.docs if docs else None)

    def clock(self) -> Clock:
        return ManualClock() if self.settings.audio.fast else SystemClock()

    def sink(self, clock: Clock) -> AudioSink:
        output = self.settings.audio.output
        return WavSink(output, clock) if output is not None else self.parts.speaker(clock)

    def source(self, clock: Clock, loop: VoiceLoop) -> AudioSource:
        """The microphone, or the input files spoken in turn: each once the guide waits
        for the person (with push-to-talk, once Talk or space is pressed)."""
        spec = self.settings.audio.input
        if spec is None:
            return self.parts.microphone()
        keyed = self.settings.listen.activation == "key"
        return WavSource(parse_input(spec), clock, fast=self.settings.audio.fast,
                         settled=loop.settled,
                         ready=lambda: loop.waiting_for_person() and (
                             not keyed or loop.listening()))

    def bedside(self, guide: Guide) -> Bedside:
        """``voiceguide listen``: the voice loop at a bedside, with the person's saved
        voice."""
        settings = self.settings
        clock = self.clock()
        saved = load_prefs()
        voice = Voice(saved.rate, saved.volume)
        if "voice.rate" in settings.given:
            voice.rate = settings.voice.rate
        if "voice.volume" in settings.given:
            voice.volume = settings.voice.volume
        voice_id = settings.voice.voice or saved.voice
        sink = self.sink(clock)
        printed = _Printed(clock) if settings.captions.printed or settings.audio.output \
            else None
        keeper = PrefsKeeper(saved)
        speaker = VoiceSpeaker(self.parts.synthesizer(voice_id), sink, clock, voice,
                               printed, observer=lambda event: _kept(event, keeper, speaker))
        keeper.start(voice, settings.voice.voice)
        session = Session(guide, speaker, clock, speech_ends=speaker.ends_at)
        wake = self.wake()

        def show(turn: Turn) -> None:
            if printed is not None and turn.why != "wake":
                printed.write(f"heard: {turn.transcript.text or '(nothing)'}  "
                              f"[{turn.why}]\n")

        loop = VoiceLoop(session, self.parts.recognizer(guide), speaker, sink,
                         settings.listen, wake, on_turn=show,
                         denoiser=Denoiser() if self.denoise() else None)
        return Bedside(loop, speaker, self.source(clock, loop), sink, keeper,
                       not saved.intro_done)

    def wake(self) -> WakeSpotter | None:
        """The wake-phrase spotter, when the settings ask for one: the bedside and the
        kiosk alike (a kiosk file with ``activation = "wake"`` once stopped it starting)."""
        listen = self.settings.listen
        if listen.activation != "wake":
            return None
        from voiceguide.asr.wake import WakeSpotter

        return WakeSpotter(listen.wake_phrase, listen.wake_threshold)

    def kiosk(self, guide: Guide, log: TurnLog, notifier: Notifier | None) -> Unattended:
        """``voiceguide kiosk``: what cannot start (recogniser, speech engine, speaker,
        captions port) is logged and worked around, never a reason to stop."""
        settings = self.settings
        clock = self.clock()
        try:
            with _choice_logged(log):
                recognizer = self.parts.recognizer(guide)
        except Exception as error:
            log.event("recogniser_unavailable", error=str(error)[:200])
            recognizer = DeafRecognizer()
        synth: Synthesizer | None
        try:
            synth = self.parts.synthesizer(settings.voice.voice)
        except VoiceguideError as error:
            log.event("speech_unavailable", error=str(error)[:200])
            synth = None
        try:
            sink = self.sink(clock)
        except VoiceguideError as error:
            # No speaker: the captions screen and the log carry the conversation.
            log.event("speaker_unavailable", error=str(error)[:200])
            sink = TimelineSink(clock)
        board, screen = self._screen(clock, log)
        machine: Kiosk | None = None

        def open_source() -> AudioSource:
            assert machine is not None
            return self.source(clock, machine.loop)

        machine = Kiosk(guide, clock=clock, recognizer=recognizer, synth=synth, sink=sink,
                        open_source=open_source, board=board, log=log, wake=self.wake(),
                        heartbeat=Heartbeat(settings.kiosk.health_file
                                            or default_health_file()),
                        notifier=notifier, denoise=self.denoise())
        return Unattended(machine, sink, screen)

    def _screen(self, clock: Clock, log: TurnLog
                ) -> tuple[CaptionBoard | None, ScreenKeeper | None]:
        captions = self.settings.captions
        if not captions.enabled:
            return None, None
        board = CaptionBoard(clock.monotonic, night=NightDimming.of(captions))
        # The voice matters more than the screen: it carries on while the port is tried.
        screen = ScreenKeeper(lambda: CaptionServer(
            board, *captions.address, allow_remote=captions.allow_remote,
            token=captions.token, hosts=captions.hosts), log.event)
        screen.start()
        return board, screen


@dataclass
class Bedside:
    loop: VoiceLoop
    speaker: VoiceSpeaker
    source: AudioSource
    sink: AudioSink
    keeper: PrefsKeeper
    first_time: bool
    """The introduction has never been heard to the end on this machine."""

    def keys(self) -> None:
        """Space, R, N and Esc, when started in a terminal (or with push-to-talk)."""
        if self.loop.activation == "key" or sys.stdin.isatty():
            threading.Thread(target=read_keys, args=(self.loop.command,), daemon=True,
                             name="voiceguide-keys").start()

    def run(self) -> None:
        try:
            self.loop.run(self.source, first_time=self.first_time)
            self.keeper.intro_heard()
        finally:
            self.source.close()
            self.sink.close()


@dataclass
class Unattended:
    kiosk: Kiosk
    sink: AudioSink
    screen: ScreenKeeper | None

    def close(self) -> None:
        if self.screen is not None:
            self.screen.close()
        self.sink.close()
        if self.kiosk.heartbeat is not None:
            self.kiosk.heartbeat.close()


class _ToTurnLog(logging.Handler):
    def __init__(self, log: TurnLog) -> None:
        super().__init__(logging.INFO)
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        self._log.event("recogniser_chosen" if record.levelno < logging.WARNING
                        else "recogniser_warning", message=record.getMessage()[:300])


@contextlib.contextmanager
def _choice_logged(log: TurnLog) -> Iterator[None]:
    """The kiosk's standard error is its JSON-lines log: the recogniser chosen, and why,
    is one event there rather than a line of plain text."""
    chooser = logging.getLogger("voiceguide.asr.choose")
    forward, level, propagate = _ToTurnLog(log), chooser.level, chooser.propagate
    chooser.addHandler(forward)
    chooser.setLevel(logging.INFO)
    chooser.propagate = False
    try:
        yield
    finally:
        chooser.removeHandler(forward)
        chooser.setLevel(level)
        chooser.propagate = propagate


class _Printed:
    """Captions on standard output, flushed at once: for someone reading along now, and
    a screen reader following the output live."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def write(self, text: str) -> None:
        if text.strip():
            sys.stdout.write(f"{stamp(self._clock.monotonic())} {text}")
            sys.stdout.flush()

    def flush(self) -> None:
        sys.stdout.flush()


def _kept(event: SpeechEvent, keeper: PrefsKeeper, speaker: VoiceSpeaker) -> None:
    """A changed voice ("slower") is saved as it happens."""
    if isinstance(event, SetVoice):
        keeper.voice(speaker.voice)

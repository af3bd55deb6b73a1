"""The hands-free loop: audio in -> utterance -> transcript -> match -> dialogue ->
speech out, with timers firing between frames.

It drives the same ``Session`` as ``voiceguide chat``; only the ends differ. Frames
come from an ``AudioSource`` (microphone, files, or silence), and what the guide says
goes to a ``VoiceSpeaker`` and its sink. Everything happens on one thread, frame by
frame, so the dialogue is never touched by two threads and a file source on a manual
clock replays a whole night exactly. Speech the guide would take reaches the
recogniser frame by frame as it is heard, so a streaming recogniser has only the last
moment left to decode when the person stops.

While the guide is talking it still listens, but only for barge-in: "stop", "pause",
"repeat" and emergencies cut it off; anything else said over it is ignored, and so is
its own voice coming back through the microphone (the echo check).
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from voiceguide.asr import Recognizer, Transcript, transcribe
from voiceguide.audio.endpoint import ENDPOINT_WINDOW, Endpointer, Utterance
from voiceguide.audio.sinks import AudioSink
from voiceguide.audio.sources import AudioSource
from voiceguide.audio.wav import RATE
from voiceguide.loop.session import Session
from voiceguide.loop.turn import Turn
from voiceguide.match import EMERGENCY, Match
from voiceguide.match.heard import heard_as
from voiceguide.match.normalize import plain, stem
from voiceguide.settings import ListenSettings
from voiceguide.speech.voiced import VoiceSpeaker

if TYPE_CHECKING:
    from voiceguide.asr.wake import WakeSpotter
    from voiceguide.audio.denoise import Denoiser

_LOGGER = logging.getLogger(__name__)

BARGE_IN = frozenset({"control.stop", "control.pause", "control.repeat",
                      "control.goodbye", "control.help.time_left", EMERGENCY})
"""What may cut the guide off mid-sentence ("how much longer" is asked during a
countdown, which talks every few seconds)."""
COMMANDS = {"stop": "stop", "repeat": "repeat", "next": "next"}
"""Keys and screen buttons, as the words they stand for: a pressed Stop goes through the
same dialogue as a spoken one."""
ECHO_SLACK = 0.5
"""Seconds, beyond the utterance itself, in which a sentence the guide played may come
back through the microphone: the sound path, and the clock's step between frames."""
KEPT_TURNS = 200
"""Turns kept for tests and the ``ask`` report; a kiosk runs all day, so not all."""


def is_echo(text: str, recent: list[str], overlap: float) -> bool:
    """Are most of ``text``'s words in what the guide is saying right now?"""
    words = [stem(w) for w in plain(text).split()]
    if not words or not recent:
        return False
    said = {stem(w) for w in plain(" ".join(recent)).split()}
    return sum(word in said for word in words) / len(words) >= overlap


def talk_over(match: Match, transcript: Transcript, recent: list[str],
              settings: ListenSettings) -> str:
    """What to make of speech heard while the guide is talking: ``barge_in`` (cut it
    off and act), ``echo`` (its own voice) or ``talk_over`` (ignore).

    A real "stop" is short, so a control that is only part of a longer stretch of
    words is taken for something else: measured on the guide's own voice
    (``scripts/measure_false_triggers.py``), most false triggers were four words or
    more with a control word inside. An emergency over the guide's voice must also
    be heard with some confidence; said again once it is quiet, it always counts.
    """
    if is_echo(transcript.text, recent, settings.echo_overlap):
        return "echo"
    if match.outcome != "accept" or not {match.intent, match.detail} & BARGE_IN:
        return "talk_over"
    if match.intent == EMERGENCY:
        doubtful = transcript.confidence < settings.asr_floor
        return "talk_over" if doubtful else "barge_in"
    words = len(plain(transcript.text).split())
    return "barge_in" if words <= settings.barge_in_words else "talk_over"


class VoiceLoop:
    def __init__(self, session: Session, recognizer: Recognizer, speaker: VoiceSpeaker,
                 sink: AudioSink, settings: ListenSettings | None = None,
                 wake: WakeSpotter | None = None,
                 on_turn: Callable[[Turn], None] | None = None,
                 denoiser: Denoiser | None = None) -> None:
        self.session = session
        self._recognizer = recognizer
        self._speaker = speaker
        self._sink = sink
        self._settings = settings or ListenSettings()
        if self._settings.activation == "wake" and wake is None:
            raise ValueError("wake activation needs a WakeSpotter")
        self._wake = wake
        self._on_turn = on_turn
        self._denoiser = denoiser
        """Every frame passes through it before the endpointer, so the recogniser, the
        wake spotter and the speech detector all hear the denoised room."""
        self._endpointer = Endpointer()
        self._window_until = float("-inf")
        self._talking_over = False
        self._commands: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._asr_failed = False
        self._fed: int | None = None
        """Bytes of the utterance going on that the recogniser has been given as they
        came; None when it is not being fed (it then hears the utterance whole)."""
        self.turns: deque[Turn] = deque(maxlen=KEPT_TURNS)

    # ----------------------------------------------------------- turn taking

    @property
    def activation(self) -> str:
        return self._settings.activation

    @property
    def wake_phrase(self) -> str | None:
        """What wakes the guide, when it waits for a phrase; shown to the person."""
        return None if self._wake is None else self._wake.phrase

    def waiting_for_person(self) -> bool:
        """The guide is quiet and a person would speak now (used by file sources)."""
        return not self._sink.busy() and self.session.mode != "routine"

    def listening(self) -> bool:
        """Would an utterance be taken now? In ``key`` or ``wake`` mode, only once the
        key was pressed or the wake phrase heard (file sources wait for this too)."""
        return self._activated()

    def window_open(self) -> bool:
        """Talk was pressed (or the wake phrase heard) and the one utterance it listens
        for has not come yet: a screen shows the Talk button pressed."""
        return self.session.now() <= self._window_until

    @property
    def denoising(self) -> bool:
        """Does noise suppression sit in front of the endpointer?"""
        return self._denoiser is not None

    def hearing(self) -> bool:
        """Someone is speaking now: the endpointer is inside an utterance."""
        return self._endpointer.in_speech

    def settled(self) -> bool:
        """Nothing left to happen without the person: no timer, nothing sounding."""
        return self.session.ended or (not self._sink.busy() and not self.session.timers)

    def command(self, name: str) -> None:
        """A key or screen button, from any thread: ``talk`` (push-to-talk: listen for
        one utterance), ``stop``, ``repeat`` or ``next``. Carried out on the loop's
        thread at its next frame."""
        if name != "talk" and name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}")
        self._commands.put(name)

    def open_window(self) -> None:
        """The key was pressed (or the wake phrase heard): listen for one utterance."""
        self._window_until = self.session.now() + self._settings.listen_window
        self._speaker.chime("listening")

    # ------------------------------------------------------------------ loop

    def run(self, source: AudioSource, first_time: bool = False) -> None:
        self.session.start(first_time)
        self.pump(source)

    def pump(self, source: AudioSource, tick: Callable[[], bool] | None = None,
             until_ended: bool = True) -> None:
        """Frames from ``source`` until it ends, the conversation ends (unless not
        ``until_ended``: a kiosk starts the next one itself), or ``tick`` (called once a
        frame) asks to stop. The session is not restarted, so a kiosk can hand the same
        conversation to a new source when a microphone comes back."""
        try:
            for frame in source.frames():
                self._run_commands()
                self.session.fire_due()
                if self._denoiser is not None:
                    frame = self._denoiser.process(frame)
                was_speaking = self._endpointer.in_speech
                utterance = self._endpointer.push(frame)
                if not was_speaking and self._endpointer.in_speech:
                    self._talking_over = self._sink.busy()
                    self._begin_feeding()
                if self._endpointer.in_speech:
                    self._feed(self._endpointer.speech)
                if utterance is not None:
                    self._heard(utterance)
                if until_ended and self.session.ended and not self._sink.busy():
                    break
                if tick is not None and tick():
                    break
        except Exception:
            # A microphone lost mid-sentence: half a sentence is not what the person
            # said ("my leg is not swo..."), and it must not run into what the next
            # source hears. They will say it again, whole.
            self._endpointer = Endpointer()
            self._talking_over = False
            self._fed = None
            raise

    def restart(self, session: Session) -> None:
        """A fresh conversation on the same devices: half-heard speech is dropped."""
        self.session = session
        self._endpointer = Endpointer()
        self._window_until = float("-inf")
        self._talking_over = False
        self._fed = None

    def _run_commands(self) -> None:
        while True:
            try:
                name = self._commands.get_nowait()
            except queue.Empty:
                return
            if name == "talk":
                # Pressing Talk means "let me speak now": the guide stops talking.
                self._speaker.stop()
                self.open_window()
                continue
            words = COMMANDS[name]
            self._speaker.stop()
            self.session.respond(words, self.session.understand(words))
            self._log(Turn(Transcript(words, 1.0), None, "key", at=self.session.now()))

    def _activated(self) -> bool:
        if self._settings.activation == "always" or self.session.mode != "idle":
            return True
        return self.session.now() <= self._window_until

    def _heard(self, utterance: Utterance) -> None:
        talking_over, self._talking_over = self._talking_over or self._sink.busy(), False
        if not talking_over and not self._activated():
            if self._wake is not None and self._wake.spotted(bytes(utterance.pcm)):
                self.open_window()
                self._log(Turn(Transcript(self._wake.phrase, 1.0), None, "wake",
                               at=self.session.now()))
            return
        started = time.perf_counter()
        transcript = self._transcribe(bytes(utterance.pcm))
        asr_ms = (time.perf_counter() - started) * 1000
        if self._wake is not None:
            transcript = replace(transcript, text=_strip_phrase(transcript.text,
                                                                self._wake.phrase))
        started = time.perf_counter()
        match = heard_as(self.session.understand(transcript.text), transcript,
                         self._settings, self.session.triage)
        match_ms = (time.perf_counter() - started) * 1000
        if talking_over:
            # The utterance, and the endpointer's window after it, just ended.
            heard_for = len(utterance.pcm) / 2 / RATE + ENDPOINT_WINDOW + ECHO_SLACK
            why = talk_over(match, transcript, self._speaker.sounding_within(heard_for),
                            self._settings)
            if why != "barge_in":
                self._log(Turn(transcript, None, why, asr_ms, match_ms, self.session.now()))
                return
            self._speaker.stop()
        elif not transcript.text:
            self._speaker.chime("not_caught")
            self._log(Turn(transcript, None, "empty", asr_ms, match_ms,
                           self.session.now()))
            return
        self._window_until = float("-inf")
        if match.outcome == "accept":
            self._speaker.chime("understood")
        # Logged before the answer, so a captions screen shows the words before the reply.
        self._log(Turn(transcript, match, "barge_in" if talking_over else "answered",
                       asr_ms, match_ms, self.session.now()))
        self.session.respond(transcript.text, match)

    def _begin_feeding(self) -> None:
        """Speech has started: the recogniser hears it as it comes when the guide would
        take it (listening, or talked over), so that little is left when it ends. An
        utterance that may only be a wake phrase is heard whole, if at all."""
        self._fed = None
        if self._talking_over or self._activated():
            try:
                self._recognizer.start()
            except Exception:
                return  # heard whole at its end, where a failure is reported
            self._fed = 0

    def _feed(self, pcm: bytes | bytearray) -> None:
        if self._fed is None or len(pcm) <= self._fed:
            return
        try:
            self._recognizer.accept(bytes(pcm[self._fed:]))
        except Exception:
            self._fed = None
            return
        self._fed = len(pcm)

    def _transcribe(self, pcm: bytes) -> Transcript:
        """A recogniser that fails is treated as having heard nothing: the guide chimes
        "not caught" and carries on, and the log says so once, not on every turn."""
        fed, self._fed = self._fed, None
        try:
            if fed is None:
                transcript = transcribe(self._recognizer, pcm)
            else:
                if len(pcm) > fed:
                    self._recognizer.accept(pcm[fed:])
                transcript = self._recognizer.finish()
        except Exception:
            if not self._asr_failed:
                _LOGGER.exception("the recogniser failed; carrying on without it")
                self._asr_failed = True
            return Transcript("", 0.0)
        self._asr_failed = False
        return transcript

    def _log(self, turn: Turn) -> None:
        self.turns.append(turn)
        _LOGGER.info("%s: %r -> %s", turn.why, turn.transcript.text,
                     turn.match.intent if turn.match else "-")
        if self._on_turn is not None:
            self._on_turn(turn)


def _strip_phrase(text: str, phrase: str) -> str:
    """"hello guide my calf is cramping" -> "my calf is cramping"."""
    words, wake = text.split(), phrase.lower().split()
    if words[:len(wake)] == wake:
        return " ".join(words[len(wake):])
    return text

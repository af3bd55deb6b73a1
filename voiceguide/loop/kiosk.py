"""``voiceguide kiosk``: the voice loop run all day with nobody watching it.

What a bedside session does not need and a clinic's kiosk does:

- a conversation left alone for ``idle_timeout`` seconds is forgotten, so the next
  person starts fresh (and the screen no longer shows the last person's words);
- a microphone that fails or goes away is reopened with growing waits, while timers
  keep firing and the conversation is kept;
- a recogniser or speech engine that fails leaves captions and earcons, never an exit;
- every turn is one structured log line, and a heartbeat file (and systemd's watchdog,
  under a unit) says the loop is alive;
- a flood of screen button presses is thinned out before it reaches the voice loop.

The kiosk only arranges the stages; the dialogue and the loop are the bedside ones.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from voiceguide.asr import Recognizer, Transcript
from voiceguide.audio.denoise import Denoiser
from voiceguide.audio.sinks import AudioSink
from voiceguide.audio.sources import (
    FRAME_SECONDS,
    SILENT_FRAME,
    AudioSource,
    Pacer,
    WavSource,
)
from voiceguide.captions.board import CaptionBoard
from voiceguide.clock import Clock, ManualClock
from voiceguide.dialogue.events import Say, SpeechEvent
from voiceguide.errors import VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.live import VoiceLoop
from voiceguide.loop.session import Session
from voiceguide.loop.turn import Turn
from voiceguide.service.health import Heartbeat
from voiceguide.service.keys import read_keys
from voiceguide.service.sdnotify import Notifier
from voiceguide.service.turnlog import TurnLog
from voiceguide.settings import Settings
from voiceguide.speech.synth import Synthesizer
from voiceguide.speech.voice import Voice
from voiceguide.speech.voiced import VoiceSpeaker

if TYPE_CHECKING:
    from voiceguide.asr.wake import WakeSpotter

_LOGGER = logging.getLogger(__name__)

FIRST_RETRY = 1.0
"""Seconds before the first attempt to reopen a lost microphone."""
LONGEST_RETRY = 30.0
"""Retries double up to this, so a kiosk with no microphone all day costs nothing."""
STEADY = 10.0
"""Seconds a reopened microphone must work before a new failure starts the waits again
from the shortest."""
PRESS_GAP = 1.0
"""Seconds in which a second press of the same screen button is dropped: a double tap
means one Repeat, and a stuck key or a script pressing it 200 times must not queue
200 renderings of a sentence ahead of the person's next words."""


class DeafRecognizer:
    """Stands in when no recogniser could be loaded: every utterance is "not caught",
    and the captions screen's buttons still work."""

    name = "none"

    def start(self) -> None:
        pass

    def accept(self, pcm: bytes) -> Transcript | None:
        return None

    def finish(self) -> Transcript:
        return Transcript("", 0.0)


class _Quiet:
    """Silence on the kiosk's clock for a while: timers fire and the heartbeat beats
    while a lost microphone is waited for."""

    def __init__(self, seconds: float, clock: Clock, stop: threading.Event) -> None:
        self._frames = max(1, round(seconds / FRAME_SECONDS))
        self._pacer = Pacer(clock, fast=isinstance(clock, ManualClock))
        self._stop = stop

    def frames(self) -> Iterator[bytes]:
        for _ in range(self._frames):
            if self._stop.is_set():
                return
            yield self._pacer.tick(SILENT_FRAME)

    def close(self) -> None:
        pass


class Kiosk:
    def __init__(self, guide: Guide, *, settings: Settings | None = None, clock: Clock,
                 recognizer: Recognizer, synth: Synthesizer | None, sink: AudioSink,
                 open_source: Callable[[], AudioSource], board: CaptionBoard | None = None,
                 log: TurnLog | None = None, heartbeat: Heartbeat | None = None,
                 notifier: Notifier | None = None, wake: WakeSpotter | None = None,
                 denoise: bool = False) -> None:
        self._guide = guide
        self._settings = settings or guide.settings
        self._clock = clock
        self._open_source = open_source
        self._board = board
        self._log = log
        self.heartbeat = heartbeat
        self._notifier = notifier
        self.stop_requested = threading.Event()
        self.resets = 0
        self.speaker = VoiceSpeaker(synth, sink, clock, Voice.of(self._settings.voice),
                                    observer=self._spoken)
        self._sink = sink
        self.loop = VoiceLoop(self._new_session(), recognizer, self.speaker, sink,
                              self._settings.listen, wake, on_turn=self._turned,
                              denoiser=Denoiser() if denoise else None)
        self._last_activity = clock.monotonic()
        self._fresh = True
        self._shown: tuple[object, ...] = ()
        self._pressed_at: dict[str, float] = {}
        self._press_lock = threading.Lock()
        self.presses_dropped = 0
        if board is not None:
            board.on_button(self.press)

    @property
    def idle_timeout(self) -> float:
        """Seconds without a word before the conversation is forgotten."""
        return self._settings.kiosk.idle_timeout

    def keys(self) -> None:
        """Space, R, N and Esc, when started in a terminal."""
        if sys.stdin.isatty():
            threading.Thread(target=read_keys, args=(self.loop.command,), daemon=True,
                             name="voiceguide-keys").start()

    @property
    def session(self) -> Session:
        return self.loop.session

    def _new_session(self) -> Session:
        return Session(self._guide, self.speaker, self._clock,
                       speech_ends=self.speaker.ends_at)

    # ----------------------------------------------------------------- running

    def run(self) -> None:
        """Until ``stop_requested`` is set, or a file-fed source has been played."""
        self.session.start()
        retry = FIRST_RETRY
        lost = False
        while not self.stop_requested.is_set():
            try:
                source = self._open_source()
            except VoiceguideError as error:
                self._event("audio_unavailable", retry_in=retry, error=str(error))
                lost = True
                self._wait(retry)
                retry = min(retry * 2, LONGEST_RETRY)
                continue
            if lost:
                self._event("audio_back")
                lost = False
            opened = self._clock.monotonic()
            try:
                self.loop.pump(source, self._tick, until_ended=False)
            except Exception as error:
                # The microphone went away mid-stream, or a stage failed on a frame:
                # keep the conversation, wait, and reopen. A source that keeps failing
                # at once keeps backing off; one that ran a while starts again at 1 s.
                if self._clock.monotonic() - opened >= STEADY:
                    retry = FIRST_RETRY
                device = isinstance(error, (VoiceguideError, OSError)) or \
                    type(error).__name__ == "PortAudioError"
                if not device:
                    _LOGGER.exception("the voice loop failed; carrying on")
                self._event("audio_lost" if device else "loop_error", retry_in=retry,
                            error=f"{error}"[:200])
                lost = True
                self._wait(retry)
                retry = min(retry * 2, LONGEST_RETRY)
                continue
            finally:
                _close_quietly(source)
            if isinstance(source, WavSource):
                return

    def _wait(self, seconds: float) -> None:
        self.loop.pump(_Quiet(seconds, self._clock, self.stop_requested), self._tick,
                       until_ended=False)

    def press(self, name: str) -> None:
        """A screen button, from the server's thread: passed to the loop unless the same
        button was passed on less than ``PRESS_GAP`` ago."""
        now = self._clock.monotonic()
        with self._press_lock:
            if now - self._pressed_at.get(name, -PRESS_GAP) < PRESS_GAP:
                self.presses_dropped += 1
                return
            self._pressed_at[name] = now
        self.loop.command(name)

    def _tick(self) -> bool:
        """Once a frame: heartbeat, watchdog, captions, and whether to stop pumping."""
        if self.heartbeat is not None:
            self.heartbeat.beat()
        if self._notifier is not None:
            self._notifier.watchdog()
        self._show()
        if self.stop_requested.is_set():
            return True
        if self._sink.busy():
            self._last_activity = self._clock.monotonic()
        elif self.session.ended:
            self._reset("goodbye")
        elif self._reset_due():
            self._reset("idle")
        return False

    def _reset_due(self) -> bool:
        idle_for = self._clock.monotonic() - self._last_activity
        return (not self._fresh and idle_for >= self.idle_timeout
                and self.loop.settled())

    def _reset(self, why: str) -> None:
        """Forget the conversation and the person's voice changes; clear every screen of
        their words, and show the welcome (kept for Repeat) without saying it: the room
        may hold someone who has gone back to sleep."""
        self.resets += 1
        self.loop.restart(self._new_session())
        self.speaker.voice = Voice.of(self._settings.voice)
        self._fresh = True
        self._event("conversation_reset", why=why)
        if self._board is not None:
            self._board.clear()
            self._shown = ()
        for said in self.session.start(aloud=False):
            self._spoken(said)
        self._last_activity = self._clock.monotonic()

    # ---------------------------------------------------------------- reports

    def _turned(self, turn: Turn) -> None:
        self._last_activity = self._clock.monotonic()
        if turn.why not in ("echo", "wake"):
            self._fresh = False
        if self._board is not None and turn.transcript.text and turn.why != "key":
            self._board.heard(turn.transcript.text)
        if self._log is not None:
            self._log.write(turn)

    def _spoken(self, event: SpeechEvent) -> None:
        # A countdown's cues ("Ten seconds.") are already the screen's countdown line;
        # as captions they would push the instruction off the screen and be read out
        # by a screen reader over the guide's own voice.
        if self._board is not None and isinstance(event, Say) and \
                not event.key.startswith("cue:"):
            self._board.said(event.text)

    def _show(self) -> None:
        """The mode and routine step on the captions screen, sent only on change."""
        if self._board is None:
            return
        progress = self.session.progress()
        step = None
        if progress is not None:
            # Big text must fit the screen: a question is short, an instruction is not
            # (it is in the captions), so a hold shows the routine's name.
            checkin = self.session.mode == "checkin"
            step = progress.step if checkin else progress.routine[:1].upper() + \
                progress.routine[1:]
        ends = progress.ends if progress else None
        # Listening: Talk was pressed (or the wake phrase heard) and the guide waits for
        # the words, or someone is speaking to a quiet guide now.
        talk = self.loop.window_open()
        listening = talk or (self.loop.hearing() and not self._sink.busy())
        shown = (self.session.mode, step, ends, listening, talk)
        if shown != self._shown:
            self._shown = shown
            self._board.status(self.session.mode, step, ends, listening=listening,
                               talk=talk)

    def _event(self, name: str, **fields: object) -> None:
        _LOGGER.info("%s %s", name, fields)
        if self._log is not None:
            self._log.event(name, **fields)


def _close_quietly(source: AudioSource) -> None:
    try:
        source.close()
    except Exception:
        _LOGGER.debug("closing the audio source failed", exc_info=True)

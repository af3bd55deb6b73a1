"""The speaker that talks: speech events become synthesised sentences and earcons in an
audio sink, with the person's rate and volume applied as they change them.

It stands behind the same ``Speaker`` interface as the terminal and recording
speakers, so the dialogue cannot tell them apart. Captions of everything said can go
to a text stream as well, for a carer glancing at a screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import numpy as np

from voiceguide.audio.earcons import earcon
from voiceguide.audio.sinks import AudioSink
from voiceguide.audio.wav import RATE
from voiceguide.clock import Clock
from voiceguide.dialogue.events import Earcon, Pause, Say, SetVoice, SpeechEvent, StopSpeaking
from voiceguide.errors import VoiceguideError
from voiceguide.sentences import split_sentences
from voiceguide.speech.speakers import chime_text
from voiceguide.speech.synth import Synthesizer
from voiceguide.speech.voice import Voice

_LOGGER = logging.getLogger(__name__)


class Captions(Protocol):
    """Where a line of everything said goes as it is said: a terminal, a pipe, a file."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class VoiceSpeaker:
    """Speaks through ``synth`` into ``sink``; ``spoken`` keeps what is playing for the
    loop's echo check."""

    def __init__(self, synth: Synthesizer | None, sink: AudioSink, clock: Clock,
                 voice: Voice | None = None, captions: Captions | None = None,
                 observer: Callable[[SpeechEvent], None] | None = None) -> None:
        self._synth = synth
        self._sink = sink
        self._clock = clock
        self.voice = voice or Voice()
        self._captions = captions
        self._timeline: list[tuple[float, float, str]] = []
        """(starts, ends, sentence) queued since the sink was last quiet, on the sink's
        clock: what an echo could contain, and when."""
        self._engine_failed = False
        self._observer = observer
        """Told of every event once it is carried out: the kiosk's captions screen, the
        saving of a changed voice."""

    def speak(self, event: SpeechEvent) -> None:
        if not self._sink.busy():
            self._timeline.clear()
        if isinstance(event, Say):
            self._caption(f"guide: {event.text}")
            rate = round(self.voice.rate * event.rate)
            for sentence in split_sentences(event.text):
                starts = self._sink.ends_at()
                self._play(self._render(sentence, rate))
                self._timeline.append((starts, self._sink.ends_at(), sentence))
        elif isinstance(event, Earcon):
            self._caption(f"       {chime_text(event)}")
            self._play(earcon(event.name))
        elif isinstance(event, Pause):
            self._play(np.zeros(int(event.seconds * RATE)))
        elif isinstance(event, SetVoice):
            self.voice.apply(event)
        elif isinstance(event, StopSpeaking):
            self.stop()
        if self._observer is not None:
            self._observer(event)

    def ends_at(self) -> float:
        """When everything said so far will have been heard."""
        return self._sink.ends_at()

    def sounding_within(self, seconds: float) -> list[str]:
        """The sentences that were sounding at some time in the last ``seconds``: all
        that the microphone could have picked up of the guide's voice in an utterance
        that long. A sentence heard earlier is not an echo: a person repeating the
        welcome's example ("my calf is cramping") over the next sentence means it."""
        now = self._clock.monotonic()
        return [sentence for starts, ends, sentence in self._timeline
                if starts <= now and ends >= now - seconds]

    def chime(self, name: str) -> None:
        """An earcon the loop plays on its own account (listening, understood)."""
        self.speak(Earcon(name))

    def stop(self) -> None:
        self._sink.stop()
        self._timeline.clear()

    def _render(self, sentence: str, rate: int) -> np.ndarray:
        if self._synth is None:
            return np.zeros(0)
        try:
            return self._synth.render(sentence, rate)
        except VoiceguideError as error:
            # Captions and earcons carry on; the log says so once, not once per sentence.
            if not self._engine_failed:
                _LOGGER.error("speech engine failed on %r, continuing with captions: %s",
                              sentence, error)
                self._engine_failed = True
            return np.zeros(0)

    def _play(self, samples: np.ndarray) -> None:
        if samples.size == 0:
            return
        self._sink.play(samples * self.voice.volume)

    def _caption(self, line: str) -> None:
        if self._captions is not None:
            self._captions.write(line + "\n")
            self._captions.flush()

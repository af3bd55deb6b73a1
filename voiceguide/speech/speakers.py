"""Where speech events go. The dialogue only ever talks to a ``Speaker``.

The terminal speaker prints; a recording speaker keeps everything for tests and the
``script`` command. The voice speaker (speech synthesis and audio out) stands behind
the same interface.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from voiceguide.clock import Clock
from voiceguide.dialogue.events import (
    Earcon,
    Say,
    SetVoice,
    SpeechEvent,
    StopSpeaking,
)
from voiceguide.speech.voice import Voice


def stamp(at: float) -> str:
    """Clock seconds as a transcript timestamp: ``[01:05.0]``."""
    minutes, seconds = divmod(at, 60)
    return f"[{int(minutes):02d}:{seconds:04.1f}]"


def chime_text(earcon: Earcon) -> str:
    return f"({earcon.name.replace('_', ' ')} chime)"


class Speaker(Protocol):
    def speak(self, event: SpeechEvent) -> None: ...


class TerminalSpeaker:
    """Prints what would be said: ``voiceguide chat``."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout
        self.voice = Voice()

    def speak(self, event: SpeechEvent) -> None:
        if isinstance(event, Say):
            self._out.write(f"guide: {event.text}\n")
        elif isinstance(event, Earcon):
            self._out.write(f"       {chime_text(event)}\n")
        elif isinstance(event, SetVoice):
            self.voice.apply(event)
        self._out.flush()


@dataclass(frozen=True, slots=True)
class Spoken:
    at: float
    """Clock time the event was sent, in seconds."""
    event: SpeechEvent


@dataclass(slots=True)
class RecordingSpeaker:
    """Keeps every speech event with the time it was sent."""

    clock: Clock
    events: list[Spoken] = field(default_factory=list)
    voice: Voice = field(default_factory=Voice)

    def speak(self, event: SpeechEvent) -> None:
        if isinstance(event, SetVoice):
            self.voice.apply(event)
        self.events.append(Spoken(self.clock.monotonic(), event))

    def said(self) -> list[str]:
        return [s.event.text for s in self.events if isinstance(s.event, Say)]

    def trace(self, start: int = 0) -> list[str]:
        """A compact trace from event ``start`` on: say keys, chimes, and stops."""
        trace = []
        for spoken in self.events[start:]:
            event = spoken.event
            if isinstance(event, Say):
                trace.append(event.key)
            elif isinstance(event, Earcon):
                trace.append(f"chime:{event.name}")
            elif isinstance(event, StopSpeaking):
                trace.append("stop")
        return trace


def transcript_line(spoken: Spoken) -> str | None:
    """One line of a printed transcript, or None for events nobody would hear."""
    event = spoken.event
    if isinstance(event, Say):
        return f"{stamp(spoken.at)} guide: {event.text}"
    if isinstance(event, Earcon):
        return f"{stamp(spoken.at)} {chime_text(event)}"
    return None

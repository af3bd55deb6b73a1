"""Scripted conversations on a simulated clock: ``voiceguide script FILE``.

A script is a night written down, one line at a time::

    # cramp, countdown, "better", goodbye
    my calf is cramping
    wait 35
    yes
    goodbye

``wait SECONDS`` lets time pass (timers fire on the way); ``#`` starts a comment;
any other line is something the person says. A line that starts with ``>`` (or
``you:``) is always said, so words that begin with "wait" are written ``> wait a
minute``. The output is what the guide would say, stamped with the simulated time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from voiceguide.clock import ManualClock
from voiceguide.dialogue.events import SpeechEvent
from voiceguide.errors import ScriptError
from voiceguide.guide import Guide
from voiceguide.loop.session import Session, advance
from voiceguide.loop.turn import Turn
from voiceguide.speech.speakers import Spoken, stamp, transcript_line

SAID = (">", "you:")
"""Marks a line as words said, whatever they start with."""
MAX_WAIT = 24 * 3600
"""A wait longer than a day is a typing mistake, not a night."""


@dataclass(slots=True)
class _Transcript:
    clock: ManualClock
    lines: list[str] = field(default_factory=list)

    def speak(self, event: SpeechEvent) -> None:
        line = transcript_line(Spoken(self.clock.monotonic(), event))
        if line is not None:
            self.lines.append(line)

    def turn(self, turn: Turn) -> None:
        assert turn.match is not None
        heard = turn.match.detail or turn.match.intent
        self.lines.append(f"{stamp(turn.at)} you: {turn.text}"
                          f"  ({heard}, {turn.match.confidence:.2f})")


def parse_wait(line: str, where: str) -> float:
    parts = line.split()
    try:
        seconds = float(parts[1].removesuffix("s")) if len(parts) == 2 else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT:
        raise ScriptError(f"{where}: 'wait' needs a number of seconds, like 'wait 30' "
                          f"(to say it, write '> {line}')")
    return seconds


def run_script(guide: Guide, lines: Iterable[str], name: str = "script") -> list[str]:
    """Play a script and return the transcript; a bad line stops it before it starts."""
    steps: list[tuple[str, float | str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        said = next((line[len(mark):].strip() for mark in SAID if line.startswith(mark)),
                    None)
        if said is not None:
            steps.append(("say", said))
        elif line.split()[0].lower() == "wait":
            steps.append(("wait", parse_wait(line, f"{name} line {number}")))
        else:
            steps.append(("say", line))
    clock = ManualClock()
    transcript = _Transcript(clock)
    session = Session(guide, transcript, clock, on_turn=transcript.turn)
    session.start()
    for kind, value in steps:
        if session.ended:
            break
        if kind == "wait":
            advance(session, clock, float(value))
        else:
            session.hear(str(value))
    return transcript.lines

"""Optional keys for people who prefer them to speaking: space to talk, R to repeat,
N for the next step, Esc to stop. They go through the same dialogue as the words."""

from __future__ import annotations

import select
import sys
from collections.abc import Callable
from typing import TextIO

KEYS = {" ": "talk", "\n": "talk", "r": "repeat", "n": "next", "\x1b": "stop"}
LINES = {"": "talk", "talk": "talk", "r": "repeat", "repeat": "repeat", "n": "next",
         "next": "next", "esc": "stop", "stop": "stop", "\x1b": "stop"}
"""When standard input is not a terminal (a kiosk's key box sending lines, a test)."""
ESCAPE_SEQUENCE_WAIT = 0.05
"""An arrow key sends Esc and more at once; a lone Esc is followed by nothing."""


def key_command(key: str) -> str | None:
    return KEYS.get(key.lower())


def line_command(line: str) -> str | None:
    return LINES.get(line.strip().lower())


def read_keys(send: Callable[[str], None], stream: TextIO | None = None) -> None:
    """Until the stream ends; each key or line that means something is sent."""
    stream = stream or sys.stdin
    if not stream.isatty():
        for line in stream:
            if (command := line_command(line)) is not None:
                send(command)
        return
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        while key := stream.read(1):
            if key == "\x1b" and select.select([stream], [], [], ESCAPE_SEQUENCE_WAIT)[0]:
                _drain(stream)
                continue
            if (command := key_command(key)) is not None:
                send(command)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _drain(stream: TextIO) -> None:
    """The rest of an escape sequence (an arrow or function key): not a stop."""
    while select.select([stream], [], [], ESCAPE_SEQUENCE_WAIT)[0]:
        if not stream.read(1):
            return

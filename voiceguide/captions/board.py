"""What the captions screen shows, kept apart from the web server that shows it.

The kiosk loop posts to the board from its own thread; the server reads it from its
own, and is told of each change through a listener, so one lock guards everything.
Only the last few lines are kept: a kiosk runs all day, thousands of turns, and a
screen only ever shows the recent ones.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from voiceguide.captions.night import NightDimming

_LOGGER = logging.getLogger(__name__)

BUTTONS = ("talk", "stop", "repeat")
"""The page's buttons, which are also the names the kiosk loop's handler is called with."""


class CaptionBoard:
    """Thread-safe live state of the conversation for the captions page."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, keep: int = 50,
                 night: NightDimming | None = None,
                 wall: Callable[[], datetime] = datetime.now) -> None:
        """``clock`` times the countdown; ``wall`` (local time) decides the night."""
        if keep < 1:
            raise ValueError("a caption board must keep at least one line")
        self._clock = clock
        self._night = night
        self._wall = wall
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._seq = 0
        self._screen = 0
        self._board_id = secrets.token_hex(4)
        self._lines: deque[dict[str, object]] = deque(maxlen=keep)
        self._mode = "idle"
        self._step: str | None = None
        self._ends_at: float | None = None
        self._listening = False
        self._talk = False
        self._handler: Callable[[str], None] | None = None

    def heard(self, text: str) -> None:
        """What the recogniser heard; shown as the person's own words."""
        self._add("you", text)

    def said(self, text: str) -> None:
        """A sentence the guide speaks, posted as it starts so the caption keeps pace."""
        self._add("guide", text)

    def status(self, mode: str, step: str | None = None, ends_at: float | None = None,
               listening: bool = False, talk: bool = False) -> None:
        """Where the guide is; ``ends_at`` is on this board's clock, so the page can count
        down locally instead of being sent a change every second. ``listening``: the
        guide is taking in what is said now; ``talk``: because Talk was pressed (or the
        wake phrase heard), which the page shows as a pressed Talk button."""
        with self._lock:
            self._mode = mode
            self._step = step
            self._ends_at = ends_at
            self._listening = listening
            self._talk = talk
            self._bump()

    def clear(self) -> None:
        """A new person at the kiosk must not read what the last one said: every open
        page drops its lines too, told by the screen number going up."""
        with self._lock:
            self._lines.clear()
            self._screen += 1
            self._mode, self._step, self._ends_at = "idle", None, None
            self._listening = self._talk = False
            self._bump()

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return self._snapshot()

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls ``listener`` (on the poster's thread, under the board's lock, so it must
        only hand the news on) after every change; returns what stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                self._listeners.remove(listener)
        return stop

    def on_button(self, handler: Callable[[str], None]) -> None:
        self._handler = handler

    def press(self, name: str) -> None:
        """Runs the handler on the caller's thread and outside the lock, so a handler that
        posts to the board does not deadlock. It must not block: the server calls it."""
        if name not in BUTTONS:
            raise ValueError(f"no button called {name!r}; the buttons are {', '.join(BUTTONS)}")
        handler = self._handler
        if handler is None:
            _LOGGER.debug("the %s button was pressed before the guide listened for it", name)
            return
        handler(name)

    def brightness(self) -> float:
        """The page's brightness now: below 1 during a configured night."""
        if self._night is None:
            return 1.0
        return self._night.brightness_at(self._wall().time())

    def _add(self, who: str, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return  # an empty caption would only make a screen reader say "blank"
        with self._lock:
            self._seq += 1
            self._lines.append({"seq": self._seq, "who": who, "text": text})
            self._notify()

    def _bump(self) -> None:
        self._seq += 1
        self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def _snapshot(self) -> dict[str, object]:
        left = None
        if self._ends_at is not None:
            left = round(max(0.0, self._ends_at - self._clock()), 1)
        return {
            "seq": self._seq,
            "board": self._board_id,
            "screen": self._screen,
            "mode": self._mode,
            "step": self._step,
            "seconds_left": left,
            "listening": self._listening,
            "talk": self._talk,
            "brightness": self.brightness(),
            "lines": [dict(line) for line in self._lines],
        }

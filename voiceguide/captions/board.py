"""What the captions screen shows, kept apart from the web server that shows it.

The kiosk loop posts to the board from its own thread; the server's request threads read
it and block on it for the next change, so one condition variable guards everything.
Only the last few lines are kept: a kiosk runs all day, thousands of turns, and a
screen only ever shows the recent ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

BUTTONS = ("talk", "stop", "repeat")
"""The page's buttons, which are also the names the kiosk loop's handler is called with."""


class CaptionBoard:
    """Thread-safe live state of the conversation for the captions page."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, keep: int = 50) -> None:
        if keep < 1:
            raise ValueError("a caption board must keep at least one line")
        self._clock = clock
        self._changed = threading.Condition()
        self._seq = 0
        self._lines: deque[dict[str, object]] = deque(maxlen=keep)
        self._mode = "idle"
        self._step: str | None = None
        self._ends_at: float | None = None
        self._handler: Callable[[str], None] | None = None

    def heard(self, text: str) -> None:
        """What the recogniser heard; shown as the person's own words."""
        self._add("you", text)

    def said(self, text: str) -> None:
        """A sentence the guide speaks, posted as it starts so the caption keeps pace."""
        self._add("guide", text)

    def status(self, mode: str, step: str | None = None, ends_at: float | None = None) -> None:
        """Where the guide is; ``ends_at`` is on this board's clock, so the page can count
        down locally instead of being sent a change every second."""
        with self._changed:
            self._mode = mode
            self._step = step
            self._ends_at = ends_at
            self._bump()

    def clear(self) -> None:
        """A new person at the kiosk must not read what the last one said."""
        with self._changed:
            self._lines.clear()
            self._mode, self._step, self._ends_at = "idle", None, None
            self._bump()

    def snapshot(self) -> dict[str, object]:
        with self._changed:
            return self._snapshot()

    def wait(self, after_seq: int, timeout: float) -> dict[str, object] | None:
        """Blocks until the board has moved past ``after_seq``; the server's event stream
        sleeps here so an update goes out the moment it is posted."""
        with self._changed:
            if self._changed.wait_for(lambda: self._seq > after_seq, timeout):
                return self._snapshot()
            return None

    def on_button(self, handler: Callable[[str], None]) -> None:
        self._handler = handler

    def press(self, name: str) -> None:
        """Runs the handler on the caller's thread and outside the lock, so a handler that
        posts to the board does not deadlock."""
        if name not in BUTTONS:
            raise ValueError(f"no button called {name!r}; the buttons are {', '.join(BUTTONS)}")
        handler = self._handler
        if handler is None:
            _LOGGER.debug("the %s button was pressed before the guide listened for it", name)
            return
        handler(name)

    def _add(self, who: str, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return  # an empty caption would only make a screen reader say "blank"
        with self._changed:
            self._bump()
            self._lines.append({"seq": self._seq, "who": who, "text": text})

    def _bump(self) -> None:
        self._seq += 1
        self._changed.notify_all()

    def _snapshot(self) -> dict[str, object]:
        left = None
        if self._ends_at is not None:
            left = round(max(0.0, self._ends_at - self._clock()), 1)
        return {
            "seq": self._seq,
            "mode": self._mode,
            "step": self._step,
            "seconds_left": left,
            "lines": [dict(line) for line in self._lines],
        }

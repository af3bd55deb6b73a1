"""Keeps the captions screen coming up: a port that is taken when the kiosk starts (an
old kiosk still stopping, another program) is tried again with growing waits, while
the voice carries on without the screen."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from voiceguide.captions.server import CaptionServer
from voiceguide.errors import VoiceguideError

_LOGGER = logging.getLogger(__name__)

FIRST_WAIT = 1.0
"""Seconds before the second try."""
LONGEST_WAIT = 60.0
"""Waits double up to this: a port taken all day costs a try a minute."""


class ScreenKeeper:
    """Builds the server with ``make`` now, or later on a thread of its own; ``report``
    is told ``captions`` (with its ``url``) once it serves, and
    ``captions_unavailable`` (with the ``error`` and ``retry_in`` seconds) each time a
    try fails."""

    def __init__(self, make: Callable[[], CaptionServer],
                 report: Callable[..., None], first: float = FIRST_WAIT,
                 longest: float = LONGEST_WAIT) -> None:
        self._make = make
        self._report = report
        self._wait = first
        self._longest = longest
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.server: CaptionServer | None = None

    def start(self) -> None:
        if not self._try():
            self._thread = threading.Thread(target=self._keep_trying, daemon=True,
                                            name="captions-retry")
            self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self.server is not None:
                self.server.close()

    def _keep_trying(self) -> None:
        while not self._closing.wait(self._wait):
            self._wait = min(self._wait * 2, self._longest)
            if self._try():
                return

    def _try(self) -> bool:
        try:
            server = self._make()
        except VoiceguideError as error:
            self._report("captions_unavailable", error=str(error)[:200], retry_in=self._wait)
            return False
        with self._lock:
            if self._closing.is_set():
                server.close()
                return True
            server.start()
            self.server = server
        self._report("captions", url=server.url)
        return True

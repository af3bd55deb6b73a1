"""systemd's notify protocol, on the standard library: ``READY=1`` once the kiosk
listens, ``WATCHDOG=1`` from the voice loop, ``STOPPING=1`` on the way out.

With ``WatchdogSec=`` systemd restarts a kiosk whose loop stops turning within that
time, from the first second on, where the heartbeat file and its timer catch a hang a
minute or more late. The protocol is one datagram to a unix socket whose address
systemd passes in ``$NOTIFY_SOCKET``; nothing to install for that.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

_LOGGER = logging.getLogger(__name__)


class Notifier:
    """Sends state lines to systemd. Failures are logged once and never raised: the
    guide must go on talking whatever its service manager does."""

    def __init__(self, address: str, watchdog_seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``address`` as ``$NOTIFY_SOCKET`` gives it: a path, or ``@name`` for Linux's
        abstract namespace. ``watchdog_seconds``: systemd's ``WatchdogSec``, or None."""
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._watchdog_every = None if watchdog_seconds is None else watchdog_seconds / 2
        self._clock = clock
        self._fed: float | None = None
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._failed = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], pid: int) -> Notifier | None:
        """A notifier when this process runs under a unit of ``Type=notify``; None
        otherwise. The watchdog is ours only when ``$WATCHDOG_PID`` is unset or ``pid``."""
        address = environ.get("NOTIFY_SOCKET", "")
        if not address.startswith(("/", "@")):
            return None
        watchdog = None
        usec = environ.get("WATCHDOG_USEC", "")
        if usec.isdigit() and int(usec) > 0 and environ.get("WATCHDOG_PID",
                                                            str(pid)) == str(pid):
            watchdog = int(usec) / 1e6
        return cls(address, watchdog)

    @property
    def watchdog_seconds(self) -> float | None:
        return None if self._watchdog_every is None else self._watchdog_every * 2

    def ready(self, status: str = "") -> None:
        self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def stopping(self) -> None:
        self.send("STOPPING=1")

    def watchdog(self) -> None:
        """Cheap on every loop turn: sends at most once every half ``WatchdogSec``, as
        systemd's documentation advises."""
        if self._watchdog_every is None:
            return
        now = self._clock()
        if self._fed is not None and now - self._fed < self._watchdog_every:
            return
        self._fed = now
        self.send("WATCHDOG=1")

    def send(self, state: str) -> None:
        """Never blocks: a service manager that stopped reading must not stop the voice
        loop (a unix datagram queue holds only a few messages)."""
        try:
            self._socket.sendto(state.encode(), socket.MSG_DONTWAIT, self._address)
        except OSError as error:
            if not self._failed:
                self._failed = True
                _LOGGER.warning("cannot tell systemd %r (%s); its watchdog may restart the "
                                "kiosk", state.split("\n")[0], error)

    def close(self) -> None:
        self._socket.close()


def notifier(pid: int | None = None) -> Notifier | None:
    """The notifier for this process's environment (the command line's door to it:
    library code is handed the result, never reads the environment itself)."""
    return Notifier.from_environ(os.environ, os.getpid() if pid is None else pid)

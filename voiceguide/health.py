"""A heartbeat file the kiosk rewrites while its loop turns, and the check
``voiceguide health`` runs on it.

A hung kiosk still looks alive to systemd (the process is there), so something
outside it has to notice that the loop stopped turning. The age of a file is a signal
that a timer, a monitoring agent and a person at a shell can all read.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

DEFAULT_LIMIT = 30.0
"""Seconds without a heartbeat after which the kiosk counts as stuck: six missed
beats at the default ``every``, so one slow turn (a model reload) does not trip it."""


def default_health_file() -> Path:
    """Inside systemd's RuntimeDirectory when the kiosk runs as a unit, so the health
    timer finds it at ``/run/voiceguide/heartbeat``; else in the user's runtime folder,
    which is emptied at reboot as a heartbeat should be; else in the state folder."""
    if unit := _env_dir("RUNTIME_DIRECTORY", first_of_list=True):
        return unit / "heartbeat"
    if runtime := _env_dir("XDG_RUNTIME_DIR"):
        return runtime / "voiceguide" / "heartbeat"
    state = _env_dir("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return state / "voiceguide" / "heartbeat"


def _env_dir(name: str, first_of_list: bool = False) -> Path | None:
    """The XDG rule: an unset, empty or relative value is ignored. systemd joins
    several runtime folders with colons."""
    value = os.environ.get(name, "")
    if first_of_list:
        value = value.split(":")[0]
    return Path(value) if os.path.isabs(value) else None


class Heartbeat:
    """Cheap to call on every loop turn: the file is rewritten at most once every
    ``every`` seconds. It is not fsynced, since a heartbeat need not outlive a power
    cut and a kiosk's SD card should not be written to disk every few seconds."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time,
                 every: float = 5.0) -> None:
        self.path = path
        self._clock = clock
        self._every = every
        self._last: float | None = None
        self._warned = False

    def beat(self) -> None:
        now = self._clock()
        # abs(): a wall clock set back by an hour must not silence the heartbeat.
        if self._last is not None and abs(now - self._last) < self._every:
            return
        self._last = now  # also on failure, so a full disk is not retried every turn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _replace_with(self.path, f"{now:.3f}\n")
        except OSError as error:
            if not self._warned:
                self._warned = True
                _LOGGER.warning("cannot write the heartbeat %s (%s); `voiceguide health` "
                                "will report the kiosk as not running", self.path, error)

    def close(self) -> None:
        """On a clean exit, so the check says "not running" rather than "stuck"."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def _replace_with(path: Path, text: str) -> None:
    """Written beside the file and renamed over it, so the check never reads half a
    number."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # Readable by an administrator running `voiceguide health` as another user.
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def check(path: Path, limit: float = DEFAULT_LIMIT, now: float | None = None
          ) -> tuple[bool, str]:
    """Whether the heartbeat at ``path`` is fresh, and one line saying so."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False, f"not running: no heartbeat at {path}"
    except OSError as error:
        return False, f"unknown: cannot read the heartbeat {path} ({error.strerror})"
    try:
        at = float(raw)
    except ValueError:
        at = math.nan
    if not math.isfinite(at):
        return False, f"unknown: {path} is not a heartbeat file; give the kiosk's heartbeat"
    # A clock set back leaves a heartbeat in the future; the kiosk rewrites it soon.
    age = max((time.time() if now is None else now) - at, 0.0)
    if age > limit:
        return False, f"stuck: last heartbeat {age:.0f} s ago (limit {limit:g} s)"
    return True, f"ok: last heartbeat {age:.1f} s ago"

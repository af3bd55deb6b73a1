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

from voiceguide.errors import VoiceguideError

_LOGGER = logging.getLogger(__name__)

DEFAULT_LIMIT = 30.0
"""Seconds without a heartbeat after which the kiosk counts as stuck: six missed
beats at the default ``every``, so one slow turn (a model reload) does not trip it."""
LONGEST_LIMIT = 86_400.0
"""A day: a limit longer than that would never call a hung kiosk stuck."""
FUTURE_SLACK = 2.0
"""Seconds a heartbeat may be dated ahead of the check's clock (two processes reading
one clock a moment apart). A beating kiosk rewrites a heartbeat left in the future by a
clock set back within one beat, so one further ahead means the loop is not turning."""


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
        # Who is beating: a kiosk killed with SIGKILL leaves its heartbeat behind, and
        # the check tells "not running" from "stuck" by whether this process is there.
        self._pid = os.getpid()
        self._started = _start_time(self._pid) or "-"

    def beat(self) -> None:
        now = self._clock()
        # abs(): a wall clock set back by an hour must not silence the heartbeat.
        if self._last is not None and abs(now - self._last) < self._every:
            return
        self._last = now  # also on failure, so a full disk is not retried every turn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _replace_with(self.path, f"{now:.3f} {self._pid} {self._started}\n")
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


def valid_limit(seconds: float) -> float:
    """``--limit`` checked: NaN compares false with every age, so it would call any
    heartbeat, however old, fresh."""
    if not (math.isfinite(seconds) and 0 < seconds <= LONGEST_LIMIT):
        raise VoiceguideError(f"--limit {seconds:g} is not a time the check can use; give "
                              f"seconds from 1 to {LONGEST_LIMIT:g}")
    return seconds


def check(path: Path, limit: float = DEFAULT_LIMIT, now: float | None = None
          ) -> tuple[bool, str]:
    """Whether the heartbeat at ``path`` is fresh and its writer still there, and one
    line saying so."""
    valid_limit(limit)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False, f"not running: no heartbeat at {path}"
    except OSError as error:
        return False, f"unknown: cannot read the heartbeat {path} ({error.strerror})"
    beat = _parse(raw)
    if beat is None:
        return False, f"unknown: {path} is not a heartbeat file; give the kiosk's heartbeat"
    at, pid, started = beat
    if pid is not None and not _running(pid, started):
        return False, (f"not running: the kiosk (process {pid}) has gone without removing "
                       f"its heartbeat {path}")
    age = (time.time() if now is None else now) - at
    if age < -FUTURE_SLACK:
        return False, (f"stuck: the last heartbeat is dated {-age:.0f} s in the future (the "
                       "clock went back and the kiosk has not written since)")
    age = max(age, 0.0)
    if age > limit:
        return False, f"stuck: last heartbeat {age:.0f} s ago (limit {limit:g} s)"
    return True, f"ok: last heartbeat {age:.1f} s ago"


def _parse(raw: bytes) -> tuple[float, int | None, str | None] | None:
    """``TIME [PID START]``; None when it is not a heartbeat."""
    try:
        fields = raw.decode("ascii").split()
        at = float(fields[0])
        pid = int(fields[1]) if len(fields) > 1 else None
    except (UnicodeDecodeError, ValueError, IndexError):
        return None
    if not math.isfinite(at) or len(fields) > 3 or (pid is not None and pid < 1):
        return None
    started = fields[2] if len(fields) > 2 and fields[2] != "-" else None
    return at, pid, started


def _running(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` is there and, where /proc says, is the one that started
    at ``started``: a PID reused by another process after a reboot-free crash is not the
    kiosk."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # there, but another user's: `voiceguide health` run by an administrator
    except OverflowError:
        return False
    now = _start_time(pid)
    return started is None or now is None or now == started


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or
    None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in brackets and may hold spaces.
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None

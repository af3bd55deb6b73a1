"""The person's own voice settings and whether they have heard the introduction, kept
across restarts in ``settings.json``.

Someone who said "slower" at 2 a.m. should not have to say it again after a power
cut, and the first-run introduction is spoken once, not every night. A damaged file
costs the person their settings and a warning in the log, never the guide itself;
a save that fails (a full disk) leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from voiceguide.config import MAX_VOLUME, MIN_VOLUME
from voiceguide.errors import PrefsError
from voiceguide.speech.speakers import DEFAULT_RATE, DEFAULT_VOLUME, MAX_RATE, MIN_RATE

_LOGGER = logging.getLogger(__name__)

CONFIG_ENV = "VOICEGUIDE_CONFIG_DIR"
FILE_NAME = "settings.json"


@dataclass(frozen=True, slots=True)
class Prefs:
    rate: int = DEFAULT_RATE
    volume: float = DEFAULT_VOLUME
    voice: str = ""
    """An id from ``voiceguide voices``; empty for the engine's default."""
    intro_done: bool = False
    """The first-run introduction has been spoken to the end."""


def prefs_path() -> Path:
    """``$VOICEGUIDE_CONFIG_DIR`` (a kiosk unit points it at its state folder), else the
    XDG config folder."""
    if folder := os.environ.get(CONFIG_ENV):
        return Path(folder) / FILE_NAME
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".config"
    return base / "voiceguide" / FILE_NAME


def load_prefs(path: Path | None = None, defaults: Prefs | None = None) -> Prefs:
    """The saved settings, or ``defaults`` (a kiosk passes its configured voice) for
    any that are missing or unusable. Out-of-range numbers are brought into range."""
    path = prefs_path() if path is None else path
    defaults = Prefs() if defaults is None else defaults
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return defaults
    except (OSError, ValueError) as error:
        _LOGGER.warning("%s cannot be read (%s); using the default voice settings",
                        path, error)
        return defaults
    if not isinstance(data, dict):
        _LOGGER.warning("%s is not a settings file; using the default voice settings",
                        path)
        return defaults
    prefs, problems = _from_json(data, defaults)
    if problems:
        _LOGGER.warning("%s: %s; carrying on with the nearest usable settings", path,
                        "; ".join(problems))
    return prefs


_RANGES = {"rate": (MIN_RATE, MAX_RATE), "volume": (MIN_VOLUME, MAX_VOLUME)}


def _from_json(data: dict[str, object], defaults: Prefs) -> tuple[Prefs, list[str]]:
    """The usable values in ``data`` over ``defaults``, and a note on each that was not."""
    values: dict[str, object] = {}
    problems = []
    for name in (field.name for field in fields(Prefs) if field.name in data):
        value, default = data[name], getattr(defaults, name)
        if name in _RANGES and isinstance(value, int | float) \
                and not isinstance(value, bool) and math.isfinite(value):
            low, high = _RANGES[name]
            fixed = min(max(value, low), high)
            values[name] = round(fixed) if isinstance(default, int) else round(fixed, 2)
            if fixed != value:
                problems.append(f"{name} {value} is out of range, using {values[name]}")
        elif name not in _RANGES and type(value) is type(default):
            values[name] = value
        else:
            problems.append(f"{name} {json.dumps(value)} is not usable, using "
                            f"{json.dumps(default)}")
    return replace(defaults, **values), problems


def save_prefs(prefs: Prefs, path: Path | None = None) -> None:
    """Written beside the old file, synced, renamed over it and the folder synced, so
    a crash or a full disk at any moment leaves either the old settings or the new."""
    path = prefs_path() if path is None else path
    text = json.dumps(asdict(prefs), indent=2) + "\n"
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        temporary = None
        _sync_folder(path.parent)
    except OSError as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise PrefsError(f"cannot save the voice settings to {path} "
                         f"({error.strerror or error}); free some disk space or make the "
                         "folder writable") from error


def _sync_folder(folder: Path) -> None:
    """Makes the rename itself survive a power cut."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)

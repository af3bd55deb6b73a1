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
from typing import Any

from voiceguide.errors import PrefsError
from voiceguide.settings import VoiceSettings
from voiceguide.speech.voice import Voice

_LOGGER = logging.getLogger(__name__)

CONFIG_ENV = "VOICEGUIDE_CONFIG_DIR"
_VOICE = VoiceSettings()
FILE_NAME = "settings.json"


@dataclass(frozen=True, slots=True)
class Prefs:
    rate: int = _VOICE.rate
    volume: float = _VOICE.volume
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


_RANGES = {"rate": (VoiceSettings.MIN_RATE, VoiceSettings.MAX_RATE),
           "volume": (VoiceSettings.MIN_VOLUME, VoiceSettings.MAX_VOLUME)}


def _from_json(data: dict[str, object], defaults: Prefs) -> tuple[Prefs, list[str]]:
    """The usable values in ``data`` over ``defaults``, and a note on each that was not."""
    values: dict[str, Any] = {}
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


class PrefsKeeper:
    """Saves the person's voice settings when they change them, and that the first-run
    introduction was heard. A save that fails is logged; the night goes on."""

    def __init__(self, saved: Prefs) -> None:
        self._saved = saved

    def start(self, voice: Voice, voice_id: str) -> None:
        """A voice chosen on the command line or in the settings is kept as the
        person's own from now on."""
        if voice_id or (voice.rate, voice.volume) != (self._saved.rate, self._saved.volume):
            self._save(replace(self._saved, rate=voice.rate, volume=voice.volume,
                               voice=voice_id or self._saved.voice))

    def voice(self, now: Voice) -> None:
        if (now.rate, now.volume) != (self._saved.rate, self._saved.volume):
            self._save(replace(self._saved, rate=now.rate, volume=now.volume))

    def intro_heard(self) -> None:
        if not self._saved.intro_done:
            self._save(replace(self._saved, intro_done=True))

    def _save(self, prefs: Prefs) -> None:
        try:
            save_prefs(prefs)
        except PrefsError as error:
            _LOGGER.warning("%s", error)
            return
        self._saved = prefs

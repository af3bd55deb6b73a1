"""Settings from a TOML file and from the command line, checked in one place.

The tree in ``settings.py`` holds the defaults; a file (``--config``, the kiosk's
``/etc/voiceguide/kiosk.toml``) and the options given on the command line are both
overrides of it, and every value passes the same check whichever way it came. A
mistake stops the guide at start with one line naming the file, table and key (or
the option) and saying what to give instead, rather than being ignored and found out
at three in the morning.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from voiceguide.captions.access import MIN_TOKEN
from voiceguide.errors import ConfigError
from voiceguide.settings import (
    ACTIVATIONS,
    ENGINES,
    KioskSettings,
    RecogniserSettings,
    Settings,
    VoiceSettings,
)
from voiceguide.validate import read_toml, suggestion

MIN_BRIGHTNESS = 0.1
"""Dimmer than this and the captions cannot be read at all."""
EXAMPLE = "deploy/kiosk.toml"


@dataclass(frozen=True, slots=True)
class _Key:
    """One value and where it was given, to name in an error: a key of a file, or an
    option of the command line."""

    file: Path | None
    """None: the command line."""
    table: str
    key: str
    value: Any
    option: str = ""

    @property
    def base(self) -> Path:
        """What a relative path is relative to: the file's folder, or where the command
        was run."""
        return self.file.absolute().parent if self.file else Path(os.getcwd())

    def fail(self, problem: str) -> ConfigError:
        if self.file is None:
            shown = self.value if isinstance(self.value, str) else f"{self.value:g}" \
                if isinstance(self.value, float) else _shown(self.value)
            return ConfigError(f"{self.option} {shown} {problem}")
        return ConfigError(f"{self.file}: [{_name(self.table)}] {_name(self.key)} = "
                           f"{_shown(self.value)} {problem}")


_Check = Callable[[_Key], Any]


def _shown(value: object) -> str:
    """A value as it would be written in TOML, on one line."""
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # nan, inf and -inf, as TOML spells them
    if isinstance(value, str | bool | int | float | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _name(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(low: float, high: float) -> str:
    return f"{low:g} to {high:g}"


def _text(key: _Key) -> str:
    if not isinstance(key.value, str):
        raise key.fail("is not text; put it in double quotes")
    return key.value


def _words(what: str, lower: bool = False) -> _Check:
    """Non-empty text with its spacing evened out; a wake phrase also in lower case, as
    the command line makes it."""
    def check(key: _Key) -> str:
        words = " ".join(_text(key).split())
        if not words:
            raise key.fail(f"is empty; give {what}")
        return words.lower() if lower else words
    return check


def _choice(choices: tuple[str, ...]) -> _Check:
    def check(key: _Key) -> str:
        if key.value not in choices:
            raise key.fail(f"is not one of {', '.join(choices)}")
        return str(key.value)
    return check


def _number(low: float, high: float, whole: bool = False) -> _Check:
    kind = "a whole number" if whole else "a number"

    def check(key: _Key) -> float:
        value = key.value
        if not _is_number(value) or (whole and not isinstance(value, int)):
            quotes = ", without quotes" if isinstance(value, str) else ""
            raise key.fail(f"is not {kind}; give {_range(low, high)}{quotes}")
        if not (math.isfinite(value) and low <= value <= high):
            raise key.fail(f"is out of range; give {_range(low, high)}")
        return value if whole else float(value)
    return check


def _flag(key: _Key) -> bool:
    if not isinstance(key.value, bool):
        raise key.fail("is not true or false; give true or false, without quotes")
    return key.value


def _path(must_be: str, fix: str) -> _Check:
    """A path resolved against the file's folder; ``must_be`` is ``file`` or ``folder``
    for something that has to be there already, ``new`` for something the kiosk writes.
    An empty value gives None: the table's default."""
    def check(key: _Key) -> Path | None:
        text = _text(key)
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = key.base / path
        if must_be != "new" and not path.exists():
            raise key.fail(f"does not exist (looked for {path}); {fix}")
        if must_be == "folder" and not path.is_dir():
            raise key.fail(f"is not a folder; {fix}")
        if must_be != "folder" and path.is_dir():
            raise key.fail(f"is a folder, not a file; {fix}")
        return path
    return check


def _token(key: _Key) -> str:
    token = _text(key)
    if token and (len(token) < MIN_TOKEN or not token.isprintable() or " " in token):
        raise key.fail(f"is not a usable token; give at least {MIN_TOKEN} characters "
                       "without spaces (for example from `openssl rand -hex 16`), or \"\"")
    return token


def _hosts(key: _Key) -> tuple[str, ...]:
    names = key.value
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise key.fail('is not a list of names; give for example ["kiosk.home.arpa"]')
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?\.?", name):
            raise key.fail(f"has {json.dumps(name)}, which is not a host name; give names "
                           "only, without ports or http://")
    return tuple(name.rstrip(".").lower() for name in names)


def _clock_time(key: _Key) -> dt_time | None:
    """``"HH:MM"``, 24-hour; ``""`` gives None."""
    text = _text(key).strip()
    if not text:
        return None
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise key.fail('is not a time of day; give 24-hour "HH:MM", for example "22:00"')
    return dt_time(int(found[1]), int(found[2]))


def _address(key: _Key) -> tuple[str, int]:
    """``HOST:PORT``, an IPv6 host in brackets; port 0 lets the system choose one (for
    tests: a kiosk's screens need to know theirs)."""
    host, colon, port = _text(key).strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        if ":" not in host:
            host = ""
    elif ":" in host:
        host = ""  # an IPv6 address needs brackets to tell it from the port
    if not (colon and host and " " not in host and port.isascii() and port.isdigit()):
        raise key.fail('is not HOST:PORT; give, for example, "127.0.0.1:8765" or '
                       '"[::1]:8765"')
    if int(port) > 65535:
        raise key.fail("has a port out of range; give 0 to 65535")
    return host, int(port)


def _input(key: _Key) -> str:
    """``wav:A.wav,B.wav``, with every file there; the spec is kept as given."""
    from voiceguide.audio.sources import parse_input
    from voiceguide.errors import AudioFileError

    try:
        parse_input(_text(key))
    except AudioFileError as error:
        raise key.fail(f"cannot be used: {error}") from None
    return str(key.value)


def _output(key: _Key) -> Path:
    kind, _, rest = _text(key).partition(":")
    if kind != "wav" or not rest:
        raise key.fail("is not understood; give wav:OUT.wav")
    path = Path(rest).expanduser()
    if not path.is_absolute():
        path = key.base / path
    if not path.parent.is_dir():
        raise key.fail(f"has no folder {path.parent}; create it first")
    return path


_Target = tuple[str, str]
"""Where a checked value goes in the tree: (section, field)."""
_SCHEMA: dict[str, dict[str, tuple[_Check, _Target]]] = {
    "listen": {
        "activation": (_choice(ACTIVATIONS), ("listen", "activation")),
        "wake_phrase": (_words("the words that wake the guide", lower=True),
                        ("listen", "wake_phrase")),
        "denoise": (_flag, ("listen", "denoise")),
    },
    "speech": {
        "voice": (_text, ("voice", "voice")),
        "rate": (_number(VoiceSettings.MIN_RATE, VoiceSettings.MAX_RATE, whole=True),
                 ("voice", "rate")),
        "volume": (_number(VoiceSettings.MIN_VOLUME, VoiceSettings.MAX_VOLUME),
                   ("voice", "volume")),
    },
    "recogniser": {
        "engine": (_choice(ENGINES), ("recogniser", "engine")),
        "model": (_path("folder", 'give a Vosk model folder, or "" to search models/'),
                  ("recogniser", "model")),
        "whisper_model": (_path("folder", 'give a Whisper model folder, or "" to search '
                                          "models/"), ("recogniser", "whisper_model")),
        "threads": (_number(1, RecogniserSettings.MAX_THREADS, whole=True),
                    ("recogniser", "threads")),
    },
    "guide": {
        "emergency_number": (_words("what to tell people to call"),
                             ("dialogue", "emergency_number")),
        "docs": (_path("file", 'build one with `voiceguide build`, or give ""'),
                 ("guide", "docs")),
        "content": (_path("folder", 'give a reviewed content folder, or "" for the '
                                    "shipped one"), ("guide", "content")),
    },
    "kiosk": {
        "idle_timeout": (_number(KioskSettings.MIN_IDLE, KioskSettings.MAX_IDLE),
                         ("kiosk", "idle_timeout")),
        "health_file": (_path("new", 'give a file path, or "" for the default'),
                        ("kiosk", "health_file")),
    },
    "captions": {
        "enabled": (_flag, ("captions", "enabled")),
        "address": (_address, ("captions", "address")),
        "allow_remote": (_flag, ("captions", "allow_remote")),
        "token": (_token, ("captions", "token")),
        "hosts": (_hosts, ("captions", "hosts")),
        "night_from": (_clock_time, ("captions", "night_from")),
        "night_until": (_clock_time, ("captions", "night_until")),
        "night_brightness": (_number(MIN_BRIGHTNESS, 1.0), ("captions", "night_brightness")),
    },
    "log": {
        "file": (_path("new", 'give a file path, or "" for standard error'), ("log", "file")),
        "transcripts": (_flag, ("log", "transcripts")),
    },
}
"""Every key a settings file may have, its check, and where it goes in the tree."""
_COMMAND_LINE: dict[str, tuple[_Check, _Target]] = {
    "audio.input": (_input, ("audio", "input")),
    "audio.fast": (_flag, ("audio", "fast")),
    "audio.output": (_output, ("audio", "output")),
    "captions.printed": (_flag, ("captions", "printed")),
}
"""Settings only an option can give: files in place of the microphone and speaker."""

_TABLES = ", ".join(f"[{table}]" for table in _SCHEMA)


Given = Mapping[str, tuple[str, object]]
"""Options from the command line: ``"speech.rate"`` -> (``"--rate"``, 150)."""


def load_settings(file: Path | None = None, given: Given | None = None) -> Settings:
    """The defaults, the file's values over them, the command line's over those; raises
    ``ConfigError`` on the first value that fails its check."""
    found: dict[_Target, tuple[Any, _Key]] = {}
    if file is not None:
        for name, table in read_toml(file, ConfigError, f"copy {EXAMPLE} and edit it").items():
            if not isinstance(table, dict):
                raise _not_in_table(file, name, table)
            if name not in _SCHEMA:
                hint = suggestion(name, _SCHEMA, "[{}]") or f"; the tables are {_TABLES}"
                raise ConfigError(f"{file}: unknown table [{_name(name)}]{hint}")
            found |= _read(file, name, table)
    for dotted, (option, value) in (given or {}).items():
        table, _, name = dotted.partition(".")
        check, target = _SCHEMA.get(table, {}).get(name) or _COMMAND_LINE[dotted]
        key = _Key(None, table, name, value, option)
        converted = check(key)
        if converted is not None:
            found[target] = (converted, key)
    settings = replace(_tree({target: value for target, (value, _) in found.items()}),
                       given=frozenset(".".join(target) for target in found))
    if settings.audio.fast and settings.audio.input is None:
        raise ConfigError("--fast needs --input wav:FILE.wav (a microphone runs in real "
                          "time)")
    _check_captions(settings, {target[1]: key for target, (_, key) in found.items()
                               if target[0] == "captions"})
    return settings


def _tree(values: Mapping[_Target, Any]) -> Settings:
    settings = Settings()
    sections = {f.name for f in fields(Settings)}
    for section in sections:
        changes = {name: value for (part, name), value in values.items() if part == section}
        if changes:
            settings = replace(settings, **{section: replace(getattr(settings, section),
                                                             **changes)})
    return settings


def _read(path: Path, table: str, values: Mapping[str, Any]
          ) -> dict[_Target, tuple[Any, _Key]]:
    """The table's keys checked and converted, leaving out those that take the default."""
    checks = _SCHEMA[table]
    read = {}
    for name, value in values.items():
        if name not in checks:
            hint = suggestion(name, checks) or f"; the keys are {', '.join(checks)}"
            raise ConfigError(f"{path}: unknown key [{_name(table)}] {_name(name)}{hint}")
        check, target = checks[name]
        key = _Key(path, table, name, value)
        converted = check(key)
        if converted is not None:
            read[target] = (converted, key)
    return read


def _not_in_table(path: Path, name: str, value: object) -> ConfigError:
    start = f"{path}: {_name(name)} = {_shown(value)}"
    if name in _SCHEMA:
        return ConfigError(f"{start} is not a table; write [{name}] on a line of its own "
                           "with its keys below it")
    homes = [table for table, checks in _SCHEMA.items() if name in checks]
    if homes:
        return ConfigError(f"{start} is outside any table; put it under [{homes[0]}]")
    return ConfigError(f"{start} is an unknown key outside any table; the tables are "
                       f"{_TABLES}")


def _check_captions(settings: Settings, given: Mapping[str, _Key]) -> None:
    """Only loopback unless the operator says otherwise: the page shows what a person
    said about their health. Serving other computers needs a token or a list of names,
    since the Host check that stops DNS rebinding stays on. ``given``: the key each
    captions value came from, to name in the error."""
    captions = settings.captions

    def fail(name: str, problem: str, shown: object) -> ConfigError:
        key = given.get(name) or next(iter(given.values()), None)
        if key is None:
            return ConfigError(f"[captions] {name} {problem}")
        return replace(key, key=name, value=shown).fail(problem) if key.key != name \
            else key.fail(problem)

    if captions.allow_remote and not (captions.token or captions.hosts):
        raise fail("allow_remote", "needs a token or hosts as well; set token to a secret "
                                   "of at least 16 characters, or hosts to the names the "
                                   "screens use", True)
    if captions.night_from is not None and captions.night_from == captions.night_until:
        raise fail("night_until", "is the same as night_from; give the time the night "
                                  "ends", captions.night_until.strftime("%H:%M"))
    host = captions.address[0]
    if captions.allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise fail("address", "is not a loopback address; use 127.0.0.1, or set "
                              "allow_remote = true to serve other machines",
                   f"{host}:{captions.address[1]}")

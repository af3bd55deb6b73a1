"""The kiosk's one configuration file, read and checked once, at start.

A kiosk runs unattended, so a typo must stop it at start with one line naming the
file, the table and the key, rather than be ignored and found out at 3 a.m. Every key
is optional; the defaults are the command line's.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from voiceguide.asr.choose import ENGINES
from voiceguide.captions.access import MIN_TOKEN
from voiceguide.captions.night import NightDimming
from voiceguide.errors import ConfigError
from voiceguide.service.health import default_health_file
from voiceguide.settings import (
    ACTIVATIONS,
    DEFAULT_EMERGENCY_NUMBER,
    DialogueSettings,
    ListenSettings,
    Settings,
)
from voiceguide.speech.speakers import DEFAULT_RATE, DEFAULT_VOLUME, MAX_RATE, MIN_RATE

MIN_VOLUME, MAX_VOLUME = 0.05, 1.0
"""The range ``--volume`` accepts: below 0.05 nobody hears the guide at all."""
MIN_IDLE, MAX_IDLE = 10.0, 3600.0
"""Seconds ``idle_timeout`` (and ``--idle-timeout``) may be: under ten a person pausing
to think is forgotten; over an hour the next person reads the last one's words. There
is no "off": a kiosk is for whoever comes next."""
MIN_BRIGHTNESS = 0.1
"""Dimmer than this and the captions cannot be read at all."""
EXAMPLE = "deploy/kiosk.toml"

_LISTEN = ListenSettings()


@dataclass(frozen=True, slots=True)
class ListenConfig:
    activation: str = _LISTEN.activation
    wake_phrase: str = _LISTEN.wake_phrase


@dataclass(frozen=True, slots=True)
class SpeechConfig:
    voice: str = ""
    """An id from ``voiceguide voices``; empty for the engine's default."""
    rate: int = DEFAULT_RATE
    volume: float = DEFAULT_VOLUME


@dataclass(frozen=True, slots=True)
class RecogniserConfig:
    engine: str = "auto"
    model: Path | None = None
    """A Vosk model folder; None searches ``models/`` and ``$VOICEGUIDE_VOSK_MODEL``."""


@dataclass(frozen=True, slots=True)
class GuideConfig:
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    docs: Path | None = None
    """An index from ``voiceguide build``, checked to exist."""
    content: Path | None = None
    """A reviewed content folder in place of the shipped one, checked to exist."""


@dataclass(frozen=True, slots=True)
class LoopConfig:
    """The ``[kiosk]`` table: how the unattended loop runs."""

    idle_timeout: float = 120.0
    """Seconds without speech before the kiosk goes back to its welcome."""
    health_file: Path = field(default_factory=default_health_file)


@dataclass(frozen=True, slots=True)
class CaptionsConfig:
    enabled: bool = True
    address: tuple[str, int] = ("127.0.0.1", 8765)
    """Host (without IPv6 brackets) and port, as a socket server takes them."""
    allow_remote: bool = False
    token: str = ""
    """Asked of other computers; without it they may read the screen but not press."""
    hosts: tuple[str, ...] = ()
    """Names other computers may reach the screen by, besides its IP addresses."""
    night_from: dt_time | None = None
    """Local time the screen dims at; None never dims."""
    night_until: dt_time = dt_time(7)
    night_brightness: float = 0.5
    """0.1 to 1: the share of full brightness through the night."""

    @property
    def night(self) -> NightDimming | None:
        if self.night_from is None:
            return None
        return NightDimming(self.night_from, self.night_until, self.night_brightness)


@dataclass(frozen=True, slots=True)
class LogConfig:
    file: Path | None = None
    """JSON lines go here, appended; None writes them to standard error."""
    transcripts: bool = False
    """Also log the words heard. Recordings are never kept: there is no key for it."""


@dataclass(frozen=True, slots=True)
class KioskConfig:
    listen: ListenConfig = field(default_factory=ListenConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    recogniser: RecogniserConfig = field(default_factory=RecogniserConfig)
    guide: GuideConfig = field(default_factory=GuideConfig)
    kiosk: LoopConfig = field(default_factory=LoopConfig)
    captions: CaptionsConfig = field(default_factory=CaptionsConfig)
    log: LogConfig = field(default_factory=LogConfig)

    def settings(self) -> Settings:
        """The same settings the command line would build from these options."""
        return Settings(
            dialogue=DialogueSettings(emergency_number=self.guide.emergency_number),
            listen=ListenSettings(activation=self.listen.activation,
                                  wake_phrase=self.listen.wake_phrase))


@dataclass(frozen=True, slots=True)
class _Key:
    """One key's value and where it was found, to name in an error."""

    file: Path
    table: str
    key: str
    value: Any

    @property
    def base(self) -> Path:
        return self.file.absolute().parent

    def fail(self, problem: str) -> ConfigError:
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
    host, colon, port = _text(key).rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        host = ""  # an IPv6 address needs brackets to tell it from the port
    if not (colon and host and port.isascii() and port.isdigit()):
        raise key.fail('is not HOST:PORT; give, for example, "127.0.0.1:8765" or '
                       '"[::1]:8765"')
    if not 1 <= int(port) <= 65535:
        raise key.fail("has a port out of range; give 1 to 65535")
    return host, int(port)


_SCHEMA: dict[str, tuple[type, dict[str, _Check]]] = {
    "listen": (ListenConfig, {
        "activation": _choice(ACTIVATIONS),
        "wake_phrase": _words("the words that wake the guide", lower=True),
    }),
    "speech": (SpeechConfig, {
        "voice": _text,
        "rate": _number(MIN_RATE, MAX_RATE, whole=True),
        "volume": _number(MIN_VOLUME, MAX_VOLUME),
    }),
    "recogniser": (RecogniserConfig, {
        "engine": _choice(ENGINES),
        "model": _path("folder", 'give a Vosk model folder, or "" to search models/'),
    }),
    "guide": (GuideConfig, {
        "emergency_number": _words("what to tell people to call"),
        "docs": _path("file", 'build one with `voiceguide build`, or give ""'),
        "content": _path("folder", 'give a reviewed content folder, or "" for the '
                                   "shipped one"),
    }),
    "kiosk": (LoopConfig, {
        "idle_timeout": _number(MIN_IDLE, MAX_IDLE),
        "health_file": _path("new", 'give a file path, or "" for the default'),
    }),
    "captions": (CaptionsConfig, {
        "enabled": _flag,
        "address": _address,
        "allow_remote": _flag,
        "token": _token,
        "hosts": _hosts,
        "night_from": _clock_time,
        "night_until": _clock_time,
        "night_brightness": _number(MIN_BRIGHTNESS, 1.0),
    }),
    "log": (LogConfig, {
        "file": _path("new", 'give a file path, or "" for standard error'),
        "transcripts": _flag,
    }),
}

_TABLES = ", ".join(f"[{table}]" for table in _SCHEMA)


def load_config(path: Path) -> KioskConfig:
    """The kiosk's settings from ``path``; raises ``ConfigError`` on the first problem."""
    tables = _parse(path)
    found: dict[str, Any] = {}
    for name, value in tables.items():
        if not isinstance(value, dict):
            raise _not_in_table(path, name, value)
        if name not in _SCHEMA:
            hint = _suggest(name, _SCHEMA, "[{}]") or f"; the tables are {_TABLES}"
            raise ConfigError(f"{path}: unknown table [{_name(name)}]{hint}")
        kind, checks = _SCHEMA[name]
        found[name] = kind(**_read(path, name, value, checks))
    config = KioskConfig(**found)
    _check_captions(path, tables.get("captions", {}), config.captions)
    return config


def _parse(path: Path) -> dict[str, Any]:
    try:
        # utf-8-sig: Notepad on the clinic's PC may have put a byte-order mark first.
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; copy {EXAMPLE} and edit it") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder; give the kiosk's TOML file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{path} cannot be read ({error.strerror}); check its "
                          "permissions") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        if where := re.search(r" \(at line (\d+), column (\d+)\)$", message):
            line, message = where[1], f"{message[:where.start()]} (column {where[2]})"
        else:  # "(at end of document)": an unclosed string or bracket
            line = str(len(text.splitlines()) or 1)
            message = message.replace(" (at end of document)", " at the end of the file")
        raise ConfigError(f"{path}: line {line}: TOML syntax error: {message}") from None


def _read(path: Path, table: str, values: Mapping[str, Any],
          checks: Mapping[str, _Check]) -> dict[str, Any]:
    """The table's keys checked and converted, leaving out those that take the default."""
    read = {}
    for key, value in values.items():
        check = checks.get(key)
        if check is None:
            hint = _suggest(key, checks, "{}") or f"; the keys are {', '.join(checks)}"
            raise ConfigError(f"{path}: unknown key [{_name(table)}] {_name(key)}{hint}")
        converted = check(_Key(path, table, key, value))
        if converted is not None:
            read[key] = converted
    return read


def _suggest(name: str, known: Mapping[str, object], form: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {form.format(close[0])}?)" if close else ""


def _not_in_table(path: Path, name: str, value: object) -> ConfigError:
    start = f"{path}: {_name(name)} = {_shown(value)}"
    if name in _SCHEMA:
        return ConfigError(f"{start} is not a table; write [{name}] on a line of its own "
                           "with its keys below it")
    homes = [table for table, (_, checks) in _SCHEMA.items() if name in checks]
    if homes:
        return ConfigError(f"{start} is outside any table; put it under [{homes[0]}]")
    return ConfigError(f"{start} is an unknown key outside any table; the tables are "
                       f"{_TABLES}")


def _check_captions(path: Path, table: Mapping[str, Any], captions: CaptionsConfig) -> None:
    """Only loopback unless the operator says otherwise: the page shows what a person
    said about their health. Serving other computers needs a token or a list of names,
    since the Host check that stops DNS rebinding stays on."""
    def fail(key: str, problem: str, default: object = "") -> ConfigError:
        return _Key(path, "captions", key, table.get(key, default)).fail(problem)

    if captions.allow_remote and not (captions.token or captions.hosts):
        raise fail("allow_remote", "needs a token or hosts as well; set token to a secret "
                                   "of at least 16 characters, or hosts to the names the "
                                   "screens use")
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
                              "allow_remote = true to serve other machines")

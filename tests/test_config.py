"""The settings: one tree whose defaults a TOML file and the command line override, each
value checked the same way; the shipped example is the defaults, and every mistake an
operator can make stops the guide with one line naming the file and the key (or the
option)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time as dt_time
from pathlib import Path

import pytest

from voiceguide.assemble import Assembly, Parts
from voiceguide.audio.sinks import TimelineSink
from voiceguide.captions.night import NightDimming
from voiceguide.configure import _SCHEMA, load_settings
from voiceguide.dialogue.events import SetVoice
from voiceguide.errors import ConfigError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import DeafRecognizer
from voiceguide.service.health import default_health_file
from voiceguide.settings import KioskSettings, Settings, VoiceSettings
from voiceguide.speech.voice import Voice
from voiceguide.testing import SilentSynthesizer, Unplugged

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "kiosk.toml"


def load_config(path: Path) -> Settings:
    """The file's settings, forgetting which keys it gave (to compare with defaults)."""
    return replace(load_settings(path), given=frozenset())


def write(folder: Path, text: str) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_is_the_defaults() -> None:
    assert load_config(EXAMPLE) == Settings()


def test_the_shipped_example_has_every_key_with_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    keys = [n for n, line in enumerate(lines) if "=" in line and not line.startswith("#")]
    # Every key the loader knows is in the example, once.
    assert len(keys) == sum(len(checks) for checks in _SCHEMA.values())
    for n in keys:
        assert lines[n - 1].startswith("#"), f"no comment above {lines[n]!r}"


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == Settings()


def test_the_voice_starts_as_the_settings_say() -> None:
    assert Voice.of(Settings().voice) == Voice()


def test_the_heartbeat_defaults_to_systemds_runtime_folder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNTIME_DIRECTORY", "/run/voiceguide")
    assert Settings().kiosk.health_file is None, "the service's own place"
    assert default_health_file() == Path("/run/voiceguide/heartbeat")


def test_every_key_is_read_and_paths_are_taken_from_the_files_folder(
        tmp_path: Path) -> None:
    (tmp_path / "clinic.json").write_text("{}", encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "vosk-model").mkdir()
    path = write(tmp_path, """
[listen]
activation = "wake"
wake_phrase = "  Hello   Kiosk "
[speech]
voice = "english-us"
rate = 120
volume = 1
[recogniser]
engine = "cascade"
model = "vosk-model"
whisper_model = "vosk-model"
threads = 2
[guide]
emergency_number = "nine nine nine"
docs = "clinic.json"
content = "content"
[kiosk]
idle_timeout = 60
health_file = "run/heartbeat"
[captions]
enabled = false
address = "[::1]:9000"
allow_remote = false
[log]
file = "logs/turns.jsonl"
transcripts = true
""")
    settings = load_config(path)
    assert settings.listen.wake_phrase == "hello kiosk"
    assert settings.voice == VoiceSettings("english-us", 120, 1.0)
    assert settings.recogniser.model == tmp_path / "vosk-model"
    assert settings.recogniser.engine == "cascade"
    assert settings.recogniser.whisper_model == tmp_path / "vosk-model"
    assert settings.recogniser.threads == 2
    assert settings.guide.docs == tmp_path / "clinic.json"
    assert settings.guide.content == tmp_path / "content"
    assert settings.kiosk == KioskSettings(60.0, tmp_path / "run" / "heartbeat")
    captions = settings.captions
    assert (captions.enabled, captions.address, captions.allow_remote) == (
        False, ("::1", 9000), False)
    assert settings.log.file == tmp_path / "logs" / "turns.jsonl"
    assert settings.log.transcripts is True
    assert settings.listen.activation == "wake"
    assert settings.dialogue.emergency_number == "nine nine nine"


def test_a_remote_address_is_allowed_when_the_operator_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, '[captions]\naddress = "0.0.0.0:80"\nallow_remote = true\n'
                           'hosts = ["Kiosk.Home.Arpa."]\n')
    captions = load_config(path).captions
    assert captions.address == ("0.0.0.0", 80) and captions.hosts == ("kiosk.home.arpa",)
    path = write(tmp_path, '[captions]\nallow_remote = true\ntoken = "0123456789abcdef"\n')
    assert load_config(path).captions.token == "0123456789abcdef"


def test_night_dimming_is_read_as_local_times(tmp_path: Path) -> None:
    assert NightDimming.of(Settings().captions) is None, "off unless asked for"
    path = write(tmp_path, '[captions]\nnight_from = "21:30"\nnight_brightness = 0.3\n')
    night = NightDimming.of(load_config(path).captions)
    assert night == NightDimming(dt_time(21, 30), dt_time(7), 0.3)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"\xef\xbb\xbf[speech]\nrate = 100\n")
    assert load_config(path).voice.rate == 100


BAD = [
    # (file text, what the one line must say after the file name)
    ("[speech]\nrate = 500", "[speech] rate = 500 is out of range; give 90 to 230"),
    ("[speech]\nrate = 89", "[speech] rate = 89 is out of range"),
    ('[speech]\nrate = "150"', '[speech] rate = "150" is not a whole number; give 90 to '
                               "230, without quotes"),
    ("[speech]\nrate = 150.5", "[speech] rate = 150.5 is not a whole number"),
    ("[speech]\nrate = true", "[speech] rate = true is not a whole number"),
    ("[speech]\nvolume = true", "[speech] volume = true is not a number; give 0.05 to 1"),
    ("[speech]\nvolume = 0", "[speech] volume = 0 is out of range; give 0.05 to 1"),
    ("[speech]\nvolume = nan", "[speech] volume = nan is out of range"),
    ("[speech]\nvoice = 3", "[speech] voice = 3 is not text; put it in double quotes"),
    ('[listen]\nactivation = "clap"',
     '[listen] activation = "clap" is not one of wake, always, key'),
    ('[listen]\nwake_phrase = "  "', '[listen] wake_phrase = "  " is empty'),
    ('[recogniser]\nengine = "google"',
     "is not one of auto, pocketsphinx, vosk, whisper, cascade"),
    ("[recogniser]\nthreads = 0", "[recogniser] threads = 0 is out of range; give 1 to 16"),
    ('[recogniser]\nwhisper_model = "nowhere"',
     '[recogniser] whisper_model = "nowhere" does not exist'),
    ('[recogniser]\nmodel = "no-such-model"',
     '[recogniser] model = "no-such-model" does not exist'),
    ('[recogniser]\nmodel = "kiosk.toml"', '[recogniser] model = "kiosk.toml" is not a '
                                          "folder"),
    ('[guide]\ndocs = "missing.json"', '[guide] docs = "missing.json" does not exist'),
    ('[guide]\ndocs = "."', '[guide] docs = "." is a folder, not a file'),
    ('[guide]\ncontent = "kiosk.toml"', '[guide] content = "kiosk.toml" is not a folder'),
    ('[guide]\nemergency_number = ""', '[guide] emergency_number = "" is empty'),
    ("[kiosk]\nidle_timeout = 5", "[kiosk] idle_timeout = 5 is out of range; give 10 to "
                                  "3600"),
    ('[kiosk]\nidle_timeout = "2 minutes"', "[kiosk] idle_timeout = \"2 minutes\" is not "
                                            "a number"),
    ("[kiosk]\nhealth_file = 5", "[kiosk] health_file = 5 is not text"),
    ("[captions]\nenabled = 1", "[captions] enabled = 1 is not true or false"),
    ('[captions]\nenabled = "yes"', '[captions] enabled = "yes" is not true or false'),
    ('[captions]\naddress = "8765"', '[captions] address = "8765" is not HOST:PORT'),
    ('[captions]\naddress = "::1:8765"', "is not HOST:PORT"),
    ('[captions]\naddress = "localhost:http"', "is not HOST:PORT"),
    ('[captions]\naddress = "localhost:²"', "is not HOST:PORT"),
    ('[captions]\naddress = "127.0.0.1:99999"', "has a port out of range; give 0 to 65535"),
    ('[captions]\naddress = "0.0.0.0:8765"',
     '[captions] address = "0.0.0.0:8765" is not a loopback address'),
    ('[captions]\naddress = "kiosk.local:8765"', "is not a loopback address"),
    ("[captions]\nallow_remote = true", "[captions] allow_remote = true needs a token or "
                                         "hosts as well"),
    ('[captions]\ntoken = "secret"', '[captions] token = "secret" is not a usable token; '
                                     "give at least 16 characters"),
    ('[captions]\ntoken = "has spaces in it, sixteen+"', "is not a usable token"),
    ('[captions]\nhosts = "kiosk.local"', '[captions] hosts = "kiosk.local" is not a list '
                                          "of names"),
    ('[captions]\nhosts = ["http://kiosk.local:80"]', 'has "http://kiosk.local:80", which '
                                                      "is not a host name"),
    ('[captions]\nnight_from = "10pm"', '[captions] night_from = "10pm" is not a time of '
                                        'day; give 24-hour "HH:MM"'),
    ('[captions]\nnight_from = "24:00"', "is not a time of day"),
    ('[captions]\nnight_from = "07:00"', "[captions] night_until = \"07:00\" is the same as "
                                         "night_from"),
    ("[captions]\nnight_brightness = 0", "[captions] night_brightness = 0 is out of range; "
                                         "give 0.1 to 1"),
    ('[log]\nfile = "."', '[log] file = "." is a folder, not a file'),
    ('[log]\ntranscripts = "false"', '[log] transcripts = "false" is not true or false'),
    ("[speech]\nrat = 150", "unknown key [speech] rat (did you mean rate?)"),
    ("[speech]\nloudness = 1", "unknown key [speech] loudness; the keys are voice, rate, "
                               "volume"),
    ('[speech]\n"two\\nlines" = 1', 'unknown key [speech] "two\\nlines"'),
    ("[speech.extra]\nx = 1", "unknown key [speech] extra"),
    ("[speach]\nrate = 150", "unknown table [speach] (did you mean [speech]?)"),
    ("[network]\nport = 1", "unknown table [network]; the tables are [listen], [speech]"),
    ("rate = 150", "rate = 150 is outside any table; put it under [speech]"),
    ("speech = 1", "speech = 1 is not a table; write [speech] on a line of its own"),
    ("colour = 1", "colour = 1 is an unknown key outside any table"),
    ("[[speech]]\nrate = 150", "speech = [{\"rate\": 150}] is not a table"),
    ("[speech]\nrate = \n", "line 2: TOML syntax error: Invalid value (column 8)"),
    ("[speech]\nrate = 100\nrate = 120\n", "line 3: TOML syntax error"),
    ('[speech]\nvoice = "unclosed', "line 2: TOML syntax error: Unterminated string at "
                                    "the end of the file"),
    ("[speech]\n[speech]\n", "line 2: TOML syntax error"),
]


@pytest.mark.parametrize(("text", "says"), BAD, ids=[says for _, says in BAD])
def test_each_mistake_is_one_line_naming_the_file_and_key(
        tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert says in message, message
    assert isinstance(caught.value, VoiceguideError)


def test_the_first_mistake_is_the_one_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "[speech]\nrate = 1\nvolume = 9\n")
    with pytest.raises(ConfigError, match="rate = 1 is out of range"):
        load_config(path)


def test_a_missing_file_says_where_the_example_is(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path} does not exist; copy deploy/kiosk.toml and edit it"


def test_a_folder_or_binary_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder; give a TOML file"):
        load_config(tmp_path)
    binary = tmp_path / "kiosk.toml"
    binary.write_bytes(b"\xff\xfe[speech]")
    with pytest.raises(ConfigError, match="is not UTF-8 text; save it as UTF-8"):
        load_config(binary)


def test_a_settings_file_reaches_the_bedside_loop(tmp_path: Path, guide: Guide) -> None:
    """``voiceguide --config FILE listen`` speaks with the file's [speech] voice and
    runs its [recogniser] (the file used to reach only the kiosk)."""
    voices: list[str] = []

    def synthesizer(voice: str) -> SilentSynthesizer:
        voices.append(voice)
        return SilentSynthesizer()

    parts = Parts(recognizer=lambda _: DeafRecognizer(), synthesizer=synthesizer,
                  speaker=TimelineSink, microphone=Unplugged)
    path = write(tmp_path, '[speech]\nrate = 110\nvoice = "english-us"\n'
                           '[recogniser]\nengine = "pocketsphinx"\n')
    bedside = Assembly(load_settings(path), parts).bedside(guide)
    assert voices == ["english-us"]
    assert bedside.speaker.voice.rate == 110


def test_quieter_at_the_lowest_volume_is_not_louder() -> None:
    voice = Voice(150, VoiceSettings.MIN_VOLUME)
    voice.apply(SetVoice(volume_change=-0.15))
    assert voice.volume == VoiceSettings.MIN_VOLUME
    assert load_settings(None, {"speech.volume": ("--volume", 0.05)}).voice.volume == 0.05

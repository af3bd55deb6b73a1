"""Every key of ``deploy/kiosk.toml`` reaches the part of the kiosk it is for: a care-home
technician who edits the file must see the change, not a key the kiosk quietly ignores.

Each key is set to a value other than its default and the built kiosk is looked at; the
last test checks that no key of the shipped file goes without such a probe."""

from __future__ import annotations

import io
import json
import socket
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.support import ROOT, needs_whisper
from voiceguide.assemble import Assembly, Parts, Unattended
from voiceguide.audio.sinks import TimelineSink
from voiceguide.cli import main
from voiceguide.configure import load_settings
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import DeafRecognizer
from voiceguide.service.turnlog import TurnLog
from voiceguide.testing import Night, SilentSynthesizer, Unplugged

SHIPPED = ROOT / "deploy" / "kiosk.toml"


@dataclass
class Built:
    kiosk: Unattended
    guide: Guide
    voices: list[str]
    log: io.StringIO

    def events(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines()]


def build(tmp_path: Path, text: str, *, real_recogniser: bool = False) -> Built:
    """The kiosk the file describes, with a silent voice, no speaker and no microphone
    (none exist here); the recogniser is the real one when the key is about it."""
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    voices: list[str] = []

    def synthesizer(voice: str) -> SilentSynthesizer:
        voices.append(voice)
        return SilentSynthesizer()

    parts = Parts(synthesizer=synthesizer, speaker=TimelineSink, microphone=Unplugged)
    if not real_recogniser:
        parts = replace(parts, recognizer=lambda _: DeafRecognizer())
    assembly = Assembly(load_settings(path), parts)
    guide = assembly.guide()
    log = io.StringIO()
    return Built(assembly.kiosk(guide, TurnLog(log), None), guide, voices, log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


NO_SCREEN = "[captions]\nenabled = false\n"


def test_push_to_talk(tmp_path: Path) -> None:
    built = build(tmp_path, '[listen]\nactivation = "key"\n' + NO_SCREEN)
    assert built.kiosk.kiosk.loop.activation == "key"


def test_a_wake_phrase_of_the_homes_own(tmp_path: Path) -> None:
    # This file once stopped the kiosk starting: the wake spotter was built only at the
    # bedside.
    built = build(tmp_path, '[listen]\nactivation = "wake"\nwake_phrase = "hello nurse"\n'
                  + NO_SCREEN)
    loop = built.kiosk.kiosk.loop
    assert loop.activation == "wake"
    assert loop.wake_phrase == "hello nurse"


def test_noise_suppression_off(tmp_path: Path) -> None:
    built = build(tmp_path, "[listen]\ndenoise = false\n" + NO_SCREEN)
    assert not built.kiosk.kiosk.loop.denoising


def test_the_voice_its_speed_and_loudness(tmp_path: Path) -> None:
    built = build(tmp_path, '[speech]\nvoice = "flite-slow"\nrate = 120\nvolume = 0.4\n'
                  + NO_SCREEN)
    assert built.voices == ["flite-slow"]
    voice = built.kiosk.kiosk.speaker.voice
    assert (voice.rate, voice.volume) == (120, 0.4)


@pytest.mark.speech
def test_the_recogniser_and_its_model(tmp_path: Path) -> None:
    missing = tmp_path / "not-a-vosk-model"
    missing.mkdir()
    built = build(tmp_path, f'[recogniser]\nengine = "vosk"\nmodel = "{missing}"\n'
                  + NO_SCREEN, real_recogniser=True)
    [trouble] = [e for e in built.events() if e["event"] == "recogniser_unavailable"]
    assert "not-a-vosk-model" in str(trouble["error"])
    fine = build(tmp_path, '[recogniser]\nengine = "pocketsphinx"\n' + NO_SCREEN,
                 real_recogniser=True)
    assert not [e for e in fine.events() if e["event"] == "recogniser_unavailable"]
    # Left to choose, the kiosk says what it chose, and why, as one event of its log.
    chosen = build(tmp_path, '[recogniser]\nengine = "auto"\n' + NO_SCREEN,
                   real_recogniser=True)
    [choice] = [e for e in chosen.events() if e["event"] == "recogniser_chosen"]
    assert "because" in str(choice["message"])


def test_whisper_its_model_and_threads(tmp_path: Path) -> None:
    half = tmp_path / "half-a-whisper"
    half.mkdir()
    built = build(tmp_path, f'[recogniser]\nengine = "cascade"\nwhisper_model = "{half}"\n'
                  "threads = 2\n" + NO_SCREEN, real_recogniser=True)
    [trouble] = [e for e in built.events() if e["event"] == "recogniser_unavailable"]
    assert f"the Whisper model at {half} is incomplete" in str(trouble["error"])


@pytest.mark.whisper
@needs_whisper
def test_whisper_decodes_with_the_files_threads(tmp_path: Path) -> None:
    from voiceguide.asr import whisper_model as fixture
    from voiceguide.asr.cascade import CascadeRecognizer

    built = build(tmp_path, f'[recogniser]\nengine = "cascade"\nwhisper_model = '
                  f'"{fixture.assemble()}"\nthreads = 2\n' + NO_SCREEN, real_recogniser=True)
    recognizer = built.kiosk.kiosk.loop._recognizer
    assert isinstance(recognizer, CascadeRecognizer)
    assert recognizer._strong._config["threads"] == 2  # type: ignore[attr-defined]
    recognizer.close()


def test_the_number_people_are_told_to_call(tmp_path: Path) -> None:
    built = build(tmp_path, '[guide]\nemergency_number = "the nurse on 2222"\n' + NO_SCREEN)
    night = Night(built.guide)
    night.say("my chest hurts and I can't breathe")
    assert "the nurse on 2222" in night.new_text()


def test_the_homes_own_articles(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "slippers.txt").write_text(
        "Slippers on Rose Ward at night\n\nWhich slippers should residents wear?\n\n"
        "Our residents wear the grey non-slip slippers kept by each bed whenever they "
        "get up in the night, so that the polished ward floor does not make them "
        "slide.\n", encoding="utf-8")
    index = tmp_path / "index.json"
    assert main(["build", str(articles), "-o", str(index), "--words-only"]) == 0
    built = build(tmp_path, f'[guide]\ndocs = "{index}"\n' + NO_SCREEN)
    night = Night(built.guide)
    night.say("which slippers should I wear when I get up in the night")
    assert "non-slip" in night.new_text()


def test_the_homes_own_wording(tmp_path: Path) -> None:
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "voiceguide" / "content", content)
    dialogue = content / "dialogue.toml"
    text = dialogue.read_text(encoding="utf-8")
    assert "I'm your night-time leg guide" in text
    dialogue.write_text(text.replace("I'm your night-time leg guide",
                                     "This is the Rose Ward night guide", 1),
                        encoding="utf-8")
    built = build(tmp_path, f'[guide]\ncontent = "{content}"\n' + NO_SCREEN)
    welcome = " ".join(say.text for say in Night(built.guide).session.start())
    assert "This is the Rose Ward night guide" in welcome


def test_how_long_a_conversation_is_kept(tmp_path: Path) -> None:
    built = build(tmp_path, "[kiosk]\nidle_timeout = 45\n" + NO_SCREEN)
    assert built.kiosk.kiosk.idle_timeout == 45


def test_where_the_heartbeat_is_written(tmp_path: Path) -> None:
    beat = tmp_path / "state" / "beat"
    built = build(tmp_path, f'[kiosk]\nhealth_file = "{beat}"\n' + NO_SCREEN)
    assert built.kiosk.kiosk.heartbeat is not None
    built.kiosk.kiosk.heartbeat.beat()
    assert beat.exists()


def test_no_screen(tmp_path: Path) -> None:
    built = build(tmp_path, NO_SCREEN)
    assert built.kiosk.screen is None


def screen(tmp_path: Path, extra: str) -> tuple[Built, str]:
    port = free_port()
    built = build(tmp_path, f'[captions]\naddress = "127.0.0.1:{port}"\n{extra}')
    assert built.kiosk.screen is not None and built.kiosk.screen.server is not None
    return built, f"http://127.0.0.1:{port}/state"


def test_the_screens_address_and_the_names_it_answers_to(tmp_path: Path) -> None:
    built, url = screen(tmp_path, "")
    try:
        assert status(url) == 200
        assert status(url, host="192.168.1.20") == 403
    finally:
        built.kiosk.close()
    built, url = screen(tmp_path, 'allow_remote = true\nhosts = ["kiosk.ward4.example"]\n')
    try:
        assert status(url, host="192.168.1.20") == 200
        assert status(url, host="kiosk.ward4.example") == 200
        assert status(url, host="rebound.example") == 403
    finally:
        built.kiosk.close()


def test_serving_the_ward_with_a_token(tmp_path: Path) -> None:
    built, url = screen(tmp_path, 'allow_remote = true\ntoken = "a-long-ward-token-123"\n')
    try:
        assert status(url, host="kiosk.ward4.example") == 403
        server = built.kiosk.screen.server  # type: ignore[union-attr]
        assert server is not None and "token" in server.access.describe()
    finally:
        built.kiosk.close()


def test_the_screen_dims_at_night(tmp_path: Path) -> None:
    # A night from a minute past midnight to a minute before it covers every test run
    # but one minute a day.
    built, url = screen(tmp_path, 'night_from = "00:01"\nnight_until = "00:00"\n'
                                  "night_brightness = 0.3\n")
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            shown = json.loads(answer.read())
        assert shown["brightness"] in (0.3, 1.0)
    finally:
        built.kiosk.close()


@pytest.mark.speech
def test_the_log_file_and_whether_it_keeps_words(tmp_path: Path, speech) -> None:
    clip = speech([("cramp.relief", "my calf is cramping")])[0].path
    for transcripts in (False, True):
        log = tmp_path / f"turns-{transcripts}.jsonl"
        config = tmp_path / "kiosk.toml"
        config.write_text(f'[log]\nfile = "{log}"\ntranscripts = {str(transcripts).lower()}'
                          f'\n[kiosk]\nhealth_file = "{tmp_path / "beat"}"\n' + NO_SCREEN,
                          encoding="utf-8")
        assert main(["--config", str(config), "kiosk", "--input", f"wav:{clip}", "--fast",
                     "--output", f"wav:{tmp_path / 'out.wav'}"]) == 0
        text = log.read_text(encoding="utf-8")
        assert ('"turn"' in text or '"intent"' in text), text
        assert ("calf" in text) is transcripts, text


PROBED: dict[str, Callable[..., None]] = {
    "listen.activation": test_push_to_talk,
    "listen.wake_phrase": test_a_wake_phrase_of_the_homes_own,
    "listen.denoise": test_noise_suppression_off,
    "speech.voice": test_the_voice_its_speed_and_loudness,
    "speech.rate": test_the_voice_its_speed_and_loudness,
    "speech.volume": test_the_voice_its_speed_and_loudness,
    "recogniser.engine": test_the_recogniser_and_its_model,
    "recogniser.model": test_the_recogniser_and_its_model,
    "recogniser.whisper_model": test_whisper_its_model_and_threads,
    "recogniser.threads": test_whisper_decodes_with_the_files_threads,
    "guide.emergency_number": test_the_number_people_are_told_to_call,
    "guide.docs": test_the_homes_own_articles,
    "guide.content": test_the_homes_own_wording,
    "kiosk.idle_timeout": test_how_long_a_conversation_is_kept,
    "kiosk.health_file": test_where_the_heartbeat_is_written,
    "captions.enabled": test_no_screen,
    "captions.address": test_the_screens_address_and_the_names_it_answers_to,
    "captions.hosts": test_the_screens_address_and_the_names_it_answers_to,
    "captions.allow_remote": test_serving_the_ward_with_a_token,
    "captions.token": test_serving_the_ward_with_a_token,
    "captions.night_from": test_the_screen_dims_at_night,
    "captions.night_until": test_the_screen_dims_at_night,
    "captions.night_brightness": test_the_screen_dims_at_night,
    "log.file": test_the_log_file_and_whether_it_keeps_words,
    "log.transcripts": test_the_log_file_and_whether_it_keeps_words,
}


def test_every_key_of_the_shipped_file_has_a_probe() -> None:
    shipped = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    keys = {f"{table}.{key}" for table, values in shipped.items() for key in values}
    assert keys == set(PROBED)

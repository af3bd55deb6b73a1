"""A kiosk's day: people come and go, the microphone is unplugged, engines fail, and
the guide carries on. Real recognition of real (synthesised) speech throughout; the
clock is simulated, and an unplugged microphone is a source that fails like one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import ROOT, Day
from voiceguide.asr import Transcript
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.sinks import TimelineSink
from voiceguide.audio.sources import AudioSource, WavSource
from voiceguide.audio.wav import write_wav
from voiceguide.captions.board import CaptionBoard
from voiceguide.captions.server import CaptionServer
from voiceguide.clock import ManualClock
from voiceguide.dialogue.countdown import duration_words
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import DeafRecognizer, Kiosk
from voiceguide.settings import ListenSettings
from voiceguide.speech.synth import SpeechEngineError
from voiceguide.testing import ScriptedRecognizer, SilentSynthesizer, Unplugged, absent, speechlike

Render = Callable[..., list[Any]]


@pytest.fixture(scope="module")
def clips(speech: Render) -> dict[str, Path]:
    lines = {"cramp": "my calf is cramping", "louder": "louder please",
             "longer": "how much longer", "better": "it's better", "bye": "goodbye",
             "stop": "stop"}
    rendered = speech([("x", text) for text in lines.values()])
    return dict(zip(lines, (clip.path for clip in rendered), strict=True))





@pytest.mark.speech
def test_cramp_how_much_longer_better_goodbye_on_the_captions_and_in_the_log(
        guide: Guide, clips: dict[str, Path]) -> None:
    day = Day(guide)
    day.play(clips["cramp"], 12.0, clips["longer"], clips["better"], clips["bye"], 10.0)

    log = day.log()
    turns = [line for line in log if "intent" in line]
    assert [t["intent"] for t in turns] == ["cramp.relief", "control.help",
                                            "control.better", "control.goodbye"]
    assert all("transcript" not in line for line in log), "no transcripts by default"
    assert all(t["latency_ms"] > 0 and 0 <= t["confidence"] <= 1 for t in turns)
    steps = [step for mode, step in day.board.statuses if mode == "routine"]
    assert "Calf stretch" in steps and ("checkin", "Is the cramp easing?") in \
        day.board.statuses, \
        f"the screen showed the stretch step: {steps}"
    said = " ".join(day.shown("guide"))
    # After goodbye the next person starts fresh: the screen shows only the welcome.
    assert [e["why"] for e in log if e.get("event") == "conversation_reset"] == ["goodbye"]
    assert said == guide.kb.prompts["welcome"]


@pytest.mark.speech
def test_time_left_is_said_during_the_hold_and_the_hold_goes_on(
        guide: Guide, clips: dict[str, Path]) -> None:
    day = Day(guide)
    day.play(clips["cramp"], 6.0, clips["longer"])
    said = day.shown("guide")
    assert any(line.endswith("seconds to go.") for line in said), said
    assert "And let go, slowly." in " ".join(said), "the hold ran to its end"


@pytest.fixture(scope="module")
def utterances(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Sounds an endpointer takes for speech, for a ``ScriptedRecognizer`` to hear as
    its lines: what these tests need is the loop's behaviour, not recognition."""
    folder = tmp_path_factory.mktemp("utterances")
    paths = []
    for n in range(4):
        path = folder / f"utterance{n}.wav"
        write_wav(path, (speechlike(1.5, seed=n) * 32767).astype(np.int16))
        paths.append(path)
    return paths


def scripted(guide: Guide, lines: list[str], idle_timeout: float = 60.0) -> Day:
    return Day(guide, idle_timeout=idle_timeout, recognizer=ScriptedRecognizer(lines),
               synth=SilentSynthesizer())


def test_left_alone_the_kiosk_forgets_the_person_and_their_voice_changes(
        guide: Guide, utterances: list[Path]) -> None:
    day = scripted(guide, ["louder please", "how much longer"])
    clips = {"louder": utterances[0], "longer": utterances[1]}
    configured = day.kiosk.speaker.voice.volume
    first_session = day.kiosk.session
    day.play(clips["louder"], 30.0, clips["longer"], 90.0)
    assert day.kiosk.resets == 1
    assert day.kiosk.session is not first_session
    assert day.kiosk.session.mode == "idle"
    assert day.kiosk.speaker.voice.volume == configured, "louder was for that person only"
    assert day.shown("you") == [], "the next person does not see the last one's words"
    reset = [e for e in day.log() if e.get("event") == "conversation_reset"]
    assert [e["why"] for e in reset] == ["idle"]





def test_the_recogniser_hears_speech_frame_by_frame_as_it_comes(
        guide: Guide, utterances: list[Path]) -> None:
    # A streaming recogniser (Vosk) then has little left to do when the person stops.
    class Counting(ScriptedRecognizer):
        def __init__(self) -> None:
            super().__init__(["my calf is cramping"])
            self.chunks: list[int] = []
            self.fed_before_finish = 0

        def accept(self, pcm: bytes) -> None:
            self.chunks.append(len(pcm))

        def finish(self) -> Transcript:
            self.fed_before_finish = len(self.chunks)
            return super().finish()

    heard = Counting()
    day = Day(guide, recognizer=heard, synth=SilentSynthesizer())
    day.play(utterances[0], 5.0)
    assert [t["intent"] for t in day.log() if "intent" in t] == ["cramp.relief"]
    assert heard.fed_before_finish >= 30, heard.chunks
    assert sorted(heard.chunks)[len(heard.chunks) // 2] == 960, "one 30 ms frame at a time"


def test_a_routine_keeps_time_while_the_microphone_is_unplugged(
        guide: Guide, utterances: list[Path]) -> None:
    def unplugged_in_the_hold(source: WavSource) -> AudioSource:
        """The microphone fails three seconds into the stretch's hold."""
        session = day.kiosk.session
        return Unplugged(source, lambda _: session.mode == "routine" and bool(session.timers),
                         100)

    day = scripted(guide, ["my calf is cramping", "it's better"])
    cramp = day.files(utterances[0])
    day.plan(lambda: unplugged_in_the_hold(cramp()), absent, absent, absent,
             day.files(utterances[1]))
    session = day.kiosk.session
    day.kiosk.run()
    events = [e for e in day.log() if "event" in e]
    assert [e["event"] for e in events] == ["audio_lost", "audio_unavailable",
                                            "audio_unavailable", "audio_unavailable",
                                            "audio_back"]
    assert [e["retry_in"] for e in events[:4]] == [1.0, 2.0, 4.0, 8.0], "backing off"
    assert day.kiosk.session is session, "the conversation was kept"
    said = " ".join(day.shown("guide"))
    assert "And let go, slowly." in said, \
        "the countdown went on while the microphone was away"
    assert [t["intent"] for t in day.log() if "intent" in t] == ["cramp.relief",
                                                                  "control.better"]


def test_a_microphone_lost_mid_sentence_drops_the_half_and_hears_the_next_one_whole(
        guide: Guide, utterances: list[Path]) -> None:
    def cut_mid_sentence(source: WavSource) -> AudioSource:
        """The microphone fails about half a second into "my calf is cramping"."""
        return Unplugged(source, lambda frame: int(np.abs(np.frombuffer(frame, "<i2")).max())
                         > 1000, 15)

    day = scripted(guide, ["my calf is cramping", "how much longer"])
    cramp = day.files(utterances[0])
    day.plan(lambda: cut_mid_sentence(cramp()), absent, day.files(utterances[0]))
    day.kiosk.run()
    assert [e["event"] for e in day.log() if "event" in e] == [
        "audio_lost", "audio_unavailable", "audio_back"]
    turns = [(t["intent"], t["outcome"]) for t in day.log() if "intent" in t]
    assert turns == [("cramp.relief", "accept")], "half a sentence was not acted on"
    assert day.shown("you") == ["my calf is cramping"]


@pytest.mark.speech
def test_a_failing_recogniser_chimes_not_caught_and_the_next_turn_works(
        guide: Guide, clips: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    real = make_recognizer(guide.kb, "pocketsphinx")

    class FailsTwice:
        name = "flaky"
        failures = 2

        def start(self) -> None:
            real.start()

        def accept(self, pcm: bytes) -> Transcript | None:
            return real.accept(pcm)

        def finish(self) -> Transcript:
            result = real.finish()
            if self.failures:
                self.failures -= 1
                raise RuntimeError("decoder crashed")
            return result

    day = Day(guide, recognizer=FailsTwice())
    day.play(clips["cramp"], clips["cramp"], clips["cramp"])
    outcomes = [(t["outcome"], t["intent"]) for t in day.log() if "intent" in t]
    assert outcomes == [("empty", "-"), ("empty", "-"), ("accept", "cramp.relief")]
    assert sum("recogniser failed" in r.message for r in caplog.records) == 1, \
        "logged once, not per turn"


@pytest.mark.speech
def test_a_speech_engine_failing_on_every_sentence_is_logged_once_and_captions_go_on(
        guide: Guide, clips: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        """What the synthesiser does when espeak-ng is removed under it: every render fails."""

        name = "broken"

        def render(self, text: str, rate: int) -> np.ndarray:
            raise SpeechEngineError("the speech engine produced no audio")

    day = Day(guide, synth=Broken())
    day.play(clips["cramp"], 5.0, clips["stop"])
    assert day.shown("you") == ["my calf is cramping", "stop"]
    assert day.shown("guide")[-1] == guide.kb.prompts["stopped"]
    failures = [r for r in caplog.records if "speech engine failed" in r.message]
    assert len(failures) == 1, "logged once, not per sentence"


@pytest.mark.speech
def test_with_no_speech_engine_the_captions_carry_the_conversation(
        guide: Guide, clips: dict[str, Path]) -> None:
    day = Day(guide, synth=None)
    day.play(clips["cramp"], 5.0, clips["stop"])
    assert day.shown("guide")[-1] == guide.kb.prompts["stopped"]
    assert day.shown("you") == ["my calf is cramping", "stop"]


@pytest.mark.speech
def test_buttons_on_the_screen_stop_and_repeat_through_the_dialogue(
        guide: Guide, clips: dict[str, Path]) -> None:
    day = Day(guide)
    kiosk = day.kiosk
    pressed: list[str] = []

    def press_during_the_hold() -> bool:
        if kiosk.session.mode == "routine" and not pressed:
            day.board.press("repeat")
            day.board.press("stop")
            pressed.append("done")
        return kiosk.loop.waiting_for_person()

    day.plan(lambda: WavSource([clips["cramp"], clips["longer"]], day.clock,
                               fast=True, ready=press_during_the_hold,
                               settled=kiosk.loop.settled))
    kiosk.run()
    said = day.shown("guide")
    assert guide.kb.prompts["stopped"] in said
    assert said[-1] == guide.kb.prompts["time_left_none"], "stopped: no countdown is left"


@pytest.mark.speech
def test_nothing_leaves_the_machine_during_a_whole_kiosk_conversation(
        guide: Guide, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(
                address[0]).startswith(("127.", "::1", "localhost")):
            attempts.append(address)
            raise OSError(101, "Network is unreachable (blocked by the privacy test)")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    day = Day(guide)
    server = CaptionServer(day.board)
    server.start()
    try:
        day.play(clips["cramp"], 3.0, clips["stop"])
        with urllib.request.urlopen(server.url + "state", timeout=5) as reply:
            state = json.load(reply)
    finally:
        server.close()
    assert attempts == []
    assert [line["text"] for line in state["lines"] if line["who"] == "you"] == [
        "my calf is cramping", "stop"]


@pytest.mark.speech
def test_the_kiosk_runs_in_a_namespace_with_no_network_at_all(
        clips: dict[str, Path], tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot make a network namespace here (unshare -rn failed)")
    log = tmp_path / "turns.jsonl"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[log]\nfile = "{log}"\n[kiosk]\nhealth_file = '
                      f'"{tmp_path / "heartbeat"}"\n', encoding="utf-8")
    done = subprocess.run(
        ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
         sys.executable, "-m", "voiceguide", "kiosk", "--config", str(config),
         "--input", f"wav:{clips['cramp']},{clips['stop']}", "--fast",
         "--output", f"wav:{tmp_path / 'out.wav'}", "--captions", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    intents = [json.loads(line).get("intent") for line in log.read_text().splitlines()]
    assert [i for i in intents if i] == ["cramp.relief", "control.stop"]
    assert (tmp_path / "out.wav").stat().st_size > 100_000


def test_time_left_is_said_as_a_person_would() -> None:
    assert [duration_words(s) for s in (0.2, 1, 17.5, 59, 60, 95, 600)] == [
        "one second", "one second", "eighteen seconds", "fifty nine seconds",
        "about a minute", "about two minutes", "about ten minutes"]


@pytest.mark.speech
def test_a_captions_port_already_taken_leaves_the_voice_working(
        clips: dict[str, Path], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "voiceguide", "kiosk", "--input",
             f"wav:{clips['cramp']},{clips['stop']}", "--fast", "--output",
             f"wav:{tmp_path / 'out.wav'}", "--captions", f"127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    lines = [event for event in map(json.loads, done.stderr.splitlines())
             if event.get("event") != "recogniser_chosen"]
    assert lines[0]["event"] == "captions_unavailable" and str(port) in lines[0]["error"]
    assert lines[0]["retry_in"] == 1.0, "it will be tried again"
    assert [line["intent"] for line in lines if "intent" in line] == ["cramp.relief",
                                                                      "control.stop"]


def test_an_idle_reset_clears_the_screen_and_shows_the_welcome_so_repeat_works(
        guide: Guide, utterances: list[Path]) -> None:
    day = scripted(guide, ["how much longer", "louder please"], idle_timeout=20)
    clips = {"longer": utterances[0], "louder": utterances[1]}
    kiosk = day.kiosk
    screens = []
    sounding = []

    def after_the_reset() -> bool:
        """The next person speaks only after the reset, pressing Repeat first."""
        if kiosk.resets == 0:
            return False
        if not screens:
            screens.append(day.board.snapshot())
            sounding.append(day.sink.busy())
            day.board.press("repeat")
        return kiosk.loop.waiting_for_person()

    day.plan(lambda: WavSource([clips["longer"], clips["louder"]], day.clock,
                               fast=True, ready=after_the_reset, settled=kiosk.loop.settled))
    kiosk.run()
    welcome = guide.kb.prompts["welcome"]
    shown = screens[0]
    assert [line["text"] for line in shown["lines"]] == [welcome], \
        "nothing of the last person's is left"
    assert shown["screen"] == 1, "open pages are told to drop their lines"
    assert sounding == [False], "the empty room is not spoken to at the reset"
    said = day.shown("guide")
    assert said[:2] == [welcome, welcome], "shown at the reset, and said for Repeat"
    assert guide.kb.prompts["nothing_to_repeat"] not in said


@pytest.mark.speech
def test_countdown_cues_are_spoken_but_not_captioned(guide: Guide,
                                                      clips: dict[str, Path]) -> None:
    spoken: list[str] = []
    day = Day(guide)
    kiosk = day.kiosk
    captioned = kiosk._spoken

    def both(event: Any) -> None:
        if getattr(event, "key", "").startswith("cue:"):
            spoken.append(event.text)
        captioned(event)

    kiosk.speaker._observer = both
    day.play(clips["cramp"], 40.0)
    assert "Ten seconds." in spoken, "the voice still counts down"
    said = day.shown("guide")
    assert not set(spoken) & set(said), "the screen's countdown line shows the time"
    assert "And let go, slowly." in said


@pytest.mark.speech
def test_the_screen_is_told_when_the_guide_listens_and_talk_is_pressed(
        guide: Guide, clips: dict[str, Path]) -> None:
    day = Day(guide)
    kiosk = day.kiosk
    kiosk.loop._settings = ListenSettings(activation="key")
    pressed: list[bool] = []

    def press_talk_once() -> bool:
        if not pressed and kiosk.loop.waiting_for_person():
            day.board.press("talk")
            pressed.append(True)
            return False
        return kiosk.loop.waiting_for_person() and kiosk.loop.listening()

    day.plan(lambda: WavSource([clips["cramp"]], day.clock, fast=True,
                               ready=press_talk_once, settled=kiosk.loop.settled))
    kiosk.run()
    states = day.board.listening
    first = states.index((True, True))
    assert (True, True) in states, "Talk shown pressed, and the guide listening"
    assert (False, False) in states[first:], "and both over once it heard the words"
    assert ("routine", "Calf stretch") in day.board.statuses


def test_a_flood_of_button_presses_is_one_press(guide: Guide) -> None:
    clock = ManualClock()
    board = CaptionBoard(clock.monotonic)
    kiosk = Kiosk(guide, clock=clock, recognizer=DeafRecognizer(),
                  synth=None, sink=TimelineSink(clock), open_source=absent, board=board)
    for _ in range(200):
        board.press("repeat")
    board.press("stop")
    assert kiosk.presses_dropped == 199
    clock.set(clock.monotonic() + 1.0)
    board.press("repeat")
    assert kiosk.presses_dropped == 199, "a second later it counts again"
    queued = []
    while not kiosk.loop._commands.empty():
        queued.append(kiosk.loop._commands.get_nowait())
    assert queued == ["repeat", "stop", "repeat"]

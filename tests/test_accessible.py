"""By ear alone, across restarts: the introduction once, and the voice as it was left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from voiceguide.guide import Guide

pytestmark = [pytest.mark.speech, pytest.mark.realtime]


def test_first_night_has_the_introduction_and_slower_is_remembered_after_a_restart(
        guide: Guide, speech: Callable[..., list[Any]], tmp_path: Path) -> None:
    slower = speech([("control.slower", "slower please")])[0].path
    env = {**os.environ, "VOICEGUIDE_CONFIG_DIR": str(tmp_path / "config")}

    def night(n: int) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "voiceguide", "listen", "--input", f"wav:{slower}",
             "--fast", "--output", f"wav:{tmp_path / f'night{n}.wav'}"],
            capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    intro = guide.kb.prompts["intro"].split(". ")[0]
    first = night(1)
    assert intro in first
    saved = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert saved["intro_done"] is True and saved["rate"] == 130

    second = night(2)
    assert intro not in second, "the introduction is for the first night only"
    assert "more slowly" in second
    saved = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert saved["rate"] == 110, "the second night started from the saved rate"


def test_sigterm_in_the_middle_of_a_stretch_ends_cleanly_within_a_second(
        speech: Callable[..., list[Any]], tmp_path: Path) -> None:
    cramp = speech([("cramp.relief", "my calf is cramping")])[0].path
    # Not the first night, whichever test ran before: the stretch starts after the
    # welcome alone.
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text('{"intro_done": true}', encoding="utf-8")
    out = tmp_path / "said.wav"
    listen = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "listen", "--input", f"wav:{cramp}",
         "--output", f"wav:{out}"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "VOICEGUIDE_CONFIG_DIR": str(config)})
    try:
        assert listen.stdout is not None
        for line in listen.stdout:  # real time: wait until the stretch has begun
            if "pull your toes up" in line:
                break
        started = time.monotonic()
        listen.send_signal(signal.SIGTERM)
        assert listen.wait(timeout=10) == 0
        assert time.monotonic() - started < 1.0
    finally:
        if listen.poll() is None:
            listen.kill()
        listen.communicate(timeout=10)
    assert out.stat().st_size > 50_000, "what was said so far is written out"

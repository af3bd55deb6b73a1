"""By ear alone, across restarts: the introduction once, and the voice as it was left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from voiceguide.guide import Guide


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

"""The kiosk's captions screen in a real browser, with the real `voiceguide kiosk`
behind it: a conversation fed from a WAV file, started by pressing Talk."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import BROWSER_FLAGS, CHROMEDRIVER, CHROMIUM, ROOT, artifacts, next_event

pytestmark = [pytest.mark.speech, pytest.mark.realtime]


def test_press_talk_say_the_cramp_and_the_screen_follows_the_stretch(
        speech: Callable[..., list[Any]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium "
                    "chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="needs selenium (pip install selenium)")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    cramp = speech([("cramp.relief", "my calf is cramping")])[0].path
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[listen]\nactivation = "key"\n[kiosk]\nhealth_file = '
                      f'"{tmp_path / "heartbeat"}"\n', encoding="utf-8")
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "kiosk", "--config", str(config),
         "--input", f"wav:{cramp}", "--output", f"wav:{tmp_path / 'said.wav'}",
         "--captions", "127.0.0.1:0"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    monkeypatch.setenv("SE_OFFLINE", "true")
    profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
    driver = None
    try:
        assert kiosk.stderr is not None
        first = next_event(kiosk.stderr)
        assert first["event"] == "captions", first
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*BROWSER_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.set_window_size(1024, 768)
        wait = WebDriverWait(driver, 30)
        driver.get(first["url"])
        captions = driver.find_element(By.ID, "captions")
        wait.until(lambda d: "night-time leg guide" in captions.text)
        assert "You:" not in captions.text, "nothing is heard before Talk"

        driver.find_element(By.ID, "talk").click()
        wait.until(lambda d: "You: my calf is cramping" in captions.text)
        step = driver.find_element(By.ID, "step")
        countdown = driver.find_element(By.ID, "countdown")
        wait.until(lambda d: step.text == "Calf stretch" and "seconds left" in countdown.text)
        driver.save_screenshot(str(artifacts() / "kiosk-stretch.png"))

        health = subprocess.run(
            [sys.executable, "-m", "voiceguide", "health", "--file",
             str(tmp_path / "heartbeat")], capture_output=True, text=True, check=False)
        assert (health.returncode, health.stdout[:3]) == (0, "ok:"), health.stdout

        started = time.monotonic()
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(timeout=10) == 0
        assert time.monotonic() - started < 2, "SIGTERM ends the kiosk within a second"
    finally:
        if driver is not None:
            driver.quit()
        if kiosk.poll() is None:
            kiosk.kill()
        kiosk.communicate(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    assert not (tmp_path / "heartbeat").exists(), "a clean exit removes the heartbeat"
    stopped = subprocess.run(
        [sys.executable, "-m", "voiceguide", "health", "--file", str(tmp_path / "heartbeat")],
        capture_output=True, text=True, check=False)
    assert stopped.returncode == 1 and stopped.stdout.startswith("not running")

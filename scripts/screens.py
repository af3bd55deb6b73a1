#!/usr/bin/env python3
"""Screenshots of the captions screen as a real kiosk shows it, for docs/screens/.

Starts `voiceguide kiosk` (push-to-talk, ten-second idle reset) with "my calf is
cramping" rendered by espeak-ng or flite as its microphone, and photographs its page
in headless Chromium at 800x480, 1024x600, 1280x800, 1920x1080 and a phone's 390x844:
idle, during the calf stretch (Talk pressed through the page's own button API), and
after the idle reset that follows Stop. A 1280x800 screen at 200% zoom is added for the
stretch. PNGs are made small with pngquant when it is installed
(apt-get install pngquant).

Usage: python scripts/screens.py [--out docs/screens]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.bench.render import render  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--no-proxy-server", "--hide-scrollbars")
SCREENS = {"800x480": (800, 480, 1), "1024x600": (1024, 600, 1), "1280x800": (1280, 800, 1),
           "1920x1080": (1920, 1080, 1), "phone": (390, 844, 1)}
ZOOMED = {"1280x800-zoom200": (1280, 800, 2)}
IDLE_TIMEOUT = 10
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str) -> None:
    """What the page's buttons do: an empty POST from the page's own origin."""
    request = urllib.request.Request(url, data=b"", method="POST",
                                     headers={"Origin": url.rsplit("/", 1)[0]})
    with OPENER.open(request, timeout=10) as reply:
        reply.read()


def state(url: str) -> dict[str, Any]:
    with OPENER.open(url + "state", timeout=10) as reply:
        return json.load(reply)  # type: ignore[no-any-return]


def wait_for(what: str, check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"screens: gave up waiting for {what}")
        time.sleep(0.2)


def events(stream: IO[str], name: str) -> dict[str, Any]:
    """The kiosk's next log line with ``event`` = ``name``."""
    for line in stream:
        if not line.startswith("{"):
            continue  # a warning, not a log record
        record = json.loads(line)
        if record.get("event") == name:
            return record  # type: ignore[no-any-return]
    raise SystemExit(f"screens: the kiosk ended before {name}")


def browser(profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must fetch nothing
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def shoot(driver: Any, out: Path, moment: str, screens: dict[str, tuple[int, int, int]]
          ) -> list[Path]:
    taken = []
    for name, (width, height, zoom) in screens.items():
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width // zoom, "height": height // zoom, "deviceScaleFactor": zoom,
            "mobile": name == "phone"})
        time.sleep(0.4)  # the page re-lays itself out and scrolls to the newest caption
        path = out / f"{moment}-{name}.png"
        driver.save_screenshot(str(path))
        taken.append(path)
    return taken


def shrink(paths: list[Path]) -> None:
    """Down to a 32-colour palette: the page has black, two ambers and a beige."""
    if shutil.which("pngquant") is None:
        print("screens: pngquant is not installed; the PNGs are left as Chromium made them")
        return
    subprocess.run(["pngquant", "--force", "--skip-if-larger", "--strip", "--ext", ".png",
                    "32", *map(str, paths)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="voiceguide-screens-"))
    cramp = render([("cramp.relief", "my calf is cramping")], work, ("flite:awb",),
                   ("clean",))[0].path
    config = work / "kiosk.toml"
    config.write_text(f'[listen]\nactivation = "key"\n[kiosk]\nidle_timeout = {IDLE_TIMEOUT}'
                      f'\nhealth_file = "{work / "heartbeat"}"\n', encoding="utf-8")
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "kiosk", "--config", str(config),
         "--input", f"wav:{cramp},{IDLE_TIMEOUT * 6}", "--output",
         f"wav:{work / 'said.wav'}", "--captions", "127.0.0.1:0"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=os.environ | {"VOICEGUIDE_CONFIG_DIR": str(work / "config")})
    profile = tempfile.mkdtemp(prefix="screens-chromium-")
    driver = None
    taken: list[Path] = []
    try:
        assert kiosk.stderr is not None
        url = events(kiosk.stderr, "captions")["url"]
        driver = browser(profile)
        driver.get(url)
        wait_for("the welcome", lambda: len(state(url)["lines"]) >= 1)
        time.sleep(1)
        taken += shoot(driver, out, "idle", SCREENS)

        post(url + "talk")
        wait_for("the stretch", lambda: state(url)["step"] == "Calf stretch"
                 and state(url)["seconds_left"] is not None)
        time.sleep(2)
        taken += shoot(driver, out, "routine", SCREENS | ZOOMED)

        post(url + "stop")
        events(kiosk.stderr, "conversation_reset")
        wait_for("the welcome again", lambda: state(url)["screen"] >= 1
                 and len(state(url)["lines"]) >= 1)
        time.sleep(1)
        taken += shoot(driver, out, "after-reset", SCREENS)
    finally:
        if driver is not None:
            driver.quit()
        kiosk.terminate()
        kiosk.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    shrink(taken)
    total = sum(path.stat().st_size for path in taken)
    for path in taken:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
              f"{path.stat().st_size // 1024} KiB")
    print(f"{len(taken)} screenshots, {total / 1024:.0f} KiB in all")


if __name__ == "__main__":
    main()

"""The captions page as the screens kiosks have show it, in a real headless Chromium:
the newest caption and Stop in sight at every size and zoom, text that zooms, states in
words a person uses, axe-core's accessibility rules, the screen cleared for the next
person, and the night's dimming.

Browser zoom is emulated as Chromium does it: the page gets a viewport of the screen's
size divided by the zoom, drawn with that many device pixels per CSS pixel.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from datetime import time as dt_time
from typing import Any

import pytest

from tests.support import BROWSER_FLAGS, CHROMEDRIVER, CHROMIUM, ROOT
from voiceguide.captions import CaptionBoard, CaptionServer
from voiceguide.captions.night import NightDimming
from voiceguide.dialogue.engine import Mode
from voiceguide.dialogue.events import Say
from voiceguide.guide import Guide
from voiceguide.testing import Night

AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {"800x480": (800, 480), "1024x600": (1024, 600), "1280x800": (1280, 800),
           "1920x1080": (1920, 1080), "phone": (390, 844)}
ZOOMS = (1, 2, 4)
"""400% is WCAG's reflow case for a 1280-pixel screen (320 CSS pixels wide); an 800x480
panel at 400% would be 200x120, and is tried at 200% only."""


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium "
                    "chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="needs selenium (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager must fetch nothing
        profile = tempfile.mkdtemp(prefix="screen-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*BROWSER_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield browser
        finally:
            browser.quit()
            shutil.rmtree(profile, ignore_errors=True)


def show(driver: Any, width: int, height: int, zoom: float = 1, mobile: bool = False) -> None:
    """The viewport of a ``width`` x ``height`` screen at ``zoom``."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": round(width / zoom), "height": round(height / zoom),
        "deviceScaleFactor": zoom * (3 if mobile else 1), "mobile": mobile})


def routine(guide: Guide, board: CaptionBoard) -> None:
    """The board as it stands a few seconds into the calf stretch: the real sentences."""
    night = Night(guide)
    seen = 0

    def captions() -> None:
        nonlocal seen
        for spoken in night.speaker.events[seen:]:
            event = spoken.event
            if isinstance(event, Say) and not event.key.startswith("cue:"):
                board.said(event.text)
        seen = len(night.speaker.events)

    night.session.start()
    captions()
    board.heard("my calf is cramping")
    night.say("my calf is cramping")
    night.wait(5)
    captions()
    board.status("routine", "Calf stretch", ends_at=time.monotonic() + 30)


@pytest.fixture
def screen(guide: Guide) -> Iterator[tuple[CaptionBoard, CaptionServer]]:
    board = CaptionBoard()
    routine(guide, board)
    server = CaptionServer(board)
    server.start()
    try:
        yield board, server
    finally:
        server.close()


def load(driver: Any, server: CaptionServer, until: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url)
    WebDriverWait(driver, 10).until(lambda d: until in d.execute_script(
        "return document.getElementById('captions').textContent"))


GEOMETRY = """
const box = (e) => { const r = e.getBoundingClientRect();
                     return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
const log = document.getElementById("captions");
return {width: innerWidth, height: innerHeight,
        scrollWidth: document.documentElement.scrollWidth,
        newest: box(log.lastElementChild), region: box(log),
        buttons: [...document.querySelectorAll("button")].map(box)};
"""


def inside(box: dict[str, float], width: float, height: float) -> bool:
    return (box["top"] >= -0.5 and box["left"] >= -0.5 and box["bottom"] <= height + 0.5
            and box["right"] <= width + 0.5)


@pytest.mark.parametrize("name", SCREENS)
def test_the_newest_caption_and_stop_are_in_sight_at_every_size_and_zoom(
        driver: Any, screen: tuple[CaptionBoard, CaptionServer], name: str) -> None:
    _board, server = screen
    width, height = SCREENS[name]
    mobile = name == "phone"
    for zoom in (1,) if mobile else ZOOMS if width >= 1280 else ZOOMS[:2]:
        show(driver, width, height, zoom, mobile)
        load(driver, server, "Guide:")
        where = f"{name} at {zoom * 100}%"
        shape = driver.execute_script(GEOMETRY)
        w, h = shape["width"], shape["height"]
        assert shape["scrollWidth"] <= w, f"{where}: scrolls sideways"
        for button in shape["buttons"]:
            assert inside(button, w, h), f"{where}: a button is off screen: {button}"
        region, newest = shape["region"], shape["newest"]
        assert inside(region, w, h), f"{where}: the captions are off screen"
        if newest["bottom"] - newest["top"] <= region["bottom"] - region["top"] + 0.5:
            assert inside(newest, w, h) and newest["top"] >= region["top"] - 0.5 and \
                newest["bottom"] <= region["bottom"] + 0.5, f"{where}: {shape}"
        else:  # taller than the room there is: its start, where reading begins
            assert abs(newest["top"] - region["top"]) <= 1, f"{where}: {shape}"


def caption_pixels(driver: Any, zoom: float) -> float:
    """The caption text's height on the screen, in device pixels."""
    size = driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('#captions p'))"
        ".fontSize)")
    return float(size) * zoom


def test_200_percent_zoom_doubles_the_captions(
        driver: Any, screen: tuple[CaptionBoard, CaptionServer]) -> None:
    """WCAG's resize-text (F94): text sized by the viewport grows far less than the
    zoom asks (1.14 times at 200% on a 1366-pixel screen before)."""
    _board, server = screen
    sizes = {}
    for zoom in (1, 2):
        show(driver, 1366, 768, zoom)
        load(driver, server, "Guide:")
        sizes[zoom] = caption_pixels(driver, zoom)
    ratio = sizes[2] / sizes[1]
    print(f"caption text at 200% zoom: {ratio:.2f} times its size at 100%")
    assert ratio >= 1.99, sizes


def test_axe_core_finds_nothing_to_fix(driver: Any, screen: tuple[CaptionBoard,
                                                                   CaptionServer]) -> None:
    if not AXE.exists():
        pytest.skip("needs axe-core (scripts/install.sh \"[test]\" installs it with npm)")
    board, server = screen
    found = {}
    for state in ("routine", "listening", "idle"):
        if state == "listening":
            board.status("idle", listening=True, talk=True)
        elif state == "idle":
            board.clear()
            board.said("Hello. Tell me what is happening.")
        for name in ("1024x600", "phone"):
            show(driver, *SCREENS[name], mobile=name == "phone")
            load(driver, server, "Guide:")
            # A button fading to its new colour (0.15 s) measured halfway is not what a
            # person reads; under load axe once caught one mid-fade.
            driver.execute_script(
                "const s = document.createElement('style');"
                "s.textContent = '* { transition: none !important; }';"
                "document.head.appendChild(s);")
            driver.execute_script(AXE.read_text(encoding="utf-8"))
            result = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => done(r.violations.map(v => [v.id, v.impact, "
                "v.nodes.map(n => n.target.join(' '))])));")
            found[f"{state} {name}"] = result
    assert all(not violations for violations in found.values()), found


def test_states_are_shown_in_words_a_person_uses_and_listening_is_announced(
        driver: Any, screen: tuple[CaptionBoard, CaptionServer]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    board, server = screen
    page = server.page.decode()
    modes = dict(re.findall(r'^\s+(\w+): "([^"]+)",$', page[page.index("const MODES"):
                                                              page.index("};")], re.M))
    assert {mode.value for mode in Mode} <= modes.keys(), "a state with no words"
    show(driver, *SCREENS["1024x600"])
    load(driver, server, "Guide:")
    state = driver.find_element("id", "mode")
    talk = driver.find_element("id", "talk")
    wait = WebDriverWait(driver, 10)
    assert state.get_attribute("role") == "status", "state changes are announced"
    for mode in Mode:
        board.status(mode.value)
        wait.until(lambda d, m=mode: state.text == modes[m.value])
        assert state.text[0].isupper() and state.text != mode.value
    board.status("idle", listening=True, talk=True)
    wait.until(lambda d: state.text == "Listening")
    assert talk.get_attribute("aria-pressed") == "true"
    big = driver.execute_script("return parseFloat(getComputedStyle("
                                "document.getElementById('mode')).fontSize)")
    assert big >= 24, "the state is large"
    board.status("idle")
    wait.until(lambda d: state.text == "Ready")
    assert talk.get_attribute("aria-pressed") == "false"
    countdown = driver.find_element("id", "countdown")
    assert (countdown.get_attribute("role"), countdown.get_attribute("aria-live")) == (
        "timer", "off"), "a screen reader is not read the seconds"
    assert "<noscript>" in page


def test_the_next_person_sees_nothing_of_the_last_ones_words(
        driver: Any, screen: tuple[CaptionBoard, CaptionServer]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    board, server = screen
    show(driver, *SCREENS["1280x800"])
    load(driver, server, "my calf is cramping")
    board.clear()
    board.said("Hello. I'm your night-time leg guide.")
    captions = driver.find_element("id", "captions")
    WebDriverWait(driver, 10).until(
        lambda d: captions.text == "Guide: Hello. I'm your night-time leg guide.")


def test_a_lost_guide_is_said_at_the_top_where_the_state_is(
        driver: Any, screen: tuple[CaptionBoard, CaptionServer]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    _board, server = screen
    show(driver, *SCREENS["800x480"])
    load(driver, server, "Guide:")
    server.close()
    state = driver.find_element("id", "mode")
    WebDriverWait(driver, 10).until(lambda d: state.text.startswith("Not connected"))
    assert inside(driver.execute_script(
        "const r = document.getElementById('mode').getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}"), 800, 480)


def test_at_night_the_page_is_dimmed(driver: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    board = CaptionBoard(night=NightDimming(dt_time(22), dt_time(7), 0.4),
                         wall=lambda: datetime(2025, 1, 1, 23, 30))
    board.said("Breathe out slowly.")
    server = CaptionServer(board)
    server.start()
    try:
        show(driver, *SCREENS["1024x600"])
        load(driver, server, "Breathe out")
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(
            "return getComputedStyle(document.body).filter") == "brightness(0.4)")
    finally:
        server.close()

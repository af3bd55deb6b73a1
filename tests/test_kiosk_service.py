"""The kiosk as systemd runs it: exit status 78 for what only an edit can fix, readiness
and a watchdog over systemd's own notify socket, and a captions port tried again."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import ROOT, next_event
from voiceguide.cli import main
from voiceguide.cli.service import EXIT_CONFIG
from voiceguide.configure import load_settings
from voiceguide.service.sdnotify import Notifier

QUIET = ["--input", "wav:0.5", "--fast", "--captions", "127.0.0.1:0"]


@pytest.mark.parametrize("mistake", ["log", "docs", "content"])
@pytest.mark.speech
def test_what_only_an_edit_can_fix_exits_78_so_systemd_does_not_restart_it(
        tmp_path: Path, mistake: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\nhealth_file = "{tmp_path / "heartbeat"}"\n', encoding="utf-8")
    args = ["--config", str(config)]
    if mistake == "log":
        config.write_text(config.read_text() + '[log]\nfile = "/proc/no/log.jsonl"\n')
    elif mistake == "docs":
        (tmp_path / "index.json").write_text("{not an index", encoding="utf-8")
        args = ["--docs", str(tmp_path / "index.json"), *args]
    else:
        (tmp_path / "content").mkdir()
        args = ["--content", str(tmp_path / "content"), *args]
    code = main([*args[:-2], "kiosk", *args[-2:], *QUIET, "--output",
                 f"wav:{tmp_path / 'out.wav'}"])
    error = capsys.readouterr().err
    assert code == EXIT_CONFIG == 78
    assert error.count("\n") == 1 and error.startswith("voiceguide: error: "), error


@pytest.mark.parametrize("given", ["-5", "nan", "inf", "1e9", "0", "5"])
def test_an_idle_timeout_the_kiosk_cannot_use_is_refused(
        tmp_path: Path, given: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["kiosk", "--idle-timeout", given, *QUIET, "--output",
                 f"wav:{tmp_path / 'out.wav'}"])
    assert code == 78
    assert capsys.readouterr().err == (f"voiceguide: error: --idle-timeout {float(given):g} "
                                       "is out of range; give 10 to 3600\n")


def test_an_idle_timeout_in_range_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\nidle_timeout = 60\n", encoding="utf-8")
    assert load_settings(config).kiosk.idle_timeout == 60.0
    for given in (10.0, 3600.0):
        option = {"kiosk.idle_timeout": ("--idle-timeout", given)}
        assert load_settings(config, option).kiosk.idle_timeout == given


# systemd's notify protocol, on a real socket


@pytest.fixture
def notify_socket(tmp_path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(tmp_path / "notify"))
    listener.settimeout(10)
    return listener


def received(listener: socket.socket, until: str, timeout: float = 60) -> list[str]:
    """Every datagram up to and including ``until``."""
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got.append(listener.recv(4096).decode())
        if got[-1].startswith(until):
            return got
    raise AssertionError(f"no {until} in {got}")


def test_the_notifier_speaks_systemds_protocol(notify_socket: socket.socket) -> None:
    now = [0.0]
    path = notify_socket.getsockname()
    notifier = Notifier(path, watchdog_seconds=2.0, clock=lambda: now[0])
    notifier.ready("listening")
    for step in range(30):  # every 0.1 s for 3 s: fed at 0, 1, 2 (half of WatchdogSec)
        now[0] = step / 10
        notifier.watchdog()
    notifier.stopping()
    assert received(notify_socket, "STOPPING=1") == [
        "READY=1\nSTATUS=listening", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]
    notifier.close()


def test_an_abstract_socket_address_is_understood() -> None:
    name = f"voiceguide-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(5)
        Notifier(f"@{name}").ready()
        assert listener.recv(100) == b"READY=1"


def test_the_environment_decides_whether_and_how_often_to_notify() -> None:
    assert Notifier.from_environ({}, 10) is None
    assert Notifier.from_environ({"NOTIFY_SOCKET": "relative"}, 10) is None
    plain = Notifier.from_environ({"NOTIFY_SOCKET": "/run/notify"}, 10)
    assert plain is not None and plain.watchdog_seconds is None
    ours = Notifier.from_environ({"NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "20000000",
                                  "WATCHDOG_PID": "10"}, 10)
    assert ours is not None and ours.watchdog_seconds == 20.0
    theirs = Notifier.from_environ({"NOTIFY_SOCKET": "/run/notify",
                                    "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "11"}, 10)
    assert theirs is not None and theirs.watchdog_seconds is None


def test_a_service_manager_that_stops_reading_never_blocks_the_loop(
        notify_socket: socket.socket) -> None:
    notifier = Notifier(notify_socket.getsockname(), watchdog_seconds=0.0)
    started = time.monotonic()
    for _ in range(500):  # a unix datagram queue holds a few; nobody reads this one
        notifier.watchdog()
    assert time.monotonic() - started < 1.0


def test_a_notify_socket_that_is_gone_is_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(str(tmp_path / "gone"), watchdog_seconds=0.0)
    for _ in range(3):
        notifier.watchdog()
    assert sum("cannot tell systemd" in r.message for r in caplog.records) == 1


@pytest.mark.speech
def test_the_kiosk_says_ready_feeds_the_watchdog_from_its_loop_and_says_stopping(
        tmp_path: Path, notify_socket: socket.socket) -> None:
    """A real kiosk, in real time for three seconds of quiet, with a one-second
    watchdog: fed about every half second while the loop turns."""
    env = os.environ | {"NOTIFY_SOCKET": notify_socket.getsockname(),
                        "WATCHDOG_USEC": "1000000"}
    running = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "kiosk", "--input", "wav:3", "--output",
         f"wav:{tmp_path / 'out.wav'}", "--captions", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    try:
        got = received(notify_socket, "STOPPING=1", timeout=60)
        assert running.wait(timeout=30) == 0
    finally:
        if running.poll() is None:
            running.kill()
    assert got[0] == "READY=1\nSTATUS=listening"
    # Three seconds of quiet, the welcome (about 6 s) and a short tail: fed about every
    # half second throughout, by the loop.
    feeds = got.count("WATCHDOG=1")
    assert 10 <= feeds <= 30, got
    assert got[-1] == "STOPPING=1"
    assert set(got[1:-1]) == {"WATCHDOG=1"}


# The captions port


@pytest.mark.speech
def test_a_taken_captions_port_is_tried_again_until_the_screen_comes_up(
        tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\nhealth_file = "{tmp_path / "heartbeat"}"\n', encoding="utf-8")
    running = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "kiosk", "--config", str(config), "--input",
         "wav:8", "--output", f"wav:{tmp_path / 'out.wav'}", "--captions",
         f"127.0.0.1:{port}"], cwd=ROOT, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert running.stderr is not None
        first = next_event(running.stderr)
        assert first["event"] == "captions_unavailable" and first["retry_in"] == 1.0
        taken.close()  # the old program lets go of the port
        started = time.monotonic()
        while (line := json.loads(running.stderr.readline()))["event"] != "captions":
            assert line["event"] == "captions_unavailable", line
        assert time.monotonic() - started < 5
        assert line["url"] == f"http://127.0.0.1:{port}/"
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                line["url"] + "state", timeout=10) as reply:
            assert reply.status == 200
    finally:
        taken.close()
        running.terminate()
        running.communicate(timeout=30)

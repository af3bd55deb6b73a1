"""The heartbeat a kiosk writes and the check that restarts it when it hangs, with the
systemd units that run both."""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT
from voiceguide.errors import VoiceguideError
from voiceguide.service.health import Heartbeat, check, default_health_file

DEPLOY = ROOT / "deploy"
UNITS = ("voiceguide-kiosk.service", "voiceguide-health.service", "voiceguide-health.timer")


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("RUNTIME_DIRECTORY", "XDG_RUNTIME_DIR", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return monkeypatch


def test_the_default_file_follows_the_environment(clean_env: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    assert default_health_file() == tmp_path / ".local/state/voiceguide/heartbeat"
    clean_env.setenv("XDG_STATE_HOME", "/state")
    assert default_health_file() == Path("/state/voiceguide/heartbeat")
    clean_env.setenv("XDG_RUNTIME_DIR", "relative")  # ignored, as XDG says
    assert default_health_file() == Path("/state/voiceguide/heartbeat")
    clean_env.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert default_health_file() == Path("/run/user/1000/voiceguide/heartbeat")
    clean_env.setenv("RUNTIME_DIRECTORY", "/run/voiceguide:/run/other")
    assert default_health_file() == Path("/run/voiceguide/heartbeat")


def test_a_fresh_heartbeat_is_ok(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "run" / "voiceguide" / "heartbeat"
    Heartbeat(path, clock).beat()
    assert check(path, now=clock.now + 2.1) == (True, "ok: last heartbeat 2.1 s ago")
    assert [p.name for p in path.parent.iterdir()] == ["heartbeat"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_stale_heartbeat_is_stuck(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "heartbeat"
    Heartbeat(path, clock).beat()
    assert check(path, now=clock.now + 95) == (
        False, "stuck: last heartbeat 95 s ago (limit 30 s)")
    assert check(path, limit=120, now=clock.now + 95)[0]


def test_no_heartbeat_is_not_running(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    assert check(path) == (False, f"not running: no heartbeat at {path}")


def test_the_real_clock_is_used_by_default(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    Heartbeat(path).beat()
    fresh, line = check(path)
    assert fresh and line.startswith("ok: last heartbeat 0.")


def test_beats_are_written_at_most_once_every_few_seconds(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "heartbeat"
    heartbeat = Heartbeat(path, clock, every=5.0)
    heartbeat.beat()
    for step in range(49):  # every 0.1 s for 4.9 s: nothing new written
        clock.now = 1_000.0 + step / 10
        heartbeat.beat()
    assert written(path) == 1_000.0
    clock.now = 1_005.0
    heartbeat.beat()
    assert written(path) == 1_005.0


def written(path: Path) -> float:
    """The time a heartbeat file was written at: its first field."""
    return float(path.read_text(encoding="ascii").split()[0])


def test_a_clock_set_back_does_not_silence_the_heartbeat(tmp_path: Path) -> None:
    clock = Clock(10_000.0)
    path = tmp_path / "heartbeat"
    heartbeat = Heartbeat(path, clock)
    heartbeat.beat()
    clock.now = 6_400.0
    heartbeat.beat()  # at once, not in an hour's time
    assert written(path) == 6_400.0
    assert check(path, now=clock.now)[0]


def test_a_heartbeat_dated_in_the_future_is_not_ok(tmp_path: Path) -> None:
    """The kiosk rewrites a heartbeat left ahead by a clock set back within a beat; one
    still ahead means its loop is not turning, and it must not read "ok" for an hour."""
    clock = Clock(10_000.0)
    path = tmp_path / "heartbeat"
    Heartbeat(path, clock).beat()
    assert check(path, now=10_000.0 - 1.0)[0], "a moment's skew between two processes"
    fresh, line = check(path, now=10_000.0 - 3_600)
    assert not fresh
    assert line == ("stuck: the last heartbeat is dated 3600 s in the future (the clock "
                    "went back and the kiosk has not written since)")


def test_a_killed_kiosk_is_not_running_rather_than_stuck(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    code = ("import sys, time; from pathlib import Path; from voiceguide.service.health import "
            "Heartbeat; Heartbeat(Path(sys.argv[1])).beat(); print('beat', flush=True); "
            "time.sleep(60)")
    kiosk = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert kiosk.stdout is not None and kiosk.stdout.readline() == "beat\n"
        assert check(path)[0], "alive and fresh"
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
    assert path.exists(), "SIGKILL leaves no chance to remove it"
    fresh, line = check(path)
    assert not fresh
    assert line == (f"not running: the kiosk (process {kiosk.pid}) has gone without "
                    f"removing its heartbeat {path}")


def test_a_pid_taken_by_another_process_is_not_the_kiosk(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    Heartbeat(path).beat()
    pid, started = path.read_text(encoding="ascii").split()[1:]
    assert int(pid) == os.getpid()
    path.write_text(f"{time.time():.3f} {pid} {int(started) + 1}\n", encoding="ascii")
    assert check(path)[1].startswith("not running: the kiosk (process")


@pytest.mark.parametrize("limit", [math.nan, math.inf, -5.0, 0.0, 1e9])
def test_a_limit_the_check_cannot_use_is_refused(tmp_path: Path, limit: float) -> None:
    path = tmp_path / "heartbeat"
    Heartbeat(path).beat()
    with pytest.raises(VoiceguideError, match=r"give seconds from 1 to 86400$"):
        check(path, limit=limit, now=10**12)
    done = subprocess.run([sys.executable, "-m", "voiceguide", "health", "--file", str(path),
                           "--limit", str(limit)], capture_output=True, text=True, cwd=ROOT,
                          check=False, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--limit" in done.stderr, done.stderr


def test_closing_removes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    heartbeat = Heartbeat(path)
    heartbeat.beat()
    heartbeat.close()
    assert not path.exists()
    heartbeat.close()


def test_a_heartbeat_that_cannot_be_written_warns_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    clock = Clock()
    heartbeat = Heartbeat(blocker / "heartbeat", clock)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            heartbeat.beat()
            clock.now += 10
    assert len(caplog.records) == 1
    assert "cannot write the heartbeat" in caplog.records[0].getMessage()


@pytest.mark.parametrize("content", [b"", b"soon", b"nan", b"inf\n", b"\xff\xfe",
                                     b"12.5 0", b"12.5 x", b"1 2 3 4"])
def test_a_file_that_is_not_a_heartbeat_is_reported_in_one_line(
        tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "heartbeat"
    path.write_bytes(content)
    fresh, line = check(path, now=0.0)
    assert not fresh and "\n" not in line and str(path) in line


def test_an_unreadable_heartbeat_is_reported(tmp_path: Path) -> None:
    fresh, line = check(tmp_path, now=0.0)  # a folder
    assert not fresh and line.startswith("unknown: cannot read the heartbeat")


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's keys and their values, all sections together."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys


def test_the_kiosk_unit_is_unprivileged_offline_and_restarts() -> None:
    kiosk = unit("voiceguide-kiosk.service")
    assert kiosk["ExecStart"] == ["/opt/voiceguide/.venv/bin/voiceguide kiosk --config "
                                  "/etc/voiceguide/kiosk.toml"]
    for key, value in {"User": "voiceguide", "Group": "voiceguide",
                       "SupplementaryGroups": "audio", "Restart": "always",
                       "RestartSec": "2", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
                       "ProtectSystem": "strict", "ProtectHome": "yes",
                       "RuntimeDirectory": "voiceguide", "StateDirectory": "voiceguide",
                       "ConfigurationDirectory": "voiceguide", "IPAddressDeny": "any",
                       "IPAddressAllow": "localhost"}.items():
        assert kiosk[key] == [value], key
    assert "VOICEGUIDE_CONFIG_DIR=/var/lib/voiceguide" in kiosk["Environment"]


def test_the_kiosk_unit_has_a_watchdog_and_gives_up_on_a_crash_loop() -> None:
    kiosk = unit("voiceguide-kiosk.service")
    for key, value in {"Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30",
                       "RestartPreventExitStatus": "78", "StartLimitIntervalSec": "600",
                       "StartLimitBurst": "10", "UMask": "0077"}.items():
        assert kiosk[key] == [value], key
    assert unit("voiceguide-health.service")["TimeoutStartSec"] == ["30"]


def test_the_health_check_looks_where_the_kiosk_writes(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RUNTIME_DIRECTORY", "/run/voiceguide")  # RuntimeDirectory=voiceguide
    heartbeat = str(default_health_file())
    health = unit("voiceguide-health.service")
    assert health["ConditionPathExists"] == [heartbeat]
    assert health["ExecStart"][0].endswith(f"voiceguide health --file {heartbeat}")
    assert "systemctl restart voiceguide-kiosk.service" in health["ExecStopPost"][0]
    assert unit("voiceguide-health.timer")["OnCalendar"] == ["minutely"]


def copy_units(folder: Path) -> None:
    """The units with the program path pointed at one that exists here, so that
    ``systemd-analyze verify`` judges only our own keys."""
    program = shutil.which("true") or "/bin/true"
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("/opt/voiceguide/.venv/bin/voiceguide",
                                                program), encoding="utf-8")


def verify(folder: Path) -> str:
    """Everything ``systemd-analyze verify`` says about the units; empty when clean."""
    done = subprocess.run(["systemd-analyze", "verify", *(str(folder / n) for n in UNITS)],
                          capture_output=True, text=True, check=False, timeout=60)
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else
                                                  f" (exit {done.returncode})")


def exposure(folder: Path, name: str) -> float:
    """``systemd-analyze security --offline=true``'s overall figure for a unit file."""
    done = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                           str(folder / name)], capture_output=True, text=True, check=False,
                          timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout)
    if found is None:
        pytest.skip(f"this systemd-analyze cannot rate unit files offline: {done.stderr}")
    return float(found[1])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed here (apt-get install systemd)")
def test_both_services_are_rated_3_or_safer(tmp_path: Path) -> None:
    copy_units(tmp_path)
    scores = {name: exposure(tmp_path, name) for name in UNITS if name.endswith(".service")}
    assert all(score <= 3.0 for score in scores.values()), scores
    # The figure moves with the unit: without its sandbox the kiosk is rated exposed.
    kiosk = tmp_path / "voiceguide-kiosk.service"
    kiosk.write_text("\n".join(line for line in kiosk.read_text().splitlines()
                               if not line.startswith(("Protect", "SystemCall", "Restrict",
                                                       "Capability", "Private"))))
    assert exposure(tmp_path, "voiceguide-kiosk.service") > 5.0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed here (apt-get install systemd)")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    copy_units(tmp_path)
    assert verify(tmp_path) == ""
    kiosk = tmp_path / "voiceguide-kiosk.service"
    kiosk.write_text(kiosk.read_text(encoding="utf-8").replace("Restart=", "Restrat="),
                     encoding="utf-8")
    assert "Unknown key" in verify(tmp_path)  # so the check above can fail

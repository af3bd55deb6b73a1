"""The person's voice settings survive a restart, and neither a damaged file nor a full
disk can lose the old ones or stop the guide."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiceguide.errors import PrefsError, VoiceguideError
from voiceguide.prefs import Prefs, load_prefs, prefs_path, save_prefs

OLD = Prefs(rate=110, volume=0.9, voice="english-us", intro_done=True)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "settings.json"
    save_prefs(OLD, path)
    return path


def test_the_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("VOICEGUIDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert prefs_path() == tmp_path / ".config" / "voiceguide" / "settings.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/is/ignored")
    assert prefs_path() == tmp_path / ".config" / "voiceguide" / "settings.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg")
    assert prefs_path() == Path("/xdg/voiceguide/settings.json")
    monkeypatch.setenv("VOICEGUIDE_CONFIG_DIR", "/var/lib/voiceguide")
    assert prefs_path() == Path("/var/lib/voiceguide/settings.json")


def test_round_trip(saved: Path) -> None:
    assert load_prefs(saved) == OLD
    assert json.loads(saved.read_text(encoding="utf-8")) == {
        "rate": 110, "volume": 0.9, "voice": "english-us", "intro_done": True}


def test_the_default_path_is_used_when_none_is_given(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("VOICEGUIDE_CONFIG_DIR", str(tmp_path / "new" / "folder"))
    save_prefs(OLD)
    assert load_prefs() == OLD
    assert (tmp_path / "new" / "folder" / "settings.json").is_file()


def test_a_missing_file_gives_the_defaults_quietly(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    kiosk = Prefs(rate=130, volume=0.5)
    assert load_prefs(tmp_path / "settings.json") == Prefs()
    assert load_prefs(tmp_path / "settings.json", defaults=kiosk) == kiosk
    assert not caplog.records


@pytest.mark.parametrize("text", ["{", "", "\xff", "[1, 2]", '"rate"', "null"])
def test_a_damaged_file_gives_the_defaults_and_one_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="latin-1")
    with caplog.at_level(logging.WARNING):
        assert load_prefs(path) == Prefs()
    assert len(caplog.records) == 1
    assert str(path) in caplog.records[0].getMessage()


def test_out_of_range_values_are_clamped_with_one_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"rate": 500, "volume": -1, "voice": "x", "intro_done": true}',
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_prefs(path) == Prefs(rate=230, volume=0.05, voice="x", intro_done=True)
    [warning] = caplog.records
    assert str(path) in warning.getMessage()
    assert "rate 500 is out of range, using 230" in warning.getMessage()


def test_unusable_values_fall_back_one_by_one(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"rate": "fast", "volume": NaN, "voice": 7, "intro_done": 1, '
                    '"future_key": 3}', encoding="utf-8")
    defaults = Prefs(rate=120, intro_done=False)
    with caplog.at_level(logging.WARNING):
        assert load_prefs(path, defaults=defaults) == defaults
    assert len(caplog.records) == 1


def test_a_partial_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"rate": 170.4}', encoding="utf-8")
    assert load_prefs(path, defaults=Prefs(volume=0.4)) == Prefs(rate=170, volume=0.4)


def assert_old_settings_intact(path: Path) -> None:
    assert load_prefs(path) == OLD
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_crash_mid_write_leaves_the_old_settings_and_no_temporary_file(
        saved: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(PrefsError) as caught:
        save_prefs(Prefs(rate=200), saved)
    monkeypatch.undo()
    message = str(caught.value)
    assert "\n" not in message and "No space left on device" in message
    assert isinstance(caught.value, VoiceguideError)
    assert_old_settings_intact(saved)


def test_a_folder_that_cannot_be_made_is_a_prefs_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(PrefsError, match="cannot save the voice settings"):
        save_prefs(OLD, blocker / "settings.json")


@contextlib.contextmanager
def tiny_tmpfs(folder: Path) -> Iterator[Path]:
    """A 16 KiB file system, so the disk really is full; needs root and a kernel that
    lets this process mount."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs",
                              str(folder)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_really_full_disk_leaves_the_old_settings(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "disk") as disk:
        path = disk / "settings.json"
        save_prefs(OLD, path)
        with (disk / "filler").open("wb", buffering=0) as filler, \
                pytest.raises(OSError, match="No space left"):
            for _ in range(64):  # 256 KiB: more than the disk holds
                filler.write(b"x" * 4096)
        with pytest.raises(PrefsError, match="No space left on device"):
            save_prefs(Prefs(rate=200, voice="a much longer voice name " * 10), path)
        assert load_prefs(path) == OLD
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "settings.json"]

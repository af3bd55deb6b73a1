"""What a care home's IT person follows: the install script's choice of Python for the
service user, and the deployment notes agreeing with the example configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

PICK = ROOT / "scripts" / "pick_python.sh"


def pick(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(PICK)], capture_output=True, text=True, check=False,
                          timeout=60, env=os.environ | env)


@pytest.fixture
def private_python(tmp_path: Path) -> Path:
    """A working Python in a folder only root can enter, like pyenv's under /root."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and runuser to try a Python as another user")
    folder = tmp_path / "private" / "bin"
    folder.mkdir(parents=True)
    (tmp_path / "private").chmod(0o700)
    python = folder / "python3"
    python.symlink_to(Path(sys.executable).resolve())
    return python


def test_a_python_the_service_user_cannot_run_is_refused_in_one_line(
        private_python: Path) -> None:
    done = pick({"PYTHON": str(private_python), "VOICEGUIDE_SERVICE_USER": "nobody"})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert f"{private_python} (the user nobody cannot run it)" in done.stderr
    assert "set PYTHON=" in done.stderr


def test_without_a_service_user_the_first_python_is_kept(private_python: Path) -> None:
    done = pick({"PYTHON": str(private_python), "VOICEGUIDE_SERVICE_USER": "no-such-user"})
    assert (done.returncode, done.stdout.strip()) == (0, str(private_python))


def test_the_system_python_is_taken_when_the_first_one_is_private(
        private_python: Path) -> None:
    system = Path("/usr/bin/python3")
    ok = subprocess.run([str(system), "-c", "import sys; sys.exit(sys.version_info < "
                         "(3, 11))"], check=False).returncode == 0 if system.exists() else False
    if not ok:
        pytest.skip("needs Python 3.11 or newer at /usr/bin/python3")
    done = pick({"PATH": f"{private_python.parent}:{os.environ['PATH']}",
                 "VOICEGUIDE_SERVICE_USER": "nobody", "PYTHON": ""})
    assert (done.returncode, done.stdout.strip()) == (0, str(system)), done.stderr


def test_the_notes_and_the_example_agree_on_letting_another_screen_in() -> None:
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "deploy" / "kiosk.toml").read_text(encoding="utf-8")
    unit = (ROOT / "deploy" / "voiceguide-kiosk.service").read_text(encoding="utf-8")
    for text in (readme, example, unit):
        assert "IPAddressAllow=" in text and "systemctl edit voiceguide-kiosk" in text
        assert "remove IPAddressDeny" not in text
    for text in (readme, example):
        assert "allow_remote" in text and "token" in text and "hosts" in text
    assert "keeping `IPAddressDeny=any`" in " ".join(readme.split())

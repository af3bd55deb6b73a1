"""The guide's words are our own: no run of ten words copied from the seed articles."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT, SHARED

SEEDCOPY = SHARED / "tools" / "seedcopy.py"


@pytest.mark.shared
def test_nothing_is_copied_from_the_seeds() -> None:
    done = subprocess.run([sys.executable, str(SEEDCOPY), str(ROOT), str(SHARED / "seeds")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout == "", done.stdout
    assert done.returncode == 0

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide.guide import Guide
from voiceguide.testing import Night

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def guide() -> Guide:
    return Guide.load()


@pytest.fixture
def night(guide: Guide) -> Night:
    return Night(guide)

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

from voiceguide.guide import Guide
from voiceguide.testing import Night

# The person's saved voice settings live in the user's config folder; tests (and the
# commands they start) keep theirs in a folder of their own, never the developer's.
os.environ["VOICEGUIDE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="voiceguide-test-config-")


@pytest.fixture(autouse=True)
def own_settings_folder(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no saved voice settings: a voice one test saves (a kiosk
    file's voice that this machine lacks) must not reach the next test's guide."""
    monkeypatch.setenv("VOICEGUIDE_CONFIG_DIR",
                       str(tmp_path_factory.mktemp("voiceguide-config")))


@pytest.fixture(scope="session")
def guide() -> Guide:
    return Guide.load()


@pytest.fixture
def night(guide: Guide) -> Night:
    return Night(guide)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., list[Any]]:
    """Renders (intent, text) rows with real synthesisers, at test time, into one
    session folder; skips when espeak-ng, flite or sox is missing."""
    from voiceguide.bench import render as module
    folder = tmp_path_factory.mktemp("speech")

    def render(rows: list[tuple[str, str]], voices: tuple[str, ...] = ("flite:awb",),
               snrs: tuple[str, ...] = ("clean",)) -> list[Any]:
        try:
            return list(module.render(rows, folder, voices, snrs, jobs=2))
        except module.MissingTool as error:
            pytest.skip(f"cannot render speech here: {error}")

    return render

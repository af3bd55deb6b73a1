from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import SHARED
from voiceguide.guide import Guide
from voiceguide.testing import Night

NEEDS_SHARED = frozenset({"seeds", "seed_index", "seed_meant"})
"""Fixtures built from ``../shared`` (the seed articles), beside the project's own
checkouts only."""

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``../shared`` beside the checkout (any clone of the project), the extra
    layer of tests on the seed articles, the shared catalogue and the copy checker is
    left out, and said so once, rather than reported as a hundred skips."""
    if SHARED.is_dir():
        return
    left_out = [item for item in items if item.get_closest_marker("shared")
                or NEEDS_SHARED.intersection(getattr(item, "fixturenames", ()))]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
        config.stash[_LEFT_OUT] = len(left_out)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    if left := config.stash.get(_LEFT_OUT, 0):
        terminalreporter.write_line(
            f"{left} tests on ../shared (the seed articles, the shared intent catalogue, "
            "the copy checker) left out: it is not beside this checkout")

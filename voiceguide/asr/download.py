"""Fetch and install speech models, the one part of the guide that needs a network.

The guide runs offline, so the model is fetched once, on purpose, by the user. Everything
here is written for the bad night that download will have: a flaky connection resumes
instead of starting again, a corrupt or tampered archive is refused by its SHA-256 before
anything is unpacked, and the model folder appears only when it is whole, so the rest of
the guide can treat "the folder exists" as "the model is installed".

Two kinds: the Vosk model, one zip pinned by its SHA-256; and Whisper models in
CTranslate2 form, a handful of files from their Hugging Face repository, pinned to a
commit (see ``HubModel``).

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
_REDIRECTS = (301, 302, 303, 307, 308)


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


@dataclass(frozen=True, slots=True)
class HubFile:
    """One file of a hub repository, with what is known of it before it is fetched."""

    path: str
    size: tuple[int, int]
    """Bytes, lowest and highest: the hub lists sizes rounded to three figures, and a
    file outside that range is not the one listed (an error page, another model)."""
    sha256: str | None = None
    """Pinned digest where one was published; otherwise the hub's own is checked."""


@dataclass(frozen=True, slots=True)
class HubModel:
    """A model repository on the Hugging Face hub, pinned to one commit.

    A commit fixes every file: Git holds the small ones by hash, and each large (LFS)
    one by a pointer that carries its SHA-256. So each file is checked against the
    digest the hub declares for it at that commit (``X-Linked-Etag``, the SHA-256, for
    large files; ``ETag``, the Git blob hash, for small ones), the answer must name the
    pinned commit (``X-Repo-Commit``), and its size must be the listed one.
    """

    name: str
    """What the user types: ``whisper-base.en``."""
    repo: str
    revision: str
    """A full commit hash, never a branch, so upstream changes cannot reach users."""
    files: tuple[HubFile, ...]
    hub: str = "https://huggingface.co"

    @property
    def folder(self) -> str:
        """The installed folder, named after the repository."""
        return self.repo.rsplit("/", 1)[-1]

    def url(self, file: HubFile) -> str:
        return f"{self.hub.rstrip('/')}/{self.repo}/resolve/{self.revision}/{file.path}"


def _listed(size: float, unit: int) -> tuple[int, int]:
    """The byte range a size listed with three significant figures stands for."""
    digits = len(str(int(size)))
    half = 10 ** (digits - 3) / 2 * unit
    return int(size * unit - half), int(size * unit + half)


KB, MB = 1000, 1000 * 1000
# Revisions and sizes are those the hub listed for each repository's main branch (five
# commits; the model files unchanged since "Disable the generation of task tokens"). No
# SHA-256 of these files is published where it could be read for this change, so none
# is pinned: each file is checked against the digest the hub declares at the commit.
WHISPER_TINY_EN = HubModel(
    name="whisper-tiny.en", repo="Systran/faster-whisper-tiny.en",
    revision="0d3d19a32d3338f10357c0889762bd8d64bbdeba",
    files=(HubFile("config.json", _listed(2.32, KB)),
           HubFile("tokenizer.json", _listed(2.13, MB)),
           HubFile("vocabulary.txt", _listed(422, KB)),
           HubFile("model.bin", _listed(75.5, MB))))
WHISPER_BASE_EN = HubModel(
    name="whisper-base.en", repo="Systran/faster-whisper-base.en",
    revision="3d3d5dee26484f91867d81cb899cfcf72b96be6c",
    files=(HubFile("config.json", _listed(2.23, KB)),
           HubFile("tokenizer.json", _listed(2.13, MB)),
           HubFile("vocabulary.txt", _listed(422, KB)),
           HubFile("model.bin", _listed(145, MB))))
MODELS: dict[str, ModelSpec | HubModel] = {
    "vosk": VOSK_SMALL_EN_US,
    VOSK_SMALL_EN_US.name: VOSK_SMALL_EN_US,
    WHISPER_TINY_EN.name: WHISPER_TINY_EN,
    WHISPER_BASE_EN.name: WHISPER_BASE_EN,
}
"""What ``voiceguide models download NAME`` accepts; ``vosk`` is the default."""


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


@dataclass(frozen=True, slots=True)
class _Declared:
    """What the hub says of a file before sending it."""

    commit: str | None
    size: int | None
    sha256: str | None
    git_sha1: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def download_hub_model(spec: HubModel, models_dir: Path, *, progress: Progress | None = None,
                       timeout: float = 30) -> Path:
    """Make sure ``models_dir/<spec.folder>`` holds every file of the pinned commit.

    Files are fetched into a scratch folder with a fixed name, each one resumed where an
    earlier run stopped and kept only once verified, and the folder is renamed into
    place when all are there.
    """
    models_dir = Path(models_dir)
    target = models_dir / spec.folder
    if target.is_dir():
        return target
    scratch = models_dir / f".{spec.folder}.download"
    try:
        scratch.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelError(f"cannot create {scratch}: {error.strerror or error}: choose a "
                         "writable folder with --dest or VOICEGUIDE_MODELS") from None
    try:
        _fetch_files(spec, scratch, models_dir, progress, timeout)
    except ModelError as error:
        # The shared messages say to run the command again: with this model's name, or
        # it would fetch the default one.
        raise ModelError(str(error).replace(f"`{RETRY_COMMAND}`",
                                            f"`{RETRY_COMMAND} {spec.name}`")) from None
    try:
        scratch.rename(target)
    except OSError as error:
        if not target.is_dir():
            raise ModelError(f"cannot install into {models_dir}: {error.strerror or error}: "
                             f"free some disk space and run `{RETRY_COMMAND} {spec.name}` "
                             "again") from None
    return target


def _fetch_files(spec: HubModel, scratch: Path, models_dir: Path, progress: Progress | None,
                 timeout: float) -> None:
    wanted = [file for file in spec.files if not (scratch / file.path).is_file()]
    declared = [_declare(spec, file, models_dir, timeout) for file in wanted]
    total = sum(d.size or file.size[1] for d, file in zip(declared, wanted, strict=True))
    before = 0
    for file, said in zip(wanted, declared, strict=True):
        part = scratch / f"{file.path}.part"

        def counted(done: int, _total: int | None, before: int = before) -> None:
            if progress:
                progress(before + done, total)

        url_spec = ModelSpec(name=spec.name, url=spec.url(file), sha256="", folder="")
        _fetch(url_spec, part, models_dir, counted, timeout)
        _verify(spec, file, said, part)
        part.rename(scratch / file.path)
        before += said.size or part.stat().st_size


def _declare(spec: HubModel, file: HubFile, models_dir: Path, timeout: float) -> _Declared:
    """Ask the hub (HEAD, redirects not followed) what it holds for ``file``."""
    url = spec.url(file)
    host = urllib.parse.urlsplit(url).hostname or url
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(request, timeout=timeout)
        headers = response.headers
        response.close()
    except urllib.error.HTTPError as error:
        error.close()
        if error.code not in _REDIRECTS:
            raise ModelError(f"{host} answered HTTP {error.code} {error.reason} for {url}: "
                             f"check the address, or run `{RETRY_COMMAND}` again later"
                             ) from None
        headers = error.headers
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _network_error(error, host, models_dir, timeout) from None
    linked = _unquote(headers.get("X-Linked-Etag"))
    size = headers.get("X-Linked-Size") or headers.get("Content-Length")
    etag = _unquote(headers.get("ETag"))
    return _Declared(
        commit=headers.get("X-Repo-Commit"),
        size=int(size) if size and size.isdigit() else None,
        sha256=linked if linked and _SHA256_HEX.fullmatch(linked) else None,
        git_sha1=etag if not linked and etag and re.fullmatch(r"[0-9a-f]{40}", etag) else None)


def _unquote(value: str | None) -> str | None:
    return value.strip().removeprefix("W/").strip('"').lower() if value else None


def _verify(spec: HubModel, file: HubFile, said: _Declared, part: Path) -> None:
    """The commit, the size and a digest; a file that fails any is removed."""
    problem = None
    size = part.stat().st_size
    if said.commit is not None and said.commit != spec.revision:
        problem = f"came from commit {said.commit[:12]}, not the pinned {spec.revision[:12]}"
    elif not file.size[0] <= size <= file.size[1]:
        problem = (f"is {size:,} bytes where the hub lists {file.size[0]:,} to "
                   f"{file.size[1]:,}")
    elif said.size is not None and size != said.size:
        problem = f"is {size:,} bytes where the hub announced {said.size:,}"
    elif file.sha256 or said.sha256:
        expected = file.sha256 or said.sha256
        if said.sha256 and file.sha256 and said.sha256 != file.sha256:
            problem = "is not the file whose SHA-256 is pinned"
        elif _sha256(part) != expected:
            problem = "does not match its SHA-256"
    elif said.git_sha1:
        if _git_blob_sha1(part) != said.git_sha1:
            problem = "does not match the hash Git holds for it"
    else:
        problem = "came with no digest to check it against"
    if problem:
        part.unlink(missing_ok=True)
        raise ModelError(f"{file.path} of {spec.name} {problem}, so it was not kept: run "
                         f"`{RETRY_COMMAND}` again to fetch it afresh")


def _git_blob_sha1(path: Path) -> str:
    """Git's name for a file's content: SHA-1 of a ``blob <size>`` header and the bytes."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Installed:
    name: str
    path: Path
    size: int
    """Bytes, every file under ``path``."""
    kind: str = "unknown"
    """``whisper`` (a CTranslate2 Whisper model), ``vosk``, or ``unknown``."""


def installed_models(models_dir: Path) -> list[Installed]:
    """Every model folder under ``models_dir`` (half-done downloads, hidden, are not)."""
    if not models_dir.is_dir():
        return []
    found = []
    for folder in sorted(models_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            found.append(Installed(folder.name, folder, size, _kind(folder)))
    return found


def _kind(folder: Path) -> str:
    if (folder / "model.bin").is_file() or "whisper" in folder.name:
        return "whisper"
    if (folder / "am").is_dir() or folder.name.startswith("vosk-model"):
        return "vosk"
    return "unknown"


MODEL_VARIABLES = {"VOICEGUIDE_WHISPER_MODEL": "whisper", "VOICEGUIDE_VOSK_MODEL": "vosk"}
"""Environment variables that name a model folder outside ``models/`` (``asr.choose``)."""


def list_main(argv: Sequence[str] | None = None) -> int:
    """``voiceguide models list``: one line per installed model: its name, kind
    (whisper or vosk), size and folder."""
    parser = argparse.ArgumentParser(
        prog="voiceguide models list",
        description="List the speech models installed, with their size and folder.")
    parser.add_argument("--dest", type=Path, metavar="DIR",
                        help="models folder (default: VOICEGUIDE_MODELS or the "
                             "repository's models/)")
    args = parser.parse_args(argv)
    models_dir = args.dest if args.dest is not None else default_models_dir()
    found = installed_models(models_dir)
    if args.dest is None:
        # Models named by the environment are installed too, wherever they are.
        for variable, kind in MODEL_VARIABLES.items():
            folder = Path(os.environ.get(variable, "")).expanduser()
            if os.environ.get(variable) and folder.is_dir() and all(
                    folder != model.path for model in found):
                size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
                found.append(Installed(f"{folder.name} (${variable})", folder, size, kind))
    if not found:
        print(f"no models installed in {models_dir}; the guide uses PocketSphinx, which "
              f"needs none (`{RETRY_COMMAND} whisper-base.en` for a stronger one)")
        return 0
    for model in found:
        print(f"{model.name}\t{model.kind}\t{_mb(model.size)}\t{model.path}")
    return 0


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
    """Download a model from the command line; exit status 2 on a ``ModelError``.

    The path goes to stdout alone, so scripts can capture it; progress and errors go to
    stderr.
    """
    parser = argparse.ArgumentParser(
        prog=RETRY_COMMAND,
        description="Download a speech model and check its SHA-256: the Vosk model "
                    f"({VOSK_SMALL_EN_US.name}) by default, or whisper-tiny.en or "
                    "whisper-base.en. Prints the model folder.")
    parser.add_argument("model", nargs="?", default="vosk", choices=sorted(MODELS),
                        help="which model (default: vosk)")
    parser.add_argument("--dest", type=Path, metavar="DIR",
                        help="folder to install into (default: VOICEGUIDE_MODELS or the "
                             "repository's models/)")
    parser.add_argument("--url", metavar="URL", help="Vosk: fetch the zip from here instead")
    parser.add_argument("--sha256", type=_sha256_arg, metavar="HEX",
                        help="Vosk: expected SHA-256 of the zip fetched from --url")
    parser.add_argument("--hub", metavar="URL",
                        help="Whisper: a mirror of the Hugging Face hub to fetch from")
    args = parser.parse_args(argv)
    spec = MODELS[args.model]
    dest = args.dest if args.dest is not None else default_models_dir()
    try:
        if isinstance(spec, HubModel):
            if args.url or args.sha256:
                parser.error("--url and --sha256 are for the Vosk zip; use --hub for Whisper")
            if args.hub:
                spec = dataclasses.replace(spec, hub=args.hub)
            path = download_hub_model(spec, dest, progress=text_progress(sys.stderr))
        else:
            if args.hub:
                parser.error("--hub is for the Whisper models; use --url for Vosk")
            if args.url:
                spec = dataclasses.replace(spec, url=args.url)
            if args.sha256:
                spec = dataclasses.replace(spec, sha256=args.sha256)
            path = download_model(spec, dest, progress=text_progress(sys.stderr))
    except ModelError as error:
        print(f"voiceguide: error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0

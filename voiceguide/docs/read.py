"""Loading one article from disk, refusing anything that is not a plain text file.

The builder parses every document a user hands it; one bad file must cost only that
file, so each refusal is a ``DocumentError`` with a one-line message naming it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import NoReturn

from voiceguide.errors import DocumentError

MAX_BYTES = 5 * 1024 * 1024
"""Largest article accepted, in bytes; real articles are well under 100 kB, so a
bigger file is almost certainly a dump or a wrong path."""

_CONTROL_SHARE = 0.10
"""Share of control characters above which a file counts as binary rather than text
with a few stray bytes."""

_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")


def read_document(path: Path) -> str:
    """Return the file's text, decoded as UTF-8 (a byte-order mark is allowed)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            _fail(path, f"{size / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB "
                        "limit for one document", "split it into smaller files")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        _fail(path, f"cannot be read ({error.strerror or error})",
              "check the path and its permissions")
    if not data.strip():
        _fail(path, "the file is empty", "put the article's text in it or leave it out")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _fail(path, "the text is UTF-16, not UTF-8", "re-save it as UTF-8")
    if b"\0" in data or _control_share(data) > _CONTROL_SHARE:
        _fail(path, "this is a binary file, not text",
              "save the article as plain text, Markdown or HTML")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        _fail(path, f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
              "re-save it as UTF-8")


def _control_share(data: bytes) -> float:
    controls = sum(1 for byte in data if (byte < 32 and byte not in _TEXT_CONTROLS) or byte == 127)
    return controls / len(data)


def _fail(path: Path, problem: str, advice: str) -> NoReturn:
    raise DocumentError(f"{path}: {problem}; {advice}")

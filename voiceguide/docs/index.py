"""The built index: parsed sections, their links to catalogue intents, and the files
that could not be built, saved as one JSON file on the user's machine.

It holds the articles' own sentences, so it is built where it is used and never
shipped or committed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from voiceguide.docs import Document, Section
from voiceguide.errors import DocumentError

FORMAT = "voiceguide-docs-index"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Link:
    """The catalogue intent a section supports, and how sure the linker is (0..1)."""

    intent: str
    score: float
    how: str
    """``cited`` (a curated intent names this section as its source) or ``matched``."""


@dataclass(frozen=True, slots=True)
class Vectors:
    """Sentence vectors of sections, by section id, from one model."""

    model: str
    by_section: Mapping[str, str]
    """Section id -> its vector as base64 of little-endian float16 values."""


@dataclass(frozen=True)
class DocIndex:
    documents: tuple[Document, ...]
    links: Mapping[str, Link] = field(default_factory=dict)
    """Section id -> the intent it supports; sections that support none are absent."""
    failures: tuple[str, ...] = ()
    """One line per file that could not be built, naming it."""
    vectors: Vectors | None = None
    """Each answerable section's meaning, when the sentence model was installed at
    build time."""

    def sections(self) -> list[Section]:
        return [s for d in self.documents for s in d.sections]

    def unlinked(self) -> list[Section]:
        return [s for s in self.sections() if s.id not in self.links]

    def topic(self, section: Section) -> str:
        """What the attribution calls the source: the section's own title, or for an
        FAQ answer the article's title up to any colon."""
        if section.kind != "faq":
            return section.title
        for document in self.documents:
            if document.file == section.doc:
                return document.title.split(":")[0].strip() or section.title
        return section.title


def save(index: DocIndex, path: Path) -> None:
    """Written to a temporary file and renamed, so a crash leaves the old index whole."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "documents": [asdict(d) for d in index.documents],
        "links": {sid: asdict(link) for sid, link in index.links.items()},
        "failures": list(index.failures),
    }
    if index.vectors is not None:
        data["vectors"] = {"model": index.vectors.model,
                           "sections": dict(index.vectors.by_section)}
    folder = path.resolve().parent
    if not folder.is_dir():
        raise DocumentError(f"the folder for {path} does not exist; create it first")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> DocIndex:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DocumentError(f"{path} does not exist; build it with "
                            "`voiceguide build DOCS... -o INDEX`") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DocumentError(f"{path} is not a document index; build one with "
                            "`voiceguide build DOCS... -o INDEX`") from None
    except OSError as error:
        raise DocumentError(f"{path} cannot be read: {error.strerror}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DocumentError(f"{path} is not a document index; build one with "
                            "`voiceguide build DOCS... -o INDEX`")
    if data.get("version") != VERSION:
        raise DocumentError(f"{path} was built by another version of voiceguide; "
                            "build it again with `voiceguide build`")
    try:
        vectors = data.get("vectors")
        return DocIndex(
            tuple(_document(d) for d in data["documents"]),
            {sid: Link(**link) for sid, link in data["links"].items()},
            tuple(data["failures"]),
            Vectors(vectors["model"], dict(vectors["sections"])) if vectors else None)
    except (KeyError, TypeError) as error:
        raise DocumentError(f"{path} is damaged ({error}); build it again with "
                            "`voiceguide build`") from None


def _document(data: dict[str, Any]) -> Document:
    sections = tuple(Section(**{**s, "path": tuple(s["path"]),
                                "questions": tuple(s["questions"]),
                                "keywords": tuple(s["keywords"])})
                     for s in data["sections"])
    return Document(data["file"], data["title"], sections)

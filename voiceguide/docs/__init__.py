"""Articles turned into sections the guide can index, link to intents and read aloud.

``parse_file`` reads one plain-text, Markdown or HTML-ish article; ``parse_text``
does the same for text already in memory. Each section carries its heading path, its
cleaned text, a spoken-length summary, question forms and keywords, and where it came
from. A file that cannot be read raises ``DocumentError`` naming it, so a builder can
report it in one line and go on with the other files.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from voiceguide.docs.keywords import keywords
from voiceguide.docs.questions import question_forms
from voiceguide.docs.read import MAX_BYTES, read_document
from voiceguide.docs.structure import find_sections
from voiceguide.docs.summary import MAX_WORDS, speakable, summarize
from voiceguide.errors import DocumentError

__all__ = [
    "MAX_BYTES",
    "MAX_WORDS",
    "Document",
    "DocumentError",
    "Section",
    "parse_file",
    "parse_text",
    "slug",
    "speakable",
]

_SLUG_LENGTH = 80
"""Characters; long enough to keep an FAQ question's words recognisable in an id."""


@dataclass(frozen=True)
class Section:
    id: str
    """Stable and unique in its document: "<doc-slug>/<heading-slug>", lowercase ASCII."""
    doc: str
    """Source file name, e.g. "000_236902f35d5e36cc.txt"."""
    title: str
    """Heading text without its number, e.g. "Accompanying Symptoms"."""
    heading: str
    """Heading exactly as written, number included ("2.2.3. Accompanying Symptoms");
    Markdown ``#`` marks are not part of it; empty for text before any heading."""
    path: tuple[str, ...]
    """Titles of the enclosing headings, outermost first, ending with this title."""
    text: str
    """Cleaned content; paragraphs and bullet items separated by "\\n"."""
    summary: str
    """At most ``MAX_WORDS`` words of whole sentences from ``text``, written out for
    speech; empty when no sentence of the section reads well on its own."""
    questions: tuple[str, ...]
    """Lowercase question forms of the heading; an FAQ question as written."""
    keywords: tuple[str, ...]
    """A handful of distinctive lowercase words and phrases."""
    kind: str
    """``section`` or ``faq``."""


@dataclass(frozen=True)
class Document:
    file: str
    title: str
    """The article's title line; the file's stem when it has none."""
    sections: tuple[Section, ...]


def parse_file(path: Path) -> Document:
    """Parse one article file; raises ``DocumentError`` with a one-line message naming
    the file when it is empty, binary, not UTF-8 or too big."""
    return parse_text(read_document(path), path.name)


def parse_text(text: str, file: str) -> Document:
    """Parse an article's text; ``file`` is the name its sections cite."""
    title, raws = find_sections(text)
    doc_slug = slug(Path(file).stem)
    found = keywords([(raw.title, "\n".join(p.text for p in raw.parts)) for raw in raws])
    taken: set[str] = set()
    copies: dict[str, int] = {}
    sections = []
    for raw, words in zip(raws, found, strict=True):
        base = ("faq-" if raw.kind == "faq" else "") + (slug(raw.title) or "section")
        name = base
        while name in taken:  # a repeated heading: "medications", "medications-2", ...
            copies[base] = copies.get(base, 1) + 1
            name = f"{base}-{copies[base]}"
        taken.add(name)
        sections.append(Section(
            id=f"{doc_slug}/{name}",
            doc=file,
            title=raw.title,
            heading=raw.heading,
            path=raw.path,
            text="\n".join(part.text for part in raw.parts),
            summary=summarize(raw.parts, raw.title),
            questions=(raw.title,) if raw.kind == "faq" else question_forms(raw.title),
            keywords=words,
            kind=raw.kind,
        ))
    return Document(file, title or Path(file).stem, tuple(sections))


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, at most ``_SLUG_LENGTH`` characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"['\u2019]", "", plain.lower())
    joined = re.sub(r"[^a-z0-9]+", "-", words).strip("-")
    if len(joined) > _SLUG_LENGTH:
        joined = joined[:_SLUG_LENGTH].rsplit("-", 1)[0]
    return joined


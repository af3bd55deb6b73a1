"""``voiceguide build``: every readable document parsed and linked; every unreadable
one named in a line of its own, without stopping the others."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from voiceguide.docs import Document, parse_file
from voiceguide.docs.index import DocIndex, Vectors
from voiceguide.docs.link import link_sections
from voiceguide.docs.semantic import SentenceEncoder, meaning_text, pack
from voiceguide.errors import DocumentError
from voiceguide.kb import KnowledgeBase
from voiceguide.match import Matcher

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
"""What a folder given to ``build`` is searched for."""


def document_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the articles inside any folder given, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                            and not p.name.lower().startswith("readme"))
        else:
            files.append(path)
    return files


def build_index(paths: Iterable[Path], kb: KnowledgeBase, matcher: Matcher,
                meaning: SentenceEncoder | None = None) -> DocIndex:
    """``meaning``: the sentence model, when installed, so questions worded unlike the
    articles still find their section."""
    documents: list[Document] = []
    failures: list[str] = []
    seen: set[str] = set()
    for path in document_files(paths):
        try:
            if not path.exists():
                raise DocumentError(f"{path} does not exist (check the path)")
            document = parse_file(path)
        except DocumentError as error:
            failures.append(str(error))
            continue
        if document.file in seen:
            failures.append(f"{path}: another document is already named {document.file}; "
                            "rename one of them")
            continue
        seen.add(document.file)
        documents.append(document)
    sections = [s for d in documents for s in d.sections]
    answerable = [s for s in sections if s.summary]
    vectors = None
    if meaning is not None and answerable:
        found = meaning.encode([meaning_text(s) for s in answerable])
        vectors = Vectors(meaning.name, {s.id: pack(v)
                                         for s, v in zip(answerable, found, strict=True)})
    return DocIndex(tuple(documents), link_sections(sections, kb, matcher), tuple(failures),
                    vectors)

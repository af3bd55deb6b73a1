"""An article's lines, each cleaned and classed by what it looks like on its own.

Whether a title-like line really is a heading depends on its neighbours and on the
article's style, which ``structure`` decides; this module only says what each line
could be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceguide.docs.clean import (
    drop_junk_sentences,
    is_junk_line,
    join_split_links,
    navigation_chars,
    starts_comments,
    strip_markup,
)

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(={3,}|-{3,})\s*$")
_NUMBERED = re.compile(r"^\s*((?:\d{1,2}\.){1,5}\d{0,2})\.?\s+(\S.*)$")
_BULLET = re.compile(r"^(\s*)(?:[•\-*◦▪·‣\u2013]|\d{1,2}\))\s+(\S.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_GLUED_TITLE = re.compile(
    r"^(.*[.!?][\"\u201d\u2019')]*)\s+([A-Z][\w\u2019'-]*(?:\s+[\w\u2019'-]+){0,5})$")

_MINOR_WORDS = frozenset(
    "a an the and or but nor of in on at to for with by from as vs into onto about over "
    "under during while when your my our their its is are be".split())
"""Words a Title Case heading leaves in lower case."""

_END = (".", ",", ";", ":", "!", '."', ".\u201d", ".'", ".\u2019")


@dataclass(frozen=True, slots=True)
class Line:
    kind: str
    """``blank``, ``nav`` (links only), ``md`` (a ``#`` heading), ``numbered`` (starts
    with "1.2."), ``item`` (a bullet) or ``para``."""
    text: str = ""
    """Cleaned words; for ``md`` and ``numbered`` the heading text without its marks."""
    written: str = ""
    """Headings only: the heading as written, number included, ``#`` marks not."""
    level: int = 0
    """``#`` count of an ``md`` heading; parts of the number of a ``numbered`` one."""
    nav_chars: int = 0
    """Link text of a ``nav`` line, in characters."""


BLANK = Line("blank")


def read_lines(text: str) -> list[Line]:
    """Cleaned, classed lines up to the comment thread, wrapped lines rejoined."""
    lines: list[Line] = []
    raw = join_split_links(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    for index, source in enumerate(raw):
        if starts_comments(source):
            break
        following = raw[index + 1] if index + 1 < len(raw) else ""
        lines.append(_classify(source, following))
    return _unglue_titles(_join_wrapped(lines))


def title_like(text: str) -> bool:
    """Whether a line could be a heading: short, capitalised, no sentence end, and in
    Title Case unless it is a question or at most three words."""
    words = text.split()
    if not words or len(words) > 16 or len(text) > 120 or text.endswith(_END):
        return False
    first = text.lstrip("\"\u201c\u2018'(")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    if text.endswith("?") or len(words) <= 3:
        return True
    content = [w for w in words if w.lower().strip("'\u2019") not in _MINOR_WORDS]
    capitals = sum(1 for w in content if w[:1].isupper() or w[:1].isdigit())
    return bool(content) and capitals >= 0.6 * len(content)


def is_sentence_end(text: str) -> bool:
    return text.rstrip("\"\u201d\u2019')").endswith((".", "!", "?", ":", ";"))


def _classify(source: str, following: str) -> Line:
    if not source.strip() or _TABLE_ROW.match(source) or _SETEXT.match(source):
        return BLANK
    nav = navigation_chars(source)
    if nav:
        return Line("nav", nav_chars=nav)
    heading = _MD_HEADING.match(source)
    if heading:
        words = strip_markup(heading.group(2)).strip()
        return Line("md", words, words, len(heading.group(1))) if words else BLANK
    setext = _SETEXT.match(following)
    if setext and not source.startswith((" ", "\t")):
        words = strip_markup(source).strip()
        return Line("md", words, words, 1 if setext.group(1)[0] == "=" else 2)
    text = strip_markup(source)
    if is_junk_line(text):
        return BLANK
    numbered = _NUMBERED.match(text)
    if numbered and title_like(numbered.group(2).strip()):
        return Line("numbered", numbered.group(2).strip(), text.strip(),
                    numbered.group(1).rstrip(".").count(".") + 1)
    if numbered and re.fullmatch(r"\d{1,2}\.", numbered.group(1)):
        text = f"- {numbered.group(2)}"  # "1. Drink water." is an ordered list item
    bullet = _BULLET.match(text)
    kind = "item" if bullet else "para"
    words = drop_junk_sentences(bullet.group(2) if bullet else text.strip())
    return Line(kind, words) if words else BLANK


def _join_wrapped(lines: list[Line]) -> list[Line]:
    """Rejoin paragraphs hard-wrapped across lines: a line that starts in lower case
    after a paragraph line with no sentence end continues it."""
    joined: list[Line] = []
    for line in lines:
        previous = joined[-1] if joined else BLANK
        if (line.kind == "para" and previous.kind in {"para", "item"}
                and line.text[:1].islower() and not is_sentence_end(previous.text)):
            joined[-1] = Line(previous.kind, f"{previous.text} {line.text}")
        else:
            joined.append(line)
    return joined


def _unglue_titles(lines: list[Line]) -> list[Line]:
    """Split a heading the scraper glued onto the end of the paragraph before it
    ("... and treatment. Neuropathy"), recognised because the next paragraph opens
    with the same words."""
    result: list[Line] = []
    for index, line in enumerate(lines):
        glued = _GLUED_TITLE.match(line.text) if line.kind == "para" else None
        after = next((lines[i] for i in range(index + 1, len(lines))
                      if lines[i].kind != "blank"), BLANK) if glued else BLANK
        if (glued and title_like(glued.group(2)) and after.kind == "para"
                and re.match(re.escape(glued.group(2)) + r"\b", after.text)):
            result += [Line("para", glued.group(1)), Line("para", glued.group(2))]
        else:
            result.append(line)
    return result

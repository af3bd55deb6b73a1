"""The sections an article really has: its headings, their nesting, and its FAQ pairs.

Articles come in three styles. Markdown marks headings with ``#``; numbered articles
number them ("1.2.1."), which also gives their depth; plain scraped text only puts a
short, capitalised line on its own, so nesting is inferred from headings that have
no text of their own before the next heading (they group the ones that follow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voiceguide.docs.lines import Line, is_sentence_end, read_lines, title_like
from voiceguide.docs.markup import html_to_text, looks_like_html

_FAQ = re.compile(r"\bFAQs?\b|\bfrequently asked questions\b|\bcommon questions\b", re.I)
_QUESTION_PREFIX = re.compile(r"^(?:Q|Question)\s*[:.)]\s*", re.I)
_ANSWER_PREFIX = re.compile(r"^(?:A|Answer)\s*[:.)]\s*", re.I)
_JUNK_HEADING = re.compile(
    r"^(?:comments?|leave a (?:reply|comment)|related(?: \w+)?|recommended(?: \w+)?"
    r"|you may also like|read (?:next|more|also)|share(?: this)?(?: \w+)?"
    r"|(?:table of )?contents|about the authors?|have (?:a )?questions?|newsletter"
    r"|(?:subscribe|sign up|more from)\b.*|follow us|popular posts?|references|sources"
    r"|footnotes|advertisement)\W*$", re.I)
"""Headings of page furniture; the whole part of the page under them is dropped."""

INTRODUCTION = "Introduction"
"""Title given to text that comes before an article's first heading when the article
has no title line either."""


@dataclass(frozen=True, slots=True)
class Part:
    kind: str
    """``para`` or ``item`` (a bullet)."""
    text: str


@dataclass(frozen=True, slots=True)
class RawSection:
    """A section before it is summarised: what the article says under one heading."""

    title: str
    heading: str
    path: tuple[str, ...]
    parts: tuple[Part, ...]
    kind: str
    """``section`` or ``faq``."""


@dataclass(slots=True)
class _Node:
    written: str
    title: str
    level: int
    kind: str = "section"
    """``section``, ``faq``, ``title`` (the article's title line) or ``intro``."""
    body: list[Part] = field(default_factory=list)
    nav_chars: int = 0
    junk: bool = False


def find_sections(text: str) -> tuple[str | None, list[RawSection]]:
    """The article's title line (if it has one) and its sections in reading order."""
    lines = read_lines(html_to_text(text) if looks_like_html(text) else text)
    style = _style(lines)
    nodes = _nodes(lines, style)
    if style == "plain":
        _nest_plain(nodes)
    _drop_furniture(nodes)
    _trim_last_answer(nodes)
    title = next((n.title for n in nodes if n.kind == "title"), None)
    return title, _sections(nodes)


def _style(lines: list[Line]) -> str:
    if any(line.kind == "md" for line in lines):
        return "markdown"
    return "numbered" if sum(line.kind == "numbered" for line in lines) >= 2 else "plain"


def _nodes(lines: list[Line], style: str) -> list[_Node]:
    nodes = [_Node("", INTRODUCTION, 0, "intro")]
    faq_level: int | None = None
    single_h1 = sum(line.kind == "md" and line.level == 1 for line in lines) == 1
    content = [line for line in lines if line.kind not in {"blank", "nav"}]
    previous: Line | None = None
    for line in lines:
        if line.kind == "blank":
            continue
        if line.kind == "nav":
            nodes[-1].nav_chars += line.nav_chars
            continue
        is_last = line is content[-1]
        before, previous = previous, line
        question = _question(line) if faq_level is not None else None
        if question and faq_level is not None:
            nodes.append(_Node(line.written or line.text, question, faq_level + 1, "faq"))
            continue
        heading = _heading(line, style, before, is_last, after_heading=not nodes[-1].body)
        if heading is None:
            _add_body(nodes[-1], line, style)
            continue
        level, written, title = heading
        first = len(nodes) == 1 and not nodes[0].body
        if first and (level == 0 or (style == "markdown" and level == 1 and single_h1)):
            nodes.append(_Node(written, title, 0, "title"))
            continue
        if faq_level is not None and (style == "plain" or level <= faq_level):
            faq_level = None
        if _FAQ.search(title):
            faq_level = level
        nodes.append(_Node(written, title, level))
    return nodes


def _heading(line: Line, style: str, before: Line | None, is_last: bool,
             after_heading: bool) -> tuple[int, str, str] | None:
    """Level, text as written and title, when the line is a heading in this style.
    ``before`` is the previous line with words. A plain line counts only when it has
    something after it and does not continue an unfinished sentence; the first line
    of an article is its title (level 0)."""
    if style == "markdown":
        return (line.level, line.written, line.text) if line.kind == "md" else None
    if line.kind == "numbered" and style == "numbered":
        return line.level, line.written, line.text
    text = line.written if line.kind == "numbered" else line.text
    if line.kind not in {"para", "numbered"} or not title_like(text):
        return None
    if before is None:
        return 0, text, text
    if style == "plain" and (is_last or (not after_heading and before.kind == "para"
                                         and not is_sentence_end(before.text))):
        return None
    return 1, text, text


def _question(line: Line) -> str | None:
    """The question a line asks, as written but without its number or "Q:"."""
    if line.kind not in {"md", "numbered", "para"}:
        return None
    text = _QUESTION_PREFIX.sub("", line.text).strip()
    if text.endswith("?") and len(text.split()) <= 30 and text[:1].isupper():
        return text
    return None


def _add_body(node: _Node, line: Line, style: str) -> None:
    text = _ANSWER_PREFIX.sub("", line.written or line.text) if node.kind == "faq" else (
        line.written or line.text)
    if style == "markdown" and line.kind == "numbered":
        node.body.append(Part("item", line.text))
    elif line.kind == "item":
        node.body.append(Part("item", text))
    elif style == "markdown" and len(text.split()) <= 3 and not is_sentence_end(text):
        return  # a button or box label left over from the page ("Author", "Contents")
    elif text:
        node.body.append(Part("para", text))


def _nest_plain(nodes: list[_Node]) -> None:
    """A heading with no text before the next heading groups the headings after it, up
    to the next such heading or the end of an FAQ. Where the last group ends, plain
    text cannot say; it is taken to be no longer than the longest group that another
    grouping heading closed."""
    groups: list[list[_Node]] = []
    closed_sizes: list[int] = []
    open_group: list[_Node] | None = None
    for index, node in enumerate(nodes):
        if node.kind in {"intro", "title", "faq"}:
            continue
        if nodes[index - 1].kind == "faq":
            open_group = None
        if not node.body and index + 1 < len(nodes):
            if open_group is not None:
                closed_sizes.append(len(open_group))
            open_group = []
            groups.append(open_group)
        elif open_group is not None:
            open_group.append(node)
    limit = max(closed_sizes, default=len(nodes))
    for children in groups:
        for child in children[:limit]:
            child.level = 2


def _drop_furniture(nodes: list[_Node]) -> None:
    """Mark the parts of the page under furniture headings, and empty a section that
    is mostly links (a footer or a card of related articles)."""
    junk_level: int | None = None
    for node in nodes:
        if junk_level is not None and node.level <= junk_level:
            junk_level = None
        if junk_level is not None or _JUNK_HEADING.match(node.title):
            node.junk = True
            junk_level = node.level if junk_level is None else junk_level
        if node.nav_chars > sum(len(part.text) for part in node.body):
            node.body.clear()


def _trim_last_answer(nodes: list[_Node]) -> None:
    """End the last FAQ answer where the others end: an article's sign-off often
    follows its FAQ without a heading of its own."""
    answers = [node for node in nodes if node.kind == "faq" and not node.junk]
    if len(answers) >= 3:
        longest = max(sum(p.kind == "para" for p in n.body) for n in answers[:-1])
        paragraphs = [i for i, part in enumerate(answers[-1].body) if part.kind == "para"]
        if len(paragraphs) > longest:
            del answers[-1].body[paragraphs[longest]:]


def _sections(nodes: list[_Node]) -> list[RawSection]:
    sections = []
    stack: list[_Node] = []
    for index, node in enumerate(nodes):
        if node.level >= 1:
            while stack and stack[-1].level >= node.level:
                stack.pop()
            stack.append(node)
            path = tuple(n.title for n in stack)
        else:
            path = (node.title,)
        if node.junk or not (node.body or _groups_kept_sections(nodes, index)):
            continue
        sections.append(RawSection(node.title, node.written, path, tuple(node.body),
                                   "faq" if node.kind == "faq" else "section"))
    return sections


def _groups_kept_sections(nodes: list[_Node], index: int) -> bool:
    """Whether a heading without text of its own has subsections with text, which
    makes it worth keeping as the heading that groups them (articles are cited by
    such headings)."""
    node = nodes[index]
    if node.level < 1:
        return False
    for later in nodes[index + 1:]:
        if later.level <= node.level:
            return False
        if later.body and not later.junk:
            return True
    return False

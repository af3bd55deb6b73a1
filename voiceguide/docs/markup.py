"""HTML-ish articles turned into the Markdown-ish text the rest of the parser reads.

Saved web pages and pasted page sources keep their structure in tags. Rewriting
headings as ``#`` lines and list items as ``-`` lines lets one line-based parser serve
every input, and the page furniture (scripts, iframes, navigation, comment threads,
share bars, author boxes) is dropped here, where the tags still say what it is.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAG = re.compile(
    r"<(?:html|body|div|p|h[1-6]|ul|ol|li|br|article|section|table|nav|header|footer)\b[^>]*>",
    re.IGNORECASE)

_HTML_THRESHOLD = 3
"""Block tags needed before a text counts as HTML: one stray tag in a Markdown file is
removed by ``clean`` and must not make the whole file lose its line structure."""

_SKIPPED_TAGS = frozenset({
    "script", "style", "iframe", "noscript", "svg", "nav", "footer", "aside", "form",
    "button", "select", "template", "table", "head", "object", "embed", "video", "audio",
})
"""Elements whose whole content is never article text (tables are dropped too: the
seeds' only table is made-up metrics, and tables do not read aloud)."""

_SKIPPED_CLASS = re.compile(
    r"comment|share|social|author|byline|advert|\bads?\b|sponsor|promo|related|newsletter|"
    r"subscribe|cookie|breadcrumb|sidebar|menu|widget|popup|banner|footer|navigation",
    re.IGNORECASE,
)
"""Class or id words that mark page furniture, whatever tag carries them."""

_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
})

_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "blockquote", "ul", "ol", "dl", "dd", "dt",
    "header", "pre", "figure", "figcaption", "tr",
})

_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def looks_like_html(text: str) -> bool:
    """Whether the text is a page's HTML rather than text with a stray tag in it."""
    if text.lstrip().startswith("<"):
        return True
    return len(_BLOCK_TAG.findall(text, 0, 200_000)) >= _HTML_THRESHOLD


def html_to_text(text: str) -> str:
    """Markdown-ish text for an HTML-ish document: headings as ``#`` lines, list items
    as ``-`` lines, entities decoded, links reduced to their words."""
    converter = _Converter()
    converter.feed(text)
    converter.close()
    return converter.text()


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._skip_tag: str | None = None
        # Only the skipped element's own tag is counted: pages leave out optional end
        # tags (</li>, </p>), which would otherwise keep the skip open to the end.
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag)
            return
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        marks = " ".join(value or "" for name, value in attrs if name in {"class", "id", "role"})
        if tag in _SKIPPED_TAGS or (marks and _SKIPPED_CLASS.search(marks)):
            self._skip_tag, self._skip_depth = tag, 1
        elif tag in _HEADINGS:
            self._out.append("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag == "li":
            self._out.append("\n- ")
        elif tag in _BLOCKS:
            self._out.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._void(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
            if not self._skip_depth:
                self._skip_tag = None
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._out.append("\n\n")
        elif tag == "li":
            self._out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None:
            self._out.append(re.sub(r"\s+", " ", data))

    def _void(self, tag: str) -> None:
        if self._skip_tag is not None:
            return
        if tag == "br":
            self._out.append("\n")
        elif tag == "hr":
            self._out.append("\n\n")

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self._out).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"

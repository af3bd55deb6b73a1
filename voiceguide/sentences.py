"""Sentence boundaries, the one splitter: the guide speaks one sentence at a time (so
the first starts sooner), and an article's junk removal and spoken summary cut a
paragraph in the same places."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[.!?]+[\"\u201d\u2019')\]]*\s+(?=[\"\u201c\u2018(\[]?[A-Z0-9])")

_ABBREVIATIONS = frozenset({
    "e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "st", "approx", "fig", "u.s",
    "jr", "sr", "prof", "inc", "ltd", "cf", "al",
})
"""Words whose full stop does not end a sentence."""

_WHOLE = re.compile(r"^[\"\u201c\u2018]?[A-Z0-9].*[.!?][\"\u201d\u2019']?$", re.DOTALL)


def split_sentences(text: str) -> list[str]:
    """The sentences of one paragraph, in order, with their end punctuation."""
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        space = text.rfind(" ", start, boundary.start())
        word = text[space + 1 if space >= 0 else start:boundary.start()].strip()
        word = word.lower().lstrip("(\"\u201c")
        if word in _ABBREVIATIONS or (word == "no" and text[boundary.end():][:1].isdigit()):
            continue  # "e.g." and "No. 5" end no sentence; "yes or no." does
        piece = text[start:boundary.end()].strip()
        if piece:
            sentences.append(piece)
        start = boundary.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def is_whole_sentence(text: str) -> bool:
    """Starts with a capital or a digit and ends with end punctuation: not a list
    fragment, a label or a sentence cut off by the scraper."""
    return bool(_WHOLE.match(text))

"""Expansion of example templates: ``(a|b)`` picks one, ``[words]`` may be left out.

Deliberately small (no slots, no references): enough for a reviewer to write
"[i have a] (cramp|spasm) in my calf" once instead of four near-identical lines.
"""

from __future__ import annotations

import itertools

MAX_VARIANTS = 64
"""A template that expands to more than this is almost certainly a mistake."""


class TemplateError(ValueError):
    """The template's brackets do not balance."""


def _split_alternatives(body: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def _closing(template: str, start: int) -> int:
    depth = 0
    for i in range(start, len(template)):
        if template[i] in "([":
            depth += 1
        elif template[i] in ")]":
            depth -= 1
            if depth == 0:
                return i
    raise TemplateError(f"unclosed '{template[start]}' in {template!r}")


def _expand(template: str) -> list[str]:
    pieces: list[list[str]] = []
    i = 0
    literal = ""
    while i < len(template):
        char = template[i]
        if char in "([":
            if literal:
                pieces.append([literal])
                literal = ""
            end = _closing(template, i)
            options = [
                variant
                for part in _split_alternatives(template[i + 1 : end])
                for variant in _expand(part)
            ]
            if char == "[":
                options.append("")
            pieces.append(options)
            i = end + 1
        elif char in ")]":
            raise TemplateError(f"unopened '{char}' in {template!r}")
        else:
            literal += char
            i += 1
    if literal:
        pieces.append([literal])
    return ["".join(combo) for combo in itertools.product(*pieces)] or [""]


def expand(template: str) -> list[str]:
    """All sentences a template stands for, with white space tidied, in order."""
    seen: dict[str, None] = {}
    for variant in _expand(template):
        text = " ".join(variant.split())
        if text:
            seen.setdefault(text, None)
    if len(seen) > MAX_VARIANTS:
        raise TemplateError(
            f"{template!r} expands to {len(seen)} sentences (at most {MAX_VARIANTS})"
        )
    return list(seen)

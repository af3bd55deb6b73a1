"""Finding the section of a deployment's own documents that answers a question: BM25
over each section's fields, weighted toward its headings and questions, and, when the
index has sentence vectors, how close the section's meaning is to the question's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from voiceguide.docs import Section
from voiceguide.docs.index import DocIndex
from voiceguide.docs.plain_words import PlainWords, plain_words
from voiceguide.docs.semantic import SentenceEncoder, unpack
from voiceguide.match.normalize import STOPWORDS, plain, stem

MEANING = 0.4
"""Share of a section's score from how close its meaning is to the question's, when
the index has sentence vectors; the rest is word evidence. Chosen on the labelled
sets of ``tests/data/doc_questions*.tsv``: 0.3 to 0.6 all do about as well."""

DOCUMENT_WEIGHT = 0.75
"""Weight of the words that set a section's whole article apart (see ``FIELD_WEIGHTS``)."""

DOCUMENT_WORDS = 6
"""How many such words each article has."""

FIELD_WEIGHTS = (("questions", 3.0), ("title", 2.5), ("path", 1.0), ("keywords", 1.5),
                 ("text", 1.0), ("document", DOCUMENT_WEIGHT))
"""How much a query word found in each part of a section counts. Headings and the
questions made from them say what a section is about; its text mentions much else;
and every section of an article on leg numbness is about numb legs."""

SATURATION = 1.2
"""BM25's k1: a word said ten times in a section is not ten times the evidence."""

LENGTH_NORM = 0.75
"""BM25's b, for a section's text: how far a long text's words are discounted."""

COMMON_PIECE = 5000
"""A word the sentence model's vocabulary holds whole, among roughly its first 3,000
words (it lists words from the commonest down, after ~2,000 marks), is everyday
English."""

COMMON_WEIGHT = 0.5
"""What such a word's rarity counts for: "stop" must not pull "does aspirin stop a
cramp" to a section titled "how to stop this for good"."""

ALTERNATIVE = 0.9
"""What a word found through ``plain_words.toml`` counts for, against the word said."""
"""BM25's k1: a word said ten times in a section is not ten times the evidence."""

_TOP_WEIGHT = max(w for _, w in FIELD_WEIGHTS) * (SATURATION + 1)
"""The most one query word can earn in one section: the denominator of coverage."""

FUZZ = 0.1
"""Share of the score from how closely one of a section's questions reads like the one
asked; the rest is word evidence. Chosen on ``tests/data/doc_questions*.tsv`` (0 to
0.2 move the figures by a question or two either way)."""

UNTELLING = STOPWORDS | frozenset("""
about after all as because before being but by doing don down during each few from
further having he her hers him his how if into itself just more most myself no nor not
now once only other our own same she so such than their them then they through too
under until we were what when where which while who whom why yours go going make makes
thing things tell know really please much lot help helps good bad best right way use
used using""".split())
"""Words that say nothing about which section a question wants: the stopwords, and the
words of asking and of everyday judgement."""

_SPLIT = re.compile(r"[^a-z0-9]+")
_DEFINED = re.compile(r"(?<=\s)\(([A-Z]{2,6})\)")
_WORDS_BEFORE = re.compile(r"[A-Za-z][\w-]*")


def terms(text: str) -> list[str]:
    return [stem(w) for w in _SPLIT.split(plain(text)) if w and w not in UNTELLING]


def abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """"Multiple Sclerosis (MS)" teaches that "ms" means "multiple sclerosis", so a
    question that spells a condition out finds the section that abbreviates it."""
    found: dict[str, str] = {}
    for text in texts:
        for defined in _DEFINED.finditer(text):
            short = defined.group(1)
            long = _WORDS_BEFORE.findall(text, max(0, defined.start() - 80),
                                         defined.start())[-len(short):]
            if len(long) == len(short) and all(
                    w[0].lower() == c.lower() for w, c in zip(long, short, strict=True)):
                found.setdefault(short.lower(), " ".join(long).lower())
    return found


@dataclass(frozen=True, slots=True)
class Concept:
    """One word of a question, with the phrases of its ``plain_words.toml`` group."""

    said: str
    rarity: float
    """Inverse document frequency of any of its phrases among the sections."""
    known: bool
    """Whether any section holds it at all."""
    phrases: tuple[tuple[tuple[str, ...], float], ...]
    """Each phrase's terms, all needed, and its weight; the word said comes first."""

    def within(self, vocabulary: Set[str]) -> bool:
        return any(all(t in vocabulary for t in terms) for terms, _ in self.phrases)


@dataclass(frozen=True, slots=True)
class Hit:
    section: Section
    score: float
    """0..1: the share of the question's evidence the section covers, sharpened by how
    closely one of its questions reads like the one asked."""
    found: tuple[Concept, ...] = ()
    """The question's concepts the section holds."""


class DocRetriever:
    """BM25 over each section's fields, weighted toward its headings and questions."""

    def __init__(self, index: DocIndex, words: PlainWords | None = None,
                 meaning: SentenceEncoder | None = None) -> None:
        """``meaning``: the sentence model the index's vectors came from, if any; the
        sections are then also ranked by how close their meaning is to the question."""
        self._words = words or plain_words()
        # A heading that only groups others has nothing to read out.
        self.sections = [s for s in index.sections() if s.summary]
        self._fields: list[dict[str, Counter[str]]] = []
        holding: dict[str, set[int]] = {}
        known = abbreviations(s.title + "\n" + s.text for s in self.sections)

        def spelled(text: str) -> list[str]:
            return terms(" ".join(known.get(w, w) for w in plain(text).split()) + " " + text)

        for number, section in enumerate(self.sections):
            fields = {
                "questions": Counter(t for q in section.questions for t in spelled(q)),
                "title": Counter(spelled(section.title)),
                "path": Counter(t for p in section.path[:-1] for t in spelled(p)),
                "keywords": Counter(t for k in section.keywords for t in terms(k)),
                "text": Counter(terms(section.text)),
            }
            self._fields.append(fields)
            # Rarity is judged on the section's own words, not its article's.
            for counts in fields.values():
                for term in counts:
                    holding.setdefault(term, set()).add(number)
        about = _what_each_document_is_about(index, self.sections, self._fields)
        for section, fields in zip(self.sections, self._fields, strict=True):
            fields["document"] = about[section.doc]
        self._holding = {t: frozenset(n) for t, n in holding.items()}
        vectors = index.vectors
        usable = (meaning is not None and vectors is not None and vectors.model == meaning.name
                  and all(s.id in vectors.by_section for s in self.sections))
        self._meaning = meaning if usable else None
        self._pieces = meaning.vocabulary if meaning is not None else {}
        self._vectors = (np.stack([unpack(vectors.by_section[s.id]) for s in self.sections])
                         if usable and vectors is not None else None)
        total = max(len(self.sections), 1)
        lengths = [sum(f["text"].values()) for f in self._fields]
        mean = max(sum(lengths) / total, 1.0)
        self._text_norm = [1 - LENGTH_NORM + LENGTH_NORM * n / mean for n in lengths]

    def search(self, text: str, limit: int = 3,
               concepts: Sequence[Concept] | None = None) -> list[Hit]:
        """``concepts``: ``self.concepts(text)``, when the caller already has them."""
        concepts = self.concepts(text) if concepts is None else concepts
        best = sum(_TOP_WEIGHT * c.rarity for c in concepts)
        if not concepts or not self.sections:
            return []
        hits = []
        close = (np.maximum(self._vectors @ self._meaning.encode([text])[0], 0.0)
                 if self._meaning is not None and self._vectors is not None
                 else np.zeros(len(self.sections)))
        for section, fields, norm, near in zip(self.sections, self._fields, self._text_norm,
                                               close, strict=True):
            score = 0.0
            found = []
            for concept in concepts:
                evidence = max(w * _phrase(fields, ts, norm) for ts, w in concept.phrases)
                if evidence:
                    score += concept.rarity * evidence
                    found.append(concept)
            if score == 0.0 and not near:
                continue
            coverage = score / best
            asked = max((fuzz.token_set_ratio(text, q, processor=plain) / 100
                         for q in section.questions), default=0.0) if score else 0.0
            worded = (1 - FUZZ) * coverage + FUZZ * asked
            if self._meaning is not None:
                worded = (1 - MEANING) * worded + MEANING * float(near)
            hits.append(Hit(section, round(worded, 4), tuple(found)))
        hits.sort(key=lambda hit: -hit.score)
        return hits[:limit]

    def concepts(self, text: str) -> list[Concept]:
        """Each word said is one concept: the word itself or any phrase of its group
        whose words a section has all of. A concept is as rare as the sections
        holding any of its phrases, so "medicine" and "medications" weigh the same."""
        widened = self._words.alternatives(text, terms)
        said = {stem(w): w for w in reversed(plain(text).split())}
        concepts = []
        for term in dict.fromkeys(terms(text)):
            phrases = ((term,), 1.0), *((alt, ALTERNATIVE)
                                         for alt in sorted(widened.get(term, ())))
            holding = set().union(*(frozenset.intersection(
                *(self._holding.get(t, frozenset()) for t in ts)) for ts, _ in phrases))
            rarity = self._rarity(len(holding))
            if self._pieces.get(said.get(term, term), COMMON_PIECE + 1) <= COMMON_PIECE:
                # Everyday English, however few sections happen to say it ("stop").
                rarity *= COMMON_WEIGHT
            concepts.append(Concept(term, rarity, bool(holding), phrases))
        return concepts

    def _rarity(self, holding: int) -> float:
        """BM25's inverse document frequency, for a concept found in ``holding``
        sections."""
        return math.log(1 + (len(self.sections) - holding + 0.5) / (holding + 0.5))


def _phrase(fields: dict[str, Counter[str]], phrase: tuple[str, ...], norm: float) -> float:
    """Evidence for all of a phrase's words, or none when one is missing."""
    found = [_evidence(fields, t, norm) for t in phrase]
    return sum(found) / len(found) if all(found) else 0.0


def _what_each_document_is_about(index: DocIndex, sections: Sequence[Section],
                                 fields: Sequence[dict[str, Counter[str]]]
                                 ) -> dict[str, Counter[str]]:
    """Each article's title words and the few words it uses most that other articles
    use least: "numb" for the article on legs going to sleep."""
    used: dict[str, Counter[str]] = {d.file: Counter() for d in index.documents}
    for section, field in zip(sections, fields, strict=True):
        used[section.doc].update(field["title"])
        used[section.doc].update(field["text"])
    spread: Counter[str] = Counter()
    for counts in used.values():
        spread.update(counts.keys())
    about: dict[str, Counter[str]] = {}
    for document in index.documents:
        counts = used[document.file]
        top = sorted(counts, key=lambda t: -counts[t] * math.log(1 + len(used) / spread[t]))
        named = document.title != Path(document.file).stem
        about[document.file] = Counter(set(terms(document.title) if named else ())
                                       | set(top[:DOCUMENT_WORDS]))
    return about


def _evidence(fields: dict[str, Counter[str]], term: str, norm: float) -> float:
    """The best one field gives a term; a long text's words count for less, as in
    BM25, so a whole article under one heading does not answer every question."""
    return max((weight * _saturate(fields[name][term], norm if name == "text" else 1.0)
                for name, weight in FIELD_WEIGHTS if fields[name][term]), default=0.0)


def _saturate(count: int, norm: float = 1.0) -> float:
    return count * (SATURATION + 1) / (count + SATURATION * norm)

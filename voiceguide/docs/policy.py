"""When a section of the deployment's articles stands in for the curated answer.

The curated answers are short and written for the ear, so they stay first. A section
takes over an accepted answer when the question names something that answer never
mentions and the section does: a test ("what does an EMG show"), a therapy (TENS,
capsaicin cream), a condition (lupus, sarcopenia), a figure or a medicine (gabapentin,
aspirin). A named thing is a word that is rare among the articles' sections, absent
from the curated answer's own words, and not everyday speech: not a word people use
for what they feel or for the guide's controls ("stop", "asleep", "sore"), and not
among the commonest English words.

A guided routine is only replaced when the person asks about something ("is that
chilli cream any good on a cramping calf"), never when they report it: "my calf is
cramping" must start the stretch, whatever an article says.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence, Set

from voiceguide.docs.retrieve import COMMON_PIECE, UNTELLING, Concept, Hit, terms
from voiceguide.kb.model import Intent, KnowledgeBase
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE
from voiceguide.match.normalize import plain, spelled_out, stem

RARE = 2.5
"""Rarity (inverse document frequency among the sections) from which a word can name
something: about one section in twelve holds it."""

EVERYDAY_EXAMPLES = 3
"""Examples of the content that must use a word for it to count as everyday talk:
a name the content mentions once or twice ("aspirin") is still a name."""
SAME_WORD = 6
"""Letters two stems must share to be one word: "pregnant" and "pregnancy"."""

NEVER_REPLACED = frozenset({"medications.dose"})
"""The guide's refusal to suggest a dose stands, whatever an article says."""

_FIGURE = re.compile(
    r"\b(how (common|many|often|likely|rare)|what (percentage|proportion|share|fraction|"
    r"number)|what are the (chances|odds)|how much of the)\b")
"""A question asking for a figure."""
_NUMBER = re.compile(r"\d|\bper ?cent\b|\b(one|two|three|four|five|six|seven|eight|nine|ten)"
                     r" in (two|three|four|five|six|seven|eight|nine|ten|a hundred)\b")
_ASKING = re.compile(
    r"^(what|whats|which|who|why|how|when|where|is|are|was|were|am|can|could|do|does|"
    r"did|would|will|should|shall|has|have|any|tell me|i wonder|is it true)\b")


def asked(text: str) -> bool:
    """Whether ``text`` is a question rather than a report: it ends with a question
    mark or opens as one does."""
    return spelled_out(text).rstrip(" .\u2026").endswith("?") or bool(
        _ASKING.match(plain(text)))


class Replacement:
    """Decides, for an accepted curated answer, whether a section says what it does not."""

    def __init__(self, kb: KnowledgeBase | None,
                 vocabulary: Mapping[str, int] | None = None) -> None:
        """``vocabulary``: the sentence model's word pieces and their places, when it
        is installed, to tell everyday English from a name."""
        intents = list(kb.intents.values()) if kb else []
        self._answers = {intent.id: frozenset(t for line in _answer_lines(kb, intent)
                                              for t in terms(line))
                         for intent in intents if replaceable(intent)}
        self._figures = {intent.id: bool(_NUMBER.search(" ".join(
            _answer_lines(kb, intent)).lower())) for intent in intents}
        self._routines = frozenset(i.id for i in intents if i.routine or i.muscle_routines)
        # How people say what they feel and what they want the guide to do: the
        # examples of routines, controls and the out-of-scope talk, and any word the
        # content's examples use again and again ("pregnant", "syndrome").
        spoken = Counter(t for intent in intents for example in intent.examples
                         for t in set(terms(example)))
        self._everyday = frozenset(
            t for intent in intents if intent.id in self._routines
            or intent.public_id.startswith("control.") or intent.id == OUT_OF_SCOPE
            for example in intent.examples for t in terms(example)) | frozenset(
            t for t, count in spoken.items() if count >= EVERYDAY_EXAMPLES)
        self._pieces = vocabulary or {}

    def covers(self, intent_id: str) -> bool:
        """Whether a section may ever stand in for this intent."""
        return intent_id in self._answers

    def stands_in(self, intent_id: str, text: str, hit: Hit) -> bool:
        """Whether ``hit`` should answer ``text`` instead of ``intent_id``'s answer."""
        answer = self._answers.get(intent_id)
        if answer is None or (intent_id in self._routines and not asked(text)):
            return False
        said: dict[str, str] = {}
        for word in plain(text).split():
            if word not in UNTELLING:
                said.setdefault(stem(word), word)
        if _FIGURE.search(plain(text)) and not self._figures.get(intent_id) and (
                _NUMBER.search(hit.section.text.lower())):
            # The question asks for a figure that the section gives and the answer
            # does not ("how common are restless legs").
            return True
        return any(self._names(c, said.get(c.said, c.said), answer) for c in hit.found)

    def _names(self, concept: Concept, word: str, answer: Set[str]) -> bool:
        # The word itself, not its plain-words group: "cream" is not mentioned by an
        # answer that says "rub", though "rub on" is in cream's group.
        said_terms = concept.phrases[0][0]
        if (concept.rarity < RARE or all(_mentioned(t, answer) for t in said_terms)
                or concept.said in self._everyday):
            return False
        place = self._pieces.get(word)
        return place is None or place > COMMON_PIECE


def _mentioned(term: str, answer: Set[str]) -> bool:
    return term in answer or (len(term) >= SAME_WORD and any(
        t.startswith(term[:SAME_WORD]) for t in answer))


def replaceable(intent: Intent) -> bool:
    """Intents a section may stand in for: not controls, the emergency, the refusal
    of out-of-scope talk or the refusal to give doses."""
    return (intent.id not in NEVER_REPLACED
            and not intent.id.startswith(("control.", EMERGENCY, OUT_OF_SCOPE)))


def _answer_lines(kb: KnowledgeBase | None, intent: Intent) -> Sequence[str]:
    """What the guide says for ``intent``: its answer, and its routine's steps."""
    lines = [intent.label, intent.response, intent.more or ""]
    for name in (intent.routine, *intent.muscle_routines.values()):
        routine = kb.routines.get(name) if kb and name else None
        if routine is not None:
            lines += [text for step in routine.steps for text in (step.say, step.ask)
                      if text]
    return lines

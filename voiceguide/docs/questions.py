"""Headings turned into the questions a listener would ask to reach them.

People ask "what are the symptoms of sciatica", not "Symptoms of Sciatica", so each
heading gets a question form for intent linking to match against. The rules are a
few plain English patterns, not a grammar: a wrong guess only costs a weaker match.
"""

from __future__ import annotations

import re

_ASKING = frozenset(
    "what why how when where which who whose can could should would will do does did is "
    "are was were has have".split())

_INSTRUCTIONS = frozenset(
    "prevent avoid change maintain manage control address adjust use position take keep "
    "drink stop relieve ease treat reduce improve try get make stay eat limit apply choose "
    "find know".split())
"""Verbs that open an instruction heading ("Change Positions Frequently")."""

_GERUNDS = {
    "managing": "manage", "preventing": "prevent", "treating": "treat", "reducing": "reduce",
    "relieving": "relieve", "easing": "ease", "stopping": "stop", "avoiding": "avoid",
    "coping": "cope", "improving": "improve", "stretching": "stretch",
}

_ABOUT = ("understanding ", "overview of ", "introduction to ", "a guide to ", "guide to ")
"""Openings that only announce the subject that follows them."""

_GENERIC = frozenset({
    "intro", "introduction", "conclusion", "in conclusion", "ending", "summary", "overview",
    "key takeaways", "final thoughts", "bottom line", "the bottom line", "definition", "faq",
    "faqs", "frequently asked questions",
})
"""Titles that name a part of an article rather than a subject; they get no question."""

_ASPECTS = {
    "causes": "of", "symptoms": "of", "signs": "of", "risks": "of", "prevention": "of",
    "treatment": "for", "treatments": "for", "solutions": "for", "tips": "for",
    "remedies": "for", "relief": "for",
}
"""Heading tails after a colon ("Leg Pain When Sleeping: Causes") and how they join
the subject."""

_SINGULAR_IN_S = frozenset("diabetes news measles mumps herpes lupus series species".split())

_HEAD_END = re.compile(r"\s(?:of|for|when|while|during|on|in|at|that|which|to|with|from|"
                       r"after|before|by|behind|between|among|against|around|across|"
                       r"through|without|within|under|versus|vs)\s")


def question_forms(title: str) -> tuple[str, ...]:
    """Lowercase question forms of a heading; a heading that already is a question is
    kept as it is, less its question mark."""
    text = _plain(title)
    head, _, tail = (part.strip() for part in text.partition(":"))
    if not head or head in _GENERIC:
        return ()
    words = head.split()
    if words[0] in _ASKING:
        return (head,)
    subject = _subject(head)
    aspects = [word for word in re.split(r"\s*(?:,|\band\b|&)\s*", tail) if word in _ASPECTS]
    if aspects and subject:
        return tuple(f"what are the {aspect} {_ASPECTS[aspect]} {subject}" for aspect in aspects)
    if words[0] in _INSTRUCTIONS and len(words) > 1:
        return (f"how do i {head}",)
    verb = _GERUNDS.get(words[0])
    if verb and len(words) > 1 and not (len(words) == 2 and _plural(words[1])):
        return (f"how do i {verb} {' '.join(words[1:])}",)
    if subject != head:
        return (_what(subject, announced=True),)
    named = _head_phrase(head).split()
    if " and " in _head_phrase(head) or (words[0].endswith("ing")
                                         and not (named and _plural(named[-1]))):
        return (f"what about {head}",)
    return (_what(head),)


def _plain(title: str) -> str:
    """Lowercase words without asides in brackets, in the listener's voice ("your
    chair" is "my chair" when they ask)."""
    text = re.sub(r"\s*\([^()]*\)", "", title.lower()).replace("\u2019", "'").replace(" 's", "'s")
    text = re.sub(r"\byour\b", "my", re.sub(r"\byourself\b", "myself", text))
    return re.sub(r"\s+", " ", text).strip(" ?!.")


def _subject(head: str) -> str:
    """The noun phrase a heading is about, without an announcing or instructing word."""
    for opening in _ABOUT:
        if head.startswith(opening):
            return head.removeprefix(opening)
    words = head.split()
    if words[0] in _INSTRUCTIONS and len(words) > 1:
        return " ".join(words[1:])
    return head


def _what(phrase: str, announced: bool = False) -> str:
    """ "what is" or "what are" the phrase; "the" is added to a plural or an "X of Y"
    heading ("what are the accompanying symptoms") but not to a subject an opening
    announced ("Understanding Leg Cramps": "what are leg cramps")."""
    head_words = _head_phrase(phrase).split()
    plural = bool(head_words) and _plural(head_words[-1])
    verb = "are" if plural else "is"
    if announced or phrase.startswith("the ") or not (plural or " of " in phrase):
        return f"what {verb} {phrase}"
    return f"what {verb} the {phrase}"


def _head_phrase(phrase: str) -> str:
    """The words before the first preposition or relative word: where the noun that
    decides "is" or "are" sits."""
    return _HEAD_END.split(f" {phrase} ", maxsplit=1)[0].strip()


def _plural(word: str) -> bool:
    return (word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))
            and word not in _SINGULAR_IN_S)

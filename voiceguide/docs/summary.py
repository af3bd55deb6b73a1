"""A spoken-length summary of one section, made of whole sentences picked from it.

The summary is what the guide reads aloud at night, so a sentence qualifies only if
it stands on its own when heard: complete, not a list fragment, no leftover link or
bracket, not leaning on a sentence that was left out ("This position ..."). Picked
sentences keep their order, and abbreviations and symbols that speech engines read
badly are written out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from voiceguide.docs.structure import Part
from voiceguide.sentences import is_whole_sentence, split_sentences

MAX_WORDS = 60
"""Longest summary, in words: about twenty-five seconds at the guide's speaking rate."""

_LONGEST_SENTENCE = 35
"""Words; a longer sentence is hard to follow by ear."""

_SPOKEN: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\s*\((?:[^()]{1,40})\)"), ""),            # "(PAD)", "(X-rays, MRI)"
    # "Additionally, ..." only links to the sentence before, which may not be read.
    (re.compile(r"^(?:Additionally|Moreover|Furthermore|Also|In addition),\s+(\w)", re.M),
     lambda m: m.group(1).upper()),
    (re.compile(r"(?<=[.!?]\s)(?:Additionally|Moreover|Furthermore|Also|In addition),\s+(\w)"),
     lambda m: m.group(1).upper()),
    (re.compile(r"\be\.g\.,?", re.I), "for example"),
    (re.compile(r"\bi\.e\.,?", re.I), "that is"),
    (re.compile(r"\betc\.(?=\s*$)"), "and so on."),
    (re.compile(r"\betc\."), "and so on"),
    (re.compile(r"\bvs\.?(?=\s)", re.I), "versus"),
    (re.compile(r"\bapprox\.", re.I), "about"),
    (re.compile(r"\bw/(?=\s)"), "with"),
    (re.compile(r"\band/or\b"), "or"),
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"(?<=\w)/(?=\w)"), " or "),
    (re.compile(r"(?<=\d)\s*[-\u2013]\s*(?=\d)"), " to "),
    (re.compile(r"(?<=\d)\s*%"), " percent"),
    (re.compile(r"~\s*(?=\d)"), "about "),
    (re.compile(r"(?<=\d)\+"), " plus"),
    (re.compile(r"\s*°\s*F\b"), " degrees Fahrenheit"),
    (re.compile(r"\s*°\s*C\b"), " degrees Celsius"),
)

_LEANING = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|them|such|however|additionally|moreover|"
    r"furthermore|also|lastly|conversely|thus|therefore|hence|besides|similarly|likewise|"
    r"then|here|there|another|both|each|finally|instead|otherwise|still|yet|but|and|or|so|"
    r"in addition|on the flip side|in essence|in short|in summary|in sum|in conclusion|"
    r"as a result|as such)\b", re.I)
"""Openings that refer back to an earlier sentence."""

_EXPLETIVE = re.compile(r"^it(?:['\u2019]s| is| was)\s+(?:\w+\s+){0,2}(?:to|that)\b", re.I)
""""It is important to ..." does not refer back, though it starts with "it"."""

_DEFINITION = re.compile(r"^(?:A|An)\s.*?\b(?:that|which|where|who)\b")
"""A bullet's "Label: A condition in which ..." gloss, which has no main verb."""

_LABEL = re.compile(r"^[^:.!?]{1,60}:\s+(?=[A-Z])")
"""A bullet's "Label: " lead, as in "Kneeling: Prolonged kneeling can ..."."""

_FIRST_PERSON = re.compile(r"\b(?:we|we['\u2019](?:ve|re|ll)|our|us)\b", re.I)


def speakable(text: str) -> str:
    """Text with bracketed asides dropped and abbreviations and symbols written out."""
    for pattern, spoken in _SPOKEN:
        text = pattern.sub(spoken, text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True, slots=True)
class _Candidate:
    order: int
    spoken: str
    words: int
    score: float
    leans: bool


def summarize(parts: Sequence[Part], title: str) -> str:
    """At most ``MAX_WORDS`` words of whole sentences from the parts, in their order;
    a section that is only a list ("Symptoms: numbness, coldness, ...") is read as one
    listing sentence instead; empty when neither reads well."""
    return _picked(parts, title) or _listed(parts, title)


def _picked(parts: Sequence[Part], title: str) -> str:
    candidates = _candidates(parts, title)
    ranked = sorted(candidates, key=lambda c: (-c.score, c.order))
    chosen: set[int] = set()
    used = 0
    changed = True
    # Best first; a sentence that leans on the one before waits for it to be chosen,
    # so another pass runs while the last one chose something.
    while changed and used < MAX_WORDS:
        changed = False
        for candidate in ranked:
            if candidate.order in chosen or used + candidate.words > MAX_WORDS:
                continue
            if candidate.leans and candidate.order - 1 not in chosen:
                continue
            chosen.add(candidate.order)
            used += candidate.words
            changed = True
    return " ".join(c.spoken for c in candidates if c.order in chosen)


def _listed(parts: Sequence[Part], title: str) -> str:
    """The section's bullets read out after their lead-in ("Besides numbness, sciatica
    can cause: ...") or, with none, after the title; bullets that are questions are
    read one after another. As many bullets as fit in ``MAX_WORDS``, at least two."""
    first = next((i for i, p in enumerate(parts) if p.kind == "item"), None)
    if first is None:
        return ""
    items = [speakable(p.text) for p in parts[first:] if p.kind == "item"]
    lead = speakable(parts[first - 1].text) if first and parts[first - 1].kind == "para" else ""
    led_in = lead.endswith(":")
    if not led_in:
        lead = _sentence_case(title) + ":"
    if all(item.endswith("?") for item in items):
        pieces = [item[0].upper() + item[1:] for item in items]
        joiner = " "
    else:
        pieces = [_bullet(item) for item in items]
        joiner = "; " if any("," in piece for piece in pieces) else ", "
    words = len(lead.split())
    kept: list[str] = []
    for piece in pieces:
        words += len(piece.split()) + 1
        if words > MAX_WORDS:
            break
        kept.append(piece)
    if len(kept) < 2 or any(not piece or re.search(r"[()\[\]{}<>|*#_]|https?:|www\.", piece)
                            for piece in kept):
        return ""
    if joiner == " ":
        return f"{lead} {' '.join(kept)}"
    listed = joiner.join(kept[:-1]) + ("; and " if joiner == "; " else " and ") + kept[-1]
    # A lead-in runs on into its list ("sciatica can cause sharp ..."); a title is
    # followed by a pause.
    return f"{lead[:-1]} {listed}." if led_in else f"{lead} {listed}."


def _bullet(item: str) -> str:
    """ "Label: A gloss." as "label, a gloss", to sit inside a listing sentence."""
    label = _LABEL.match(item)
    if label:
        item = label.group().rstrip(": ") + ", " + _lower_first(item[label.end():])
    return _lower_first(item.rstrip(".;,:"))


def _sentence_case(title: str) -> str:
    """ "Symptoms of Vascular Issues" as it is said in a sentence; "MS" stays "MS"."""
    words = title.split()
    return " ".join([words[0]] + [w if w.isupper() or not w[:1].isupper() else w.lower()
                                  for w in words[1:]]) if words else title


def _lower_first(text: str) -> str:
    word = text.split(" ", 1)[0]
    if len(word) > 1 and (word[1].isupper() or word[1].isdigit()):
        return text
    return text[:1].lower() + text[1:]


def _candidates(parts: Sequence[Part], title: str) -> list[_Candidate]:
    title_words = _content_words(title)
    candidates = []
    order = 0
    for part in parts:
        labelled = part.kind == "item" and _LABEL.match(part.text) is not None
        text = _LABEL.sub("", part.text) if part.kind == "item" else part.text
        for position, sentence in enumerate(split_sentences(text)):
            order += 1
            if not _may_read_well(sentence):
                continue
            spoken = speakable(sentence)
            if not _reads_well(spoken) or (labelled and position == 0
                                           and _DEFINITION.match(spoken)):
                continue
            words = len(spoken.split())
            overlap = len(title_words & _content_words(spoken)) / max(1, len(title_words))
            score = (2.0 if order == 1 else 0.7 if position == 0 else 0.0) + 1.5 * overlap
            score -= (0.5 if part.kind == "item" else 0.0) + 0.02 * order
            score -= (1.0 if words < 7 else 0.0) + (1.0 if words > 28 else 0.0)
            score -= 1.0 if _FIRST_PERSON.search(spoken) else 0.0
            # A section's first sentence may lean on the heading ("These studies ...").
            leans = order > 1 and bool(_LEANING.match(spoken)) and not _EXPLETIVE.match(spoken)
            candidates.append(_Candidate(order, spoken, words, score, leans))
    return candidates


def _may_read_well(sentence: str) -> bool:
    """A cheap test on the sentence as written, so that only likely picks are
    rewritten for speech (writing out drops at most a short bracketed aside)."""
    return (sentence.endswith(".") and len(sentence.split()) <= _LONGEST_SENTENCE + 10
            and is_whole_sentence(sentence))


def _reads_well(sentence: str) -> bool:
    words = len(sentence.split())
    return (is_whole_sentence(sentence) and sentence.endswith(".")
            and 5 <= words <= _LONGEST_SENTENCE
            and not sentence.startswith(("\"", "\u201c", "\u2018", "'"))
            and not re.search(r"[()\[\]{}<>|*#_]|https?:|www\.|\S+@\S+", sentence))


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}

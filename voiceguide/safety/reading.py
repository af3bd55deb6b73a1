"""Reading an utterance the way a nurse listens: what is wrong, where, and whether it
is said as happening now.

The reader finds the concepts of ``danger.toml`` in what was said (a sign such as
"swollen", a part such as "calf", a context such as "after my op") and then works out
for each sign:

- whether it is denied ("no swelling", "it's not red or hot") and how far the denial
  reaches: to the end of its clause, not past "but" or a new subject ("no, my chest
  hurts" denies nothing);
- what it is said of: the part it describes ("my foot is blue", "a swollen calf") or
  something else ("a blue gel pack", "the cat is grey", "I'm feeling blue");
- whether it is asked about rather than told ("what are the signs of a clot"), in the
  past ("a clot years ago"), imagined ("if my leg swells, what do I do"), undone
  ("I nearly fell") or explained by something harmless ("red under the heat pack").

The rules then only have to say which live signs, on which parts, make a danger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voiceguide.safety.model import Concept, DangerBook
from voiceguide.safety.words import MARK, Repairer, tokens

QUESTION_STARTS = frozenset(
    "what whats how why when which who where is are does do can could should would "
    "will was were am has have did shall may might".split())
"""First words that make an utterance a question, whatever its punctuation."""
HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "hmm", "ah", "oh"})
"""Sounds before the first word that do not change what kind of sentence it is:
"um... why do they tell pregnant women..." is still a question."""
ANSWERS = frozenset({"no", "nope", "nah"})
"""A "no" that may be an answer to the guide's question rather than a denial."""
ANSWER_ENDS = ANSWERS | {"yes", "that", MARK}
"""After one of these, an answer stands alone ("no, no", "no... ", "no that's just the
pillow"): it denies nothing."""
ASKED_OF = frozenset("i you we they he she it this these those my your the there".split())
"""After "am" or "are", a word that makes them a question ("am I...", "are my legs...");
otherwise they are a recogniser's hearing of "um" and "er" ("am and leg heavy
swollen")."""
ATTACH_SKIP = frozenset(
    "a an the my his her their your our its in on of at around behind under over above "
    "below near by both either one left right lower upper whole back front side inside "
    "and or very really bit little all so too quite pretty kind sort down up along "
    "across round whole entire bottom top patch goes going gone went runs running is are "
    "feels feel looks look thing anything".split())
"""Words passed over between a sign and the part it comes before ("swelling in my
left calf")."""
COPULAS = frozenset(
    "is are was were feels feel felt looks look looked gone went turned turning going "
    "getting got become becomes seems seem been be".split())
"""Before a sign, these make it said of what came before ("my foot has gone blue"), so
the part before it is looked for first."""
ADVERBS = frozenset("very really all so a bit little quite pretty too still now just "
                    "kind of sort like rather slightly totally completely".split())
CONTRASTS = frozenset("but though although however yet".split())
"""A clause opening with one of these sets itself against a cause said before it."""
SUBJECT_WORDS = frozenset("i he she we they you it this that there".split())
"""A clause with one of these before its sign has a subject of its own."""
JOINS = frozenset("and or plus also".split())
"""After these, "my", "it" or "the" start a new clause ("swollen and my chest hurts");
after a verb they carry it on ("I can't lift my arm")."""
PRONOUNS = frozenset("i im he she we they".split())
"""Straight after a sign, one of these starts a new clause ("my leg won't work I keep
tipping"): the sign is said of what came before, not of the speaker."""
PREDICATES = frozenset("is are was has have feels looks".split())
"""A subject with one of these close after it says something new: "not a cramp, my calf
has gone red" denies the cramp, not the redness."""
SPECIFIC = frozenset("my me his her their our the".split())
"""Before a part: it is someone's own leg."""
PEOPLE = frozenset(
    "mum mom mam mummy dad daddy nan nana gran granny grandma grandad grandpa husband "
    "wife partner son daughter boy girl baby child kid friend sister brother father "
    "mother auntie aunt uncle neighbour neighbor patient resident".split())
"""Whose leg it may be besides the speaker's: "my mum's leg" reads "my mum is leg"."""
CHANGE = frozenset(
    "get gets go goes turn turns become becomes start starts ever happen happens will "
    "would swell swells".split())
"""In an "if" clause, words of a change still to come: the sign is imagined."""
PERSONAL = frozenset(
    "i me my mine we us our this it her his she he him they them their".split()) | PEOPLE
"""In a question, words that make a sign someone's now rather than anyone's."""
NAMED_LOOKBACK = 4
"""How many words before a named condition ("a clot") its claim may stand."""


@dataclass(slots=True)
class Mention:
    """One concept found in the utterance, and how it was said."""

    concept: Concept
    start: int
    end: int
    """Token span, end exclusive."""
    words: str
    clause: int = 0
    negated: bool = False
    hypothetical: bool = False
    past: bool = False
    explained: bool = False
    generic: bool = False
    bearer: Mention | None = None
    """The part (or thing, or person) this sign is said of."""
    owned: bool = False
    """For a part: someone's own ("my calf", "her leg"), not anyone's."""

    @property
    def live(self) -> bool:
        """Said as true of someone now."""
        return not (self.negated or self.hypothetical or self.past or self.explained
                    or self.generic)

    @property
    def name(self) -> str:
        return self.concept.name


@dataclass(slots=True)
class Reading:
    words: list[str]
    mentions: list[Mention]
    question: bool
    pauses: frozenset[int] = frozenset()
    """Positions of words said after a trailing-off pause."""
    clauses: list[int] = field(default_factory=list)
    """Clause number of each word."""

    def live(self, concept: str) -> list[Mention]:
        return [m for m in self.mentions if m.name == concept and m.live]

    def signs(self) -> list[Mention]:
        return [m for m in self.mentions if m.concept.kind == "sign"]

    def clause_words(self, clause: int, start: int = 0, end: int | None = None
                     ) -> list[str]:
        """The words of one clause, only those at ``start`` up to ``end`` if given."""
        return [w for w, c in zip(self.words[start:end], self.clauses[start:end],
                                  strict=True) if c == clause]


class _Trie:
    """Every concept phrase, word by word, so that all phrases found at a place are
    found (not only the longest of one concept): "bigger then the left" holds both
    "bigger" (swollen) and "then the left" (one side)."""

    def __init__(self) -> None:
        self.words: dict[str, _Trie] = {}
        self.stems: list[tuple[re.Pattern[str], _Trie]] = []
        self.ends: list[Concept] = []

    def add(self, phrase: str, concept: Concept) -> None:
        node = self
        for word in phrase.split():
            if "*" in word or "#" in word:
                pattern = re.compile(re.escape(word).replace(r"\*", r"\w*").replace(
                    r"\#", r"\d") + r"\Z")
                found = next((n for p, n in node.stems if p.pattern == pattern.pattern),
                             None)
                if found is None:
                    found = _Trie()
                    node.stems.append((pattern, found))
                node = found
            else:
                node = node.words.setdefault(word, _Trie())
        if concept not in node.ends:
            node.ends.append(concept)

    def walk(self, words: list[str], start: int) -> list[tuple[int, Concept]]:
        """(end, concept) of every phrase that starts at ``start``."""
        found: list[tuple[int, Concept]] = []
        frontier = [self]
        for i in range(start, len(words)):
            word = words[i]
            frontier = [n for node in frontier for n in (
                [node.words[word]] if word in node.words else []) + [
                s for p, s in node.stems if p.match(word)]]
            if not frontier:
                break
            found += [(i + 1, c) for node in frontier for c in node.ends]
        return found


class Reader:
    """Turns text into a ``Reading``; built once from the danger book."""

    def __init__(self, book: DangerBook) -> None:
        self._book = book
        self._trie = _Trie()
        for concept in book.concepts.values():
            for phrase in concept.phrases:
                self._trie.add(phrase, concept)
        vocabulary = {w.rstrip("*") for c in book.concepts.values() for p in c.phrases
                      for w in p.split() if len(w.rstrip("*")) >= 3}
        self._repairer = Repairer(vocabulary)
        self._breaks = [tuple(b.split()) for b in book.breaks]

    def read(self, text: str) -> Reading:
        said, asked, paused = tokens(text)
        words: list[str] = []
        pauses: set[int] = set()
        for n, word in enumerate(said):
            if n in paused:
                pauses.add(len(words))
            words.extend(self._repairer.mend(word))
        mentions = self._tag(words)
        clauses = self._clauses(words, mentions)
        for mention in mentions:
            mention.clause = clauses[mention.start]
        said_words = [w for w in words if w != MARK and w not in HESITATIONS]
        first, second = (said_words + ["", ""])[:2]
        question = first in QUESTION_STARTS and second != "not" and (
            first not in ("am", "are") or second in ASKED_OF)
        reading = Reading(words, mentions, asked or question,
                          frozenset(pauses), clauses)
        self._attach(reading)
        self._deny(reading)
        self._frame(reading)
        return reading

    # ------------------------------------------------------------------ tagging

    def _tag(self, words: list[str]) -> list[Mention]:
        """Every concept phrase found, longest first; a shorter phrase inside a longer
        one is not counted ("can not breathe" is not a denial of breathing)."""
        found = [(start, end, concept) for start in range(len(words))
                 for end, concept in self._trie.walk(words, start)]
        found.sort(key=lambda f: (f[0] - f[1], f[0]))
        taken: list[tuple[int, int]] = []
        mentions = []
        for start, end, concept in found:
            if any(start < b and a < end and (a, b) != (start, end) for a, b in taken):
                continue
            taken.append((start, end))
            mentions.append(Mention(concept, start, end, " ".join(words[start:end])))
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _clauses(self, words: list[str], mentions: list[Mention]) -> list[int]:
        covered = {i for m in mentions for i in range(m.start + 1, m.end)}
        holder_ends = {m.end for m in mentions if m.concept.kind in ("part", "object")}
        sign_ends = {m.end for m in mentions if m.concept.kind == "sign"}
        clause, numbers = 0, []
        for i, word in enumerate(words):
            if i in covered:
                numbers.append(clause)
                continue
            new_subject = word in self._book.subjects and i > 0 and (
                words[i - 1] in JOINS or i in holder_ends
                or (i in sign_ends and word in PRONOUNS))
            # A break may be several words ("and now"): the clause starts at its first.
            breaks = any(tuple(words[i:i + len(b)]) == b for b in self._breaks)
            if word == MARK or breaks or new_subject:
                clause += 1
            numbers.append(clause)
        return numbers

    # --------------------------------------------------------------- attaching

    def _attach(self, reading: Reading) -> None:
        """Find what each sign is said of: the part it comes before, or else the
        nearest part, thing or person before it in its clause."""
        holders = [m for m in reading.mentions if m.concept.kind in ("part", "object")]
        words = reading.words
        for holder in holders:
            before = words[max(holder.start - 2, 0):holder.start]
            holder.owned = (any(w in SPECIFIC for w in before)
                            or (before[-1:] == ["is"] and before[0] in PEOPLE)
                            or holder.words in ("it", "this", "i", "me", "myself"))
        parts_ending = {h.end: h for h in holders
                        if h.concept.kind == "part" and h.concept.group != "person"}
        for sign in reading.signs():
            # "my lip sags on the left": a part said right before a sign is its subject.
            if sign.start in parts_ending and parts_ending[sign.start].clause == sign.clause:
                sign.bearer = parts_ending[sign.start]
                continue
            before = [w for w in words[max(sign.start - 4, 0):sign.start]
                      if w not in ADVERBS]
            # "gone blue" carries its own copula: the sign is said of what came before;
            # "got a pain under my ribs" names a thing, said of what follows.
            if words[sign.start - 1:sign.start] != ["a"] and (
                    (before and before[-1] in COPULAS) or sign.words.split()[0] in COPULAS):
                sign.bearer = self._before(reading, sign, holders) or self._after(
                    reading, sign, holders)
            else:
                sign.bearer = self._after(reading, sign, holders) or self._before(
                    reading, sign, holders)
            sign.bearer = self._referent(sign.bearer, holders) or self._ellipsis(
                reading, sign, holders)

    @staticmethod
    def _ellipsis(reading: Reading, sign: Mention, holders: list[Mention]
                  ) -> Mention | None:
        """"My leg is red, and very warm": a clause with no subject of its own
        carries on the last part named before it."""
        if any(h.clause == sign.clause and h.start < sign.start for h in holders) or (
                SUBJECT_WORDS.intersection(reading.clause_words(sign.clause,
                                                                end=sign.start))):
            return None
        return _last_part(holders, sign.start, ("person",))

    @staticmethod
    def _referent(bearer: Mention | None, holders: list[Mention]) -> Mention | None:
        """"Between my legs... it's all gone dead": "it" is the last part named before
        it, when that was not a part of the leg (which "it" already stands for)."""
        if bearer is None or bearer.words not in ("it", "this"):
            return bearer
        # "the numb bit, it's all round my back passage": said of what follows.
        later = [h for h in holders if h.clause == bearer.clause and h.concept.kind == "part"
                 and bearer.end < h.start <= bearer.end + 4
                 and h.concept.group not in ("leg", "person")]
        if later:
            return later[0]
        earlier = _last_part(holders, bearer.start, ("leg", "person"))
        if earlier is None or any(h.concept.group == "leg" and earlier.end <= h.start
                                  < bearer.start for h in holders):
            return bearer
        return earlier

    @staticmethod
    def _after(reading: Reading, sign: Mention, holders: list[Mention]) -> Mention | None:
        by_start = {h.start: h for h in holders}
        signs = {m.start: m for m in reading.mentions if m.concept.kind == "sign"}
        i, passed = sign.end, 0
        while i < len(reading.words) and passed <= 4:
            if reading.clauses[i] != sign.clause:
                return None
            if i in by_start:
                return by_start[i]
            if i in signs:
                i = signs[i].end
                continue
            if reading.words[i] not in ATTACH_SKIP:
                return None
            i += 1
            passed += 1
        return None

    @staticmethod
    def _before(reading: Reading, sign: Mention, holders: list[Mention]
                ) -> Mention | None:
        earlier = [h for h in holders if h.end <= sign.start and h.clause == sign.clause]
        return earlier[-1] if earlier else None

    # ----------------------------------------------------------------- denying

    def _deny(self, reading: Reading) -> None:
        """A denial reaches to the end of its clause, a pause, a word such as "just",
        or a new subject straight after a sign ("no swelling my chest hurts")."""
        words, book = reading.words, self._book
        inside = {i for m in reading.mentions for i in range(m.start, m.end)}
        sign_ends = {m.end for m in reading.mentions if m.concept.kind == "sign"}
        sign_starts = {m.start for m in reading.mentions if m.concept.kind == "sign"}
        for i, word in enumerate(words):
            if i in inside:
                continue
            after = words[i + 1] if i + 1 < len(words) else MARK
            if word in book.hedges:
                # "I nearly fell": the very next event did not happen.
                nxt = next((m for m in reading.mentions if m.start > i), None)
                if nxt is not None and nxt.start - i <= 3:
                    nxt.negated = True
                continue
            # The recogniser writes "no" as "know": "know chest pain know trouble
            # breathing". Said at the start, straight before a sign, it is a "no".
            misheard = word == "know" and i + 1 in sign_starts and (
                i == 0 or words[i - 1] == MARK or i in sign_ends)
            if word not in book.negations and not misheard:
                continue
            named = i if i in sign_ends else i - 1 if (
                words[i - 1] == MARK and i - 1 in sign_ends) else None
            if word in ANSWERS and named is not None and after == MARK:
                # "fever no, red colour no", "leg puffed up? no": a sign named bare,
                # then denied. Not at the very end ("calf swollen and hot no" may be
                # "...now").
                clause = reading.clauses[named - 1]
                if not (SUBJECT_WORDS | {"my"}).intersection(
                        reading.clause_words(clause, end=named)):
                    for mention in reading.mentions:
                        if mention.clause == clause and mention.end <= named:
                            mention.negated = True
                continue
            if word in ANSWERS and (after in book.subjects or after in ANSWER_ENDS
                                    or i + 1 in reading.pauses):
                continue  # "no, my chest hurts": an answer, not a denial
            if after in ("just", "only", "sure", "know", "certain"):
                continue  # "not just swollen", "not sure if it's swollen"
            # A pause straight after the denial, before the sign it denies, is
            # hesitation ("not... puffed up"), not its end; before anything else it is
            # a new start ("I can't... my chest", "I can't... can't get up").
            hesitant = i + 1 in sign_starts and words[i + 1] != words[i - 1]
            end = next((j for j in range(i + 1, len(words))
                        if reading.clauses[j] != reading.clauses[i]
                        or (j in reading.pauses and (j > i + 1 or not hesitant))
                        or (words[j] in book.ends and j not in inside)
                        or (words[j] in book.subjects and j in sign_ends)
                        or (words[j] in book.subjects and j > i + 2
                            and PREDICATES.intersection(words[j + 1:j + 4]))),
                       len(words))
            # "It's not sunburn, the red's spreading": denying a cause denies that
            # cause, not what follows it.
            cause = next((m for m in reading.mentions if i < m.start <= i + 3
                          and m.concept.kind in ("explain", "object")), None)
            if cause is not None and not any(
                    i < m.start < cause.start and m.concept.kind == "sign"
                    for m in reading.mentions):
                end = min(end, cause.end)
            for mention in reading.mentions:
                if i < mention.start < end:
                    mention.negated = True

    # ----------------------------------------------------------------- framing

    def _frame(self, reading: Reading) -> None:
        mentions = reading.mentions
        frames = [m for m in mentions if m.concept.kind in ("frame", "explain")
                  and not m.negated]
        for frame in frames:
            if frame.name == "unreal":
                for m in mentions:
                    if m.clause == frame.clause and m is not frame:
                        m.hypothetical = True
            elif frame.name == "past":
                first = self._reaches_back(reading, frame)
                for m in mentions:
                    if first <= m.clause <= frame.clause and m is not frame:
                        m.past = True
            elif frame.name == "info":
                for m in mentions:
                    if m.start > frame.start:
                        m.generic = m.generic or m.concept.kind == "context" or (
                            not self._owned(m))
            elif frame.concept.kind == "explain":
                first = self._reaches_back(reading, frame)
                for m in mentions:
                    if m.name not in frame.concept.explains:
                        continue
                    if frame.concept.reach == "utterance":
                        # "Probably the stairs, but I'm still gasping": a "but" after
                        # the cause says the cause does not cover what follows.
                        if m.clause <= frame.clause or not self._contrasted(
                                reading, frame.clause, m.clause):
                            m.explained = True
                    elif first <= m.clause <= frame.clause:
                        m.explained = True
        self._imagined(reading)
        if reading.question:
            for m in mentions:
                if m.concept.kind == "sign" and not self._owned(m) and not (
                        PERSONAL.intersection(reading.clause_words(m.clause))):
                    m.generic = True
        for m in mentions:
            if m.concept.named:
                self._named(reading, m)

    @staticmethod
    def _reaches_back(reading: Reading, frame: Mention) -> int:
        """The first clause a frame covers. "..., but that's twelve years behind me",
        "..., it's all healed now", "..., but it's the birthmark" speak of the clause
        before them too."""
        opening = reading.clause_words(frame.clause)[:2]
        if opening[:1] and opening[0] in ("but", "that", "it", "and") and (
                "that" in opening or "it" in opening):
            return max((m.clause for m in reading.mentions if m.clause < frame.clause),
                       default=frame.clause)
        return frame.clause

    @staticmethod
    def _contrasted(reading: Reading, start: int, end: int) -> bool:
        """Whether a clause after ``start``, up to ``end``, opens with a contrast."""
        return any((reading.clause_words(c) or [""])[0] in CONTRASTS
                   for c in range(start + 1, end + 1))

    @staticmethod
    def _owned(mention: Mention) -> bool:
        return mention.bearer is not None and mention.bearer.owned

    @staticmethod
    def _imagined(reading: Reading) -> None:
        """Signs in an "if" clause about a change to come ("if my leg swells")."""
        for clause in set(reading.clauses):
            words = reading.clause_words(clause)
            conditional = words[:1] in (["if"], ["whether"]) or words[:2] == ["what", "if"]
            if conditional and (CHANGE & set(words)
                                or not any(w in PERSONAL for w in words)):
                for m in reading.mentions:
                    if m.clause == clause:
                        m.hypothetical = True

    def _named(self, reading: Reading, mention: Mention) -> None:
        """A named condition ("a clot", "a stroke") counts only when it is claimed
        ("I think I have a clot", "could this be a DVT"), not when it is asked
        about in general ("what is a DVT") or past ("I had a clot")."""
        before = reading.clause_words(mention.clause,
                                      max(mention.start - NAMED_LOOKBACK, 0), mention.start)
        clause = reading.clause_words(mention.clause)
        if any(w in self._book.past_claims for w in before):
            mention.past = True
        elif not any(w in self._book.claims for w in before) or (
                reading.question and not PERSONAL.intersection(clause)):
            # "what is the deal with clots after flying": asked of nobody in particular.
            mention.generic = True


def _last_part(holders: list[Mention], before: int, skip: tuple[str, ...]
               ) -> Mention | None:
    """The last body part named before ``before``, of a group not in ``skip``."""
    return next((h for h in reversed(holders) if h.end <= before
                 and h.concept.kind == "part" and h.concept.group not in skip), None)

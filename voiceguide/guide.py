"""The guide's core in one object: content, matcher and a factory for conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.dialogue.engine import Dialogue
from voiceguide.dialogue.events import Heard, Say
from voiceguide.kb import KnowledgeBase, load_knowledge_base
from voiceguide.match import Match, MatchContext, Matcher
from voiceguide.match.fuzzy import make_matcher
from voiceguide.safety import Triage
from voiceguide.safety.second_opinion import MODEL, SecondOpinion
from voiceguide.settings import Settings

if TYPE_CHECKING:
    from voiceguide.docs.index import DocIndex


class Guide:
    """Everything a conversation needs that does not change while it runs."""

    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None,
                 docs: DocIndex | None = None, learnt_model: Path = MODEL) -> None:
        """``learnt_model``: the learnt second opinion on danger, as trained for the
        content (``content/second_opinion.json``)."""
        self.kb = kb
        self.settings = settings or Settings()
        self.triage = Triage(kb.dangers)
        learnt = (SecondOpinion(learnt_model) if self.settings.match.learnt_alarms
                  else None)
        self.matcher: Matcher = make_matcher(kb, self.settings.match, self.triage, learnt)
        if docs is not None:
            from voiceguide.docs.answer import DocsMatcher

            self.matcher = DocsMatcher(self.matcher, docs, kb=kb)

    @classmethod
    def load(cls, content: Path | None = None, settings: Settings | None = None,
             docs: Path | None = None) -> Guide:
        """``docs``: an index from ``voiceguide build``, answering what the curated
        content does not. A reviewed copy of the content (``content``) may carry its
        own learnt second opinion; without one, the shipped one is used."""
        index = None
        if docs is not None:
            from voiceguide.docs.index import load

            index = load(docs)
        own = content / MODEL.name if content is not None else MODEL
        return cls(load_knowledge_base(content), settings, index,
                   own if own.exists() else MODEL)

    def dialogue(self) -> Dialogue:
        return Dialogue(self.kb, self.settings.dialogue)

    def match(self, text: str, context: MatchContext | None = None) -> Match:
        return self.match_many([text], context)[0]

    def match_many(self, texts: Sequence[str], context: MatchContext | None = None
                   ) -> list[Match]:
        """Matches with ``response`` set to what the guide would say first to each."""
        return [replace(m, response=self.first_words(m))
                for m in self.matcher.match_many(texts, context)]

    def first_words(self, match: Match) -> str:
        """What a fresh conversation would say first on hearing ``match``."""
        actions = self.dialogue().handle(Heard(match.text, match), now=0.0)
        return " ".join(a.text for a in actions if isinstance(a, Say))

"""voiceguide: an offline, hands-free voice guide for night-time leg trouble.

The public API is small: ``match`` maps an utterance to a catalogue intent;
``Guide`` holds the loaded content and makes conversations.
"""

from __future__ import annotations

from functools import cache

from voiceguide.guide import Guide
from voiceguide.kb import KnowledgeBase, load_knowledge_base
from voiceguide.match import Match, MatchContext

__version__ = "0.1.0"
__all__ = [
    "Guide",
    "KnowledgeBase",
    "Match",
    "MatchContext",
    "__version__",
    "load_knowledge_base",
    "match",
]


@cache
def _default_guide() -> Guide:
    return Guide.load()


def match(text: str, context: MatchContext | None = None) -> Match:
    """Match one utterance against the shipped knowledge base."""
    return _default_guide().match(text, context)

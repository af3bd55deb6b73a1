"""The knowledge base: intents, routines and the guide's own lines, read from data."""

from __future__ import annotations

from pathlib import Path

from voiceguide.kb.model import (
    Branch,
    Intent,
    KnowledgeBase,
    Lexicon,
    Routine,
    Source,
    Step,
)
from voiceguide.kb.schema import load

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
"""The curated content that ships inside the package."""

__all__ = [
    "CONTENT_DIR",
    "Branch",
    "Intent",
    "KnowledgeBase",
    "Lexicon",
    "Routine",
    "Source",
    "Step",
    "load_knowledge_base",
]


def load_knowledge_base(directory: Path | None = None) -> KnowledgeBase:
    """Load the shipped content, or a reviewer's copy of it from ``directory``."""
    return load(directory or CONTENT_DIR)

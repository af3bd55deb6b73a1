"""Safety: danger signs read from what was said, before any other matching.

The triage (``Triage.assess``) runs first on every utterance, in every state of the
conversation; a danger it finds beats every intent. Its words, rules and sources are
data, in ``content/danger.toml``, for a clinician to review.
"""

from __future__ import annotations

from voiceguide.safety.model import Concept, Condition, Danger, DangerBook, Rule
from voiceguide.safety.triage import NOTHING, Finding, Triage

__all__ = ["NOTHING", "Concept", "Condition", "Danger", "DangerBook", "Finding", "Rule",
           "Triage"]

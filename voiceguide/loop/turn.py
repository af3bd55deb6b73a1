"""One utterance and what the guide made of it: the one record the session's trace,
the live loop, the captions screen and the turn log all read."""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.asr import Transcript
from voiceguide.match import Match

ACTED = ("answered", "barge_in")


@dataclass(frozen=True, slots=True)
class Turn:
    transcript: Transcript
    match: Match | None
    """None when the utterance was not acted on (no wake phrase, an echo, talk-over)."""
    why: str = "answered"
    """``answered``, ``barge_in``, ``echo``, ``talk_over``, ``empty``, ``wake``, ``key``."""
    asr_ms: float = 0.0
    match_ms: float = 0.0
    at: float = 0.0
    """The session's clock, in seconds, when it was heard."""

    @property
    def text(self) -> str:
        return self.transcript.text

    @property
    def outcome(self) -> str:
        """What became of it: the match's outcome when it was acted on, else why not."""
        if self.match is not None and self.why in ACTED:
            return self.match.outcome
        return self.why

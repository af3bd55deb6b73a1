"""What was heard, read in the light of the recogniser's own doubt.

A match of a doubtful transcript is not acted on (it becomes out of scope), except an
emergency, which is never downgraded. And a danger that only the recogniser's next
best hearings carry is not thrown away: the guide asks one direct question about it
("Did you say your leg is swollen and hot?") and treats yes, or no answer, as the
emergency.
"""

from __future__ import annotations

from dataclasses import replace

from voiceguide.asr import Transcript
from voiceguide.match import EMERGENCY, NO_SLOTS, OUT_OF_SCOPE, Match
from voiceguide.safety import Triage
from voiceguide.settings import ListenSettings


def heard_as(match: Match, transcript: Transcript, settings: ListenSettings,
             triage: Triage | None = None) -> Match:
    """``match`` (of ``transcript``'s text) as the guide should act on it."""
    if match.intent == EMERGENCY:
        return match
    doubted = transcript.confidence < settings.asr_floor
    # Nothing is searched when the recogniser's words do not fit the sound at all
    # (confidence nought: music, another language), or a television would be asked
    # "Did you say you're bleeding?" and its silence taken as yes.
    if triage is not None and transcript.confidence > 0 and (
            match.outcome != "accept" or transcript.confidence < settings.confirm_floor):
        for other in transcript.alternatives:
            finding = triage.assess(other)
            if finding.emergency:
                return Match(EMERGENCY, f"{EMERGENCY}.{finding.danger}",
                             transcript.confidence, NO_SLOTS, "confirm", text=match.text,
                             confirm=finding.said)
    if doubted and match.outcome != OUT_OF_SCOPE:
        return replace(match, intent=OUT_OF_SCOPE, detail=None, outcome=OUT_OF_SCOPE,
                       passage=None)
    return match

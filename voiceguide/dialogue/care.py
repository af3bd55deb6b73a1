"""After the emergency answer: the conversation stays in emergency care until the
person says goodbye or the session is reset.

Nothing said afterwards may start a stretch, a rub or a heat pack for that leg ("it's
most likely a cramp, let's do the stretch"); asking whether to call is answered yes;
asking what to do while waiting gets waiting advice; everything else is met with a
calm reminder to call. This module only chooses the line: the dialogue says it.
"""

from __future__ import annotations

from voiceguide.kb.model import KnowledgeBase
from voiceguide.match import EMERGENCY, Match

CARE_INTENTS = {
    "see_doctor.call_now": "emergency_call_yes",
    "see_doctor.waiting": "emergency_waiting",
    "see_doctor.calling": "emergency_calling",
}
"""Questions about getting help, answered for someone already told to call: the
intents' own answers serve a person who has not been."""
CONTROL_LINES = {
    "control.stop": "emergency_stopped",
    "control.pause": "emergency_reminder",
    "control.resume": "emergency_reminder",
    "control.yes": "emergency_reminder",
    "control.no": "emergency_insist",
    "control.better": "emergency_better",
    "control.next": "emergency_reminder",
    "control.start_over": "emergency_reminder",
    "control.help": "help_emergency",
}
PASSED_ON = frozenset({"control.repeat", "control.goodbye", "control.slower",
                       "control.faster", "control.louder", "control.quieter"})
"""Controls that work as always: the voice, repeating, and leaving."""


def care_line(match: Match, kb: KnowledgeBase) -> str | None:
    """The prompt to answer ``match`` with while in emergency care, or None when the
    dialogue should handle it as it always does (an emergency again, repeat, a change
    of voice, goodbye)."""
    if match.intent == EMERGENCY or match.intent in PASSED_ON or (
            match.detail in PASSED_ON):
        return None
    if match.detail in CARE_INTENTS:
        return CARE_INTENTS[match.detail]
    if match.detail == "control.help.time_left":
        return "emergency_reminder"
    if match.intent in CONTROL_LINES:
        return CONTROL_LINES[match.intent]
    if (match.passage is None and match.intent in kb.intents) or match.detail in kb.intents:
        intent = kb.intent(match.detail or match.intent)
        if intent.routine is not None or intent.muscle_routines:
            return "emergency_no_routine"
    return "emergency_reminder"

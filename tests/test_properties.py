"""Properties that hold for anything a person (or a recogniser) could produce: the
matcher never raises and always names a catalogue intent, a red flag always wins, and
no sequence of words and waits leaves the dialogue in a state it cannot leave."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE
from voiceguide.match.normalize import plain
from voiceguide.testing import Night

# Words that can surround a red flag without cancelling it (no negations, no "unless").
CALM_WORDS = ("my", "calf", "is", "cramping", "and", "um", "so", "tonight", "leg", "it",
              "really", "hurts", "the", "left", "right", "thigh", "foot", "again", "now",
              "please", "help", "oh", "ouch", "well", "also", "i", "think")
RED_FLAGS = ("my leg is swollen and hot", "i can't breathe properly",
             "i've lost control of my bladder", "my speech is slurred",
             "my foot has gone blue", "i'm pregnant and bleeding")
SAYINGS = ("my calf is cramping", "my leg has gone to sleep", "my hip hurts when i lie on "
           "my side", "why do i get cramps", "heat pack", "stop", "pause", "continue",
           "repeat", "say that slower", "slower", "faster", "louder", "quieter", "next",
           "start over", "help", "how much longer", "yes", "no", "it's better",
           "still hurts", "goodbye", "what's the weather", "", "mmm")
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def catalogue(guide: Guide) -> set[str]:
    return {intent.public_id for intent in guide.kb.intents.values()} | {OUT_OF_SCOPE}


@PROPERTY
@given(st.text(max_size=400))
def test_any_text_matches_a_catalogue_intent_without_raising(
        guide: Guide, catalogue: set[str], text: str) -> None:
    plain(text)
    found = guide.matcher.match(text)
    assert found.intent in catalogue
    assert 0.0 <= found.confidence <= 1.0


@PROPERTY
@given(st.lists(st.sampled_from(CALM_WORDS), max_size=12),
       st.lists(st.sampled_from(CALM_WORDS), max_size=12), st.sampled_from(RED_FLAGS))
def test_a_red_flag_wins_wherever_it_is_said(guide: Guide, before: list[str],
                                             after: list[str], flag: str) -> None:
    text = " ".join([*before, flag, *after])
    assert guide.matcher.match(text).intent == EMERGENCY, text


@PROPERTY
@given(st.lists(st.one_of(st.sampled_from(SAYINGS), st.floats(0, 900)), max_size=25))
def test_any_night_of_words_and_waits_leaves_a_valid_state_and_no_stray_timer(
        guide: Guide, night_steps: list[str | float]) -> None:
    night = Night(guide)
    night.session.start()
    for step in night_steps:
        if isinstance(step, str):
            night.say(step)
        else:
            night.wait(step)
        if night.session.ended:
            assert not night.session.timers, "a goodbye leaves nothing ticking"
            return
        mode = night.session.mode
        assert mode in ("idle", "routine", "checkin", "offer", "clarify", "paused")
        assert len(night.session.timers) <= 1
        if mode in ("idle", "offer", "paused"):
            assert not night.session.timers, f"a timer left running while {mode}"
    night.wait(3600)
    assert night.session.mode in ("idle", "offer", "paused", "clarify"), \
        "an hour alone always ends a routine"
    assert not night.session.timers

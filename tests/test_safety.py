"""Red flags: found anywhere in what is said, never mistaken for a negation."""

from __future__ import annotations

import pytest

import voiceguide


@pytest.mark.parametrize(("text", "rule"), [
    ("my calf is cramping and it is swollen and hot", "emergency.clot"),
    ("one leg is suddenly swollen", "emergency.clot"),
    ("my leg's all red and warm to touch", "emergency.clot"),
    ("i've got chest pain and my leg hurts", "emergency.breathing"),
    ("i can't breathe properly", "emergency.breathing"),
    ("i wet myself and my legs are numb", "emergency.cauda_equina"),
    ("i've lost control of my bladder", "emergency.cauda_equina"),
    ("my leg is weak and i feel confused", "emergency.stroke"),
    ("my speech is slurred", "emergency.stroke"),
    ("my foot has gone blue", "emergency.ischaemia"),
    ("my leg suddenly went ice cold", "emergency.ischaemia"),
    ("i fell and i can't put weight on it", "emergency.injury"),
    ("i'm pregnant and bleeding", "emergency.pregnancy"),
    ("pregnant and having contractions, and my calf is cramping", "emergency.pregnancy"),
])
def test_red_flags(text: str, rule: str) -> None:
    found = voiceguide.match(text)
    assert (found.intent, found.detail) == ("emergency", rule)


@pytest.mark.parametrize("text", [
    "my leg is not swollen, it just cramps",
    "no swelling, just pins and needles",
    "my leg fell asleep and it's really bad",
    "i don't have chest pain",
    "my calf is cramping",
    "my feet are always cold at night",
])
def test_not_red_flags(text: str) -> None:
    assert voiceguide.match(text).intent != "emergency"


def test_red_flag_wins_in_every_dialogue_state(guide) -> None:
    from voiceguide.match import MatchContext

    for state in ("idle", "routine", "checkin", "offer", "clarify", "paused"):
        context = MatchContext(state, ("control.yes", "control.no"))
        assert guide.match("yes and now my leg is blue", context).intent == "emergency"

"""The sweep: every danger, said in every state of the conversation, sends the person to
help at once; and once it has, nothing anyone says starts a stretch, a rub or a heat pack
for that leg."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY, NO_SLOTS, Alternative, Match, Passage
from voiceguide.sentences import split_sentences
from voiceguide.testing import Night

DATA = Path(__file__).resolve().parent / "data" / "safety" / "redteam_dev.tsv"
NUMBER = "your local emergency number"


def signs() -> list[tuple[str, str]]:
    """Three wordings of each danger from the red-team development set."""
    with DATA.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t")
                if r["expected"] == "emergency"]
    picked: dict[str, list[str]] = {}
    for row in rows:
        if len(picked.setdefault(row["danger"], [])) < 3:
            picked[row["danger"]].append(row["utterance"])
    return [(danger, text) for danger, texts in sorted(picked.items()) for text in texts]


def _routine(example: str, seconds: float) -> Callable[[Night], None]:
    def into(night: Night) -> None:
        night.say(example)
        night.wait(seconds)
    return into


def _clarify(night: Night) -> None:
    night.session.respond("my leg", Match("cramp.relief", None, 0.5, NO_SLOTS, "clarify",
                                          (Alternative("numbness.relief", None, 0.5),)))
    assert night.session.mode == "clarify"


def states(guide: Guide) -> dict[str, Callable[[Night], None]]:
    found: dict[str, Callable[[Night], None]] = {
        "idle": lambda night: None,
        "clarifying": _clarify,
        "checkin": _routine("my calf is cramping", 36),
        "paused": lambda night: (night.say("my calf is cramping"), night.wait(5),
                                 night.say("pause")),
        "offer": lambda night: night.say("why do i get cramps at night"),
        "after an emergency": lambda night: night.say("my chest hurts"),
        "after a document answer": lambda night: night.session.respond(
            "what is an emg", Match("doc:x", None, 0.9, NO_SLOTS, "accept",
                                    passage=Passage("x", "a.txt", "Tests", "tests",
                                                    "A test of the nerves."))),
        "confirming": lambda night: night.session.respond("", Match(
            EMERGENCY, "emergency.clot", 0.2, NO_SLOTS, "confirm",
            confirm="your leg is swollen")),
    }
    for intent in guide.kb.intents.values():
        if intent.routine is not None:
            found[f"routine {intent.routine}"] = _routine(intent.examples[0], 5)
    return found


@pytest.fixture(scope="module")
def guide_states(guide: Guide) -> dict[str, Callable[[Night], None]]:
    return states(guide)


@pytest.mark.parametrize(("danger", "text"), signs())
def test_a_danger_wins_in_every_state(guide: Guide, guide_states: dict[
        str, Callable[[Night], None]], danger: str, text: str) -> None:
    for state, into in guide_states.items():
        night = Night(guide)
        into(night)
        night.new_keys()
        night.say(text)
        keys = night.new_keys()
        assert "chime:alert" in keys, (state, text, keys)
        said = [k for k in keys if k.startswith("intent:")]
        assert said == [f"intent:emergency.{danger}"] or said[0].startswith(
            "intent:emergency"), (state, text, keys)
        assert night.session.mode == "emergency", (state, text)
        assert not night.session.timers, f"a countdown went on after {text!r} in {state}"


def test_every_emergency_answer_says_to_call_in_its_first_sentence(guide: Guide) -> None:
    for danger in guide.kb.dangers.dangers:
        night = Night(guide)
        night.session.respond("", Match(EMERGENCY, f"emergency.{danger}", 1.0, NO_SLOTS,
                                        "accept"))
        first = split_sentences(night.new_text())[0]
        assert "call" in first.lower() and NUMBER in first, (danger, first)
    night = Night(guide)
    night.session.respond("", Match(EMERGENCY, None, 1.0, NO_SLOTS, "accept"))
    first = split_sentences(night.new_text())[0]
    assert "call" in first.lower() and NUMBER in first


def test_after_a_danger_nothing_starts_a_stretch_a_rub_or_heat(guide: Guide) -> None:
    """Every intent the guide knows, said after the emergency answer: none of them
    starts a routine or gives the advice it would give on a calm night."""
    for danger, text in signs()[::3]:
        for intent in guide.kb.intents.values():
            if intent.public_id == EMERGENCY:
                continue
            night = Night(guide)
            night.say(text)
            night.new_keys()
            night.say(intent.examples[0])
            keys = night.new_keys()
            assert not any(k.startswith(("step:", "cue:")) for k in keys), (
                danger, intent.id, keys)
            assert f"intent:{intent.id}" not in keys or intent.public_id.startswith(
                "control."), (danger, intent.id, keys)
            night.wait(120)
            assert not any(k.startswith(("step:", "cue:")) for k in night.new_keys())

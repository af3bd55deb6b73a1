"""The learnt second opinion on danger: it hears the gist of a wording no rule names,
and never rings over a denial, a named everyday cause, recogniser noise or a doubtful
hearing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from voiceguide.asr import Transcript
from voiceguide.cli import main
from voiceguide.guide import Guide
from voiceguide.kb import CONTENT_DIR
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE
from voiceguide.match.fuzzy import LEARNT
from voiceguide.match.heard import heard_as
from voiceguide.safety.second_opinion import MODEL, SecondOpinion, features, weighted
from voiceguide.testing import Night

UNNAMED = [
    # one side of the body giving way, in words no rule of danger.toml holds
    "my left leg has gone all weird and floppy and i keep dropping things from my left hand",
    "i feel like my heart is going to burst out and my leg is big",
]


@pytest.mark.parametrize("text", UNNAMED)
def test_a_danger_no_rule_names_is_still_sent_to_help(guide: Guide, text: str) -> None:
    assert guide.triage.assess(text).danger is None, "a rule names it now: pick another"
    match = guide.match(text)
    assert (match.intent, match.detail, match.outcome) == (EMERGENCY, LEARNT, "accept")


def test_mid_stretch_it_stops_the_countdown_and_stays_in_emergency_care(
        guide: Guide) -> None:
    night = Night(guide)
    night.say("my calf is cramping")
    night.wait(12)
    night.new_keys()
    night.say(UNNAMED[0])
    assert night.new_keys()[:3] == ["stop", "chime:alert", "intent:emergency"]
    assert not night.session.timers, "no countdown may go on after an alarm"
    assert night.session.mode == "emergency"
    night.say("it's probably nothing, let's do the stretch")
    assert not any(k.startswith("step:") for k in night.new_keys())


@pytest.mark.parametrize("text", [
    "no swelling, no heat, my calf is just tight after the cramp",
    "her cheek has a red crease on one side from the pillow, her smile is even",
    "can't wee, my husband's in the shower",
    "and and the the",
    "my legs are jumpy and I can't settle",
])
def test_it_never_rings_over_a_denial_a_cause_or_noise(guide: Guide, text: str) -> None:
    assert guide.match(text).intent != EMERGENCY


def test_a_doubtful_hearing_is_asked_again_not_acted_on(guide: Guide) -> None:
    text = UNNAMED[1]
    match = guide.match(text)
    assert match.detail == LEARNT
    settings = guide.settings.listen
    doubtful = heard_as(match, Transcript(text, settings.confirm_floor / 2), settings,
                        guide.triage)
    assert (doubtful.intent, doubtful.outcome) == (OUT_OF_SCOPE, "out_of_scope")
    sure = heard_as(match, Transcript(text, 0.9), settings, guide.triage)
    assert sure.intent == EMERGENCY


def test_the_model_is_readable_data_with_its_threshold_and_how_it_was_chosen() -> None:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    assert 0.5 <= data["threshold"] < 1
    assert "left out in turn" in data["chosen_by"]
    assert "dev" in data["trained_on"] and not any("heldout" in name
                                                   for name in data["trained_on"])
    opinion = SecondOpinion()
    assert opinion.threshold == data["threshold"]
    assert opinion.probability("my calf is cramping") < 0.1


def test_a_long_story_weighs_no_more_than_a_short_complaint() -> None:
    short = weighted(features("calf swollen")[0], {"calf": 2.0, "swollen": 3.0})
    long = weighted(features("calf calf calf swollen swollen")[0],
                    {"calf": 2.0, "swollen": 3.0})
    assert sum(v * v for v in short.values()) == pytest.approx(1.0)
    assert sum(v * v for v in long.values()) == pytest.approx(1.0)


def test_a_broken_model_in_a_reviewed_content_copy_is_one_line_to_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    (copy / MODEL.name).write_text('{"threshold": 0.8', encoding="utf-8")
    assert main(["--content", str(copy), "match", "my calf is cramping"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "second_opinion.json" in err[0]
    assert "train_second_opinion.py" in err[0]
    assert MODEL.read_text(encoding="utf-8").startswith('{"threshold"'), "shipped file kept"


def test_a_reviewed_content_copy_may_carry_its_own_model(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    data["threshold"] = 0.999
    (copy / MODEL.name).write_text(json.dumps(data), encoding="utf-8")
    strict = Guide.load(copy)
    assert strict.match(UNNAMED[0]).intent != EMERGENCY
    (copy / MODEL.name).unlink()
    assert Guide.load(copy).match(UNNAMED[0]).detail == LEARNT

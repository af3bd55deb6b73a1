"""The matcher in every dialogue state: recogniser noise never acts, controls said
as people say them are understood, short answers take their meaning from the
question, and other body parts are refused with a detail the dialogue can answer
kindly. The lines are data (tests/data/matching_by_state.tsv); each is matched with
the context its state gives."""

from __future__ import annotations

import csv

import pytest

from tests.support import DATA
from voiceguide.guide import Guide
from voiceguide.match import MatchContext
from voiceguide.match.fuzzy import RapidfuzzMatcher

EXPECTING = {
    "idle": (),
    "routine": ("control.better", "control.worse"),
    "checkin": ("control.yes", "control.no", "control.better", "control.worse"),
    "offer": ("control.yes", "control.no"),
    "clarify": ("cramp.relief", "numbness.relief"),
    "paused": (),
    "emergency": ("see_doctor",),
}
ROWS = list(csv.DictReader((DATA / "matching_by_state.tsv").open(encoding="utf-8"),
                           delimiter="\t"))


def test_every_state_has_noise_and_controls() -> None:
    noise = {r["state"] for r in ROWS if r["detail"] == "out_of_scope.noise"}
    assert noise == set(EXPECTING)
    assert len({(r["utterance"], r["state"]) for r in ROWS}) == len(ROWS), "duplicates"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['state']}:{r['utterance']}" for r in ROWS])
def test_line_in_its_state(guide: Guide, row: dict[str, str]) -> None:
    found = guide.matcher.match(row["utterance"],
                                MatchContext(row["state"], EXPECTING[row["state"]]))
    assert found.intent == row["intent"], (row, found.alternatives)
    if row["detail"]:
        assert found.detail == row["detail"]


def test_words_alone_still_work_without_the_sentence_model(guide: Guide) -> None:
    """The guide must work when the model package is not installed."""
    matcher = RapidfuzzMatcher(guide.kb)
    assert not matcher.meaning
    assert matcher.match("my calf is cramping").intent == "cramp.relief"
    assert matcher.match("uh the um a").intent == "out_of_scope"
    assert matcher.match("my tummy is cramping").detail == "out_of_scope.elsewhere"


def test_a_danger_still_wins_over_the_gates(guide: Guide) -> None:
    found = guide.matcher.match("my face is drooping and my arm and leg are numb")
    assert found.intent == "emergency"

"""Every control of the catalogue, said in every state of the dialogue: understood as
that control, and answered as tests/data/controls_by_state.tsv says (the reply's speech
keys, ``...`` for "and more", and the state it leaves the conversation in)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voiceguide.guide import Guide
from voiceguide.testing import STATES, into

TABLE = Path(__file__).resolve().parent / "data" / "controls_by_state.tsv"


def rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_the_table_covers_every_control_in_every_state(guide: Guide) -> None:
    controls = {i.public_id for i in guide.kb.intents.values()
                if i.public_id.startswith("control.")}
    covered = {(r["intent"], r["state"]) for r in rows()}
    assert covered == {(c, s) for c in controls for s in STATES}


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['state']}-{r['utterance']}")
def test_a_control_in_a_state(guide: Guide, row: dict[str, str]) -> None:
    night = into(guide, row["state"])
    match = night.say(row["utterance"])
    assert match.intent == row["intent"]
    keys = night.new_keys()
    want = row["reply"].split()
    if want[-1:] == ["..."]:
        want, keys = want[:-1], keys[:len(want) - 1]
    assert keys == want
    assert night.session.mode == row["mode"]

"""The content: complete against the catalogue, traceable to its sources, and checked
at load time with one-line errors that name the file, the intent and the field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support import CATALOGUE, SHARED, catalogue_ids
from voiceguide.errors import KnowledgeBaseError
from voiceguide.guide import Guide
from voiceguide.kb import CONTENT_DIR, load_knowledge_base
from voiceguide.match.normalize import plain

SEEDS = SHARED / "seeds"





@pytest.mark.shared
def test_catalogue_copy_matches_the_shared_contract() -> None:
    shared = SHARED / "intent-catalogue.md"
    assert CATALOGUE.read_text() == shared.read_text()


def test_every_catalogue_intent_is_answered(guide: Guide) -> None:
    public = {i.public_id for i in guide.kb.intents.values()}
    assert catalogue_ids() == public


def test_every_intent_has_ten_examples_and_an_answer(guide: Guide) -> None:
    for intent in guide.kb.intents.values():
        assert len(intent.examples) >= 10, intent.id
        if not intent.public_id.startswith("control.") and intent.id != "out_of_scope":
            assert intent.response, intent.id
            assert intent.sources, f"{intent.id} names no source"


def test_the_routines_the_brief_asks_for_exist(guide: Guide) -> None:
    routines = guide.kb.routines
    for name in ("calf_stretch", "thigh_stretch", "hamstring_stretch", "foot_cramp",
                 "massage", "walk_it_off", "heat_pack", "leg_asleep", "hip_relief",
                 "bedtime_stretches"):
        assert name in routines
    calf_holds = [s.seconds for s in routines["calf_stretch"].steps if s.kind == "hold"]
    assert calf_holds == [30]
    heat = [s.seconds for s in routines["heat_pack"].steps if s.kind == "hold"]
    assert heat and 15 * 60 <= heat[0] <= 20 * 60
    assert "pillow" in " ".join(s.say or "" for s in routines["hip_relief"].steps)


@pytest.mark.shared
def test_sources_name_real_sections_of_the_seed_articles(guide: Guide) -> None:
    texts = {p.name: p.read_text(encoding="utf-8").lower() for p in SEEDS.glob("*.txt")}
    sources = [s for i in guide.kb.intents.values() for s in i.sources]
    sources += [s for r in guide.kb.routines.values() for s in r.sources]
    sources += [s for d in guide.kb.dangers.dangers.values() for s in d.sources]
    for source in sources:
        if source.page:
            continue  # a clinical page, for the facts no seed article has
        assert source.file in texts, source
        assert source.section.lower() in texts[source.file], source


def test_no_example_is_a_dev_set_utterance(guide: Guide) -> None:
    """The dev set measures generalisation, so the content must not contain it."""
    import csv

    from tests.support import DATA

    examples = {plain(e) for i in guide.kb.intents.values() for e in i.examples}
    rows = list(csv.DictReader((DATA / "devset.tsv").open(encoding="utf-8"),
                               delimiter="\t"))
    shared = [r["utterance"] for r in rows if plain(r["utterance"]) in examples
              and len(r["utterance"].split()) >= 3]
    # Some overlap is natural: "my calf is cramping" is what anyone writes, and short
    # controls ("yes please") are not counted at all. More than this would mean the
    # dev set had been pasted into the content.
    assert len(shared) <= 0.06 * len(rows), shared


def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("intents/relief.toml", 'routine = "massage"', 'routine = "no_such"',
     ["relief.toml", "intent 'massage'", "field 'routine'"]),
    ("intents/controls.toml", 'label = "pause"', 'label = 7',
     ["controls.toml", "intent 'control.pause'", "field 'label'"]),
    ("intents/controls.toml", '"pause", "wait",', '"(pause", "wait",',
     ["controls.toml", "intent 'control.pause'", "field 'examples'"]),
    ("routines/calf_stretch.toml", "hold = 30", "hold = -30",
     ["calf_stretch.toml", "routine 'calf_stretch'", "field 'hold'"]),
    ("dialogue.toml", 'paused = "', 'paused = "Wait 10 seconds. ',
     ["dialogue.toml", "field 'paused'", "digits"]),
    ("intents/relief.toml", "[[intent]]", "[[intent]]\nresponse_typo = 'x'",
     ["relief.toml", "field 'response_typo'"]),
])
def test_a_mistake_names_file_intent_and_field(tmp_path: Path, file: str, old: str,
                                               new: str, expected: list[str]) -> None:
    content = broken_copy(tmp_path)
    path = content / file
    text = path.read_text()
    assert old in text, f"fixture text {old!r} vanished from {file}"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(content)
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_broken_toml_and_missing_folder_are_one_line_errors(tmp_path: Path) -> None:
    content = broken_copy(tmp_path)
    (content / "lexicon.toml").write_text("fillers = [\n")
    with pytest.raises(KnowledgeBaseError, match=r"lexicon.toml: line 1: TOML syntax error"):
        load_knowledge_base(content)
    with pytest.raises(KnowledgeBaseError, match="does not exist"):
        load_knowledge_base(tmp_path / "nowhere")


def test_spoken_text_is_written_for_the_ear(guide: Guide) -> None:
    texts = [t for i in guide.kb.intents.values() for t in (i.response, i.more) if t]
    texts += [t for r in guide.kb.routines.values() for s in r.steps
              for t in (s.say, s.done, s.ask) if t]
    for text in texts:
        assert not re.search(r"\d|https?:|\bdoctor's orders\b", text), text
        assert not re.search(r"\b(NSAIDs?|DVT|PAD|MS|EMG|MRI|e\.g)\b", text), text
        assert not re.search(r"\b\d+\s?(mg|milligrams?)\b|\bdose of\b", text), text

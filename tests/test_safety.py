"""Danger signs: found anywhere in what is said, however it is worded, and never rung
for a look-alike, a denial, a question or a past event."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import voiceguide
from voiceguide.asr import Transcript
from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY
from voiceguide.match.heard import heard_as
from voiceguide.testing import Night

SETS = Path(__file__).resolve().parent / "data" / "safety"
FALSE_ALARMS_AT_MOST = 0.03


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


@pytest.mark.parametrize("name", ["redteam_dev.tsv", "redteam_heldout.tsv",
                                  "redteam_fresh.tsv", "redteam_fresh2.tsv",
                                  "redteam_fresh3.tsv", "redteam_fresh4.tsv",
                                  "redteam_fresh5.tsv", "redteam_fresh6.tsv",
                                  "redteam_fresh7.tsv", "redteam_fresh8.tsv",
                                  "redteam_fresh9.tsv"])
def test_the_red_team_sets(guide: Guide, name: str) -> None:
    """Every emergency of the red-team sets is sent to help, and at most 3% of the
    look-alikes, denials, questions and past events are (tests/data/safety/README.md)."""
    with (SETS / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    found = guide.matcher.match_many([r["utterance"] for r in rows])
    missed = [r["utterance"] for r, m in zip(rows, found, strict=True)
              if r["expected"] == "emergency" and m.intent != EMERGENCY]
    alarms = [r["utterance"] for r, m in zip(rows, found, strict=True)
              if r["expected"] == "safe" and m.intent == EMERGENCY]
    assert not missed
    assert len(alarms) <= FALSE_ALARMS_AT_MOST * sum(r["expected"] == "safe" for r in rows), (
        alarms)


@pytest.mark.parametrize(("text", "danger"), [
    # a denial reaches to the end of its clause, not past "but" or a new subject
    ("no, my chest hurts", "breathing"),
    ("no my chest hurts", "breathing"),
    ("no swelling my chest hurts", "breathing"),
    ("no chest pain but i can hardly breathe", "breathing"),
    ("it's not swollen or red, just tight", None),
    ("no swelling, no redness, no heat, just a cramp", None),
    ("i don't think it's swollen", None),
    ("no... not better... calf's... swelling up", "clot"),
    # "can't breathe" and "no pulse" state a sign; they deny nothing
    ("i can't breathe", "breathing"),
    ("there's no pulse in my foot", "ischaemia"),
    # what a colour or warmth is said of
    ("my foot has gone blue", "ischaemia"),
    ("a blue gel pack is on my leg", None),
    ("the cat is grey and lying on my feet", None),
    ("i'm feeling blue and my legs ache", None),
    ("my skin is red and warm under the heat pack", None),
    # asked about, in the past, imagined, undone
    ("what are the signs of a clot", None),
    ("i think i might have a dvt", "clot"),
    ("could this be a clot", "clot"),
    ("i had a clot years ago", None),
    ("what should i do if my leg swells up", None),
    ("i nearly fell out of bed", None),
    ("i fell asleep on my leg", None),
    # a clause with no subject of its own carries on the part named before it
    ("my shin is red, and very warm", "clot"),
    # "it" is the last part named when that was not the leg
    ("um... down there... between my legs... it's gone numb", "cauda_equina"),
    # "got a pain under my ribs" is said of the ribs, not of the speaker
    ("i'm 34 weeks and i've got a pain under my ribs that won't go", "pregnancy"),
    # a denied verb ends the denial: what follows is said
    ("no, the stretch didn't help, my foot is cold and white", "ischaemia"),
    # the person explains it away, or puts it behind them
    ("my mouth looks droopy... oh, no, that's only a crease from the pillow", None),
    ("i had a clot in my calf once, but that's ten years behind me", None),
    # a question after a hesitation is still a question
    ("erm... why do midwives ask about headaches and blurry vision", None),
    # a crack heard and no weight on it: a break, whatever the crack is said of
    ("heard a crack as i went over on it and now i can't put weight on my foot", "injury"),
    # signs named bare and denied after, as a nurse's notes or a list
    ("swelling no, fever no, it is only a cramp", None),
    ("patient denies chest pain, calf non tender", None),
    # "can't feel anything down below": what is not felt is the part that follows
    ("i can't feel anything down below and my back is killing me", "cauda_equina"),
    # a funny mouth with a numb arm; a leg that looks wrong and takes no weight
    ("my arm has gone numb and my mouth feels funny", "stroke"),
    ("his leg is shortened and turned out and he can't bear weight on it", "injury"),
    # "it's all healed now" puts the clause before in the past
    ("broke my ankle last spring, it's all healed now", None),
    # a cause said first does not cover what is set against it with "but"
    ("probably the stairs, but it's been half an hour and i'm still gasping", "breathing"),
    # a cause said after, of the clause before: "but it's the birthmark"
    ("there's a purple mark on my shin, but it's a birthmark i was born with", None),
    # ink colours the skin; a knock swells where it hit
    ("my toe looks black, my daughter coloured it in with a felt tip", None),
    ("his knee is puffy where the studs caught him, he's walking fine", None),
    # both legs red and hot after dancing is not one leg red and hot
    ("both feet are red and hot after a night of dancing", None),
    # a curtain over one eye; a smile that will not move on one side
    ("it's like a curtain came down over my left eye", "stroke"),
    ("one side of her smile doesn't move and she sounds drunk", "stroke"),
    # coughing and blood, however far apart they are said
    ("i coughed into my hanky and there was blood in it", "breathing"),
    # denying a cause denies the cause, not the sign after it
    ("it's not the heat pack, the red is spreading up my shin", "infection"),
    # a bare sign asked and answered "no"
    ("calf swollen? no. hot? no. just the usual cramp", None),
    # Jamaican and Scots forms; a whole side from face to leg
    ("me cyaan stand pon the foot since me drop off the step", "injury"),
    ("the left side from face to leg has gone numb", "stroke"),
    # "came back" as a journey is not feeling that came back
    ("since i came back on the long flight my calf is swollen and sore", "clot"),
    # causes that must not explain a sign away
    ("the cramp went away but now my foot is cold and white", "ischaemia"),
    ("it's a hot night and my calf is red and hot", "clot"),
    ("i took a sleeping pill and now my words come out slurred", "stroke"),
    ("i am short of breath, probably from the stress", "breathing"),
    # Scots, and the recogniser's "know" for "no"
    ("i went down the stairs on my backside and i cannae stand on that leg", "injury"),
    ("know chest pain know swelling just restless legs", None),
    # recogniser slips: misspelt, run together, heard as another word
    ("my calf is swolen and warm", "clot"),
    ("my calf is swollenand hot", "clot"),
    ("my calf is read and hot", "clot"),
    ("i cant feel my legs and i cant pea", "cauda_equina"),
    # a sign inside an ordinary complaint, or an answer
    ("yes it's easing but my leg is hot and swollen", "clot"),
    ("my calf is cramping and it's swollen", "clot"),
    # a part said right before its sign; "and now" starts a new clause
    ("my lip sags on the left and tea dribbles out", "stroke"),
    ("the room is spinning and my left leg won't work i keep tipping over", "stroke"),
    ("i had a clot in this leg years back and now it's gone puffy again", "clot"),
    ("my bum went numb from hours on the hard chair, it's coming back now", None),
    # asked of nobody in particular; a colour the light gives
    ("what's the deal with clots after flying, in general", None),
    ("my leg looks blue under the night light", None),
    # a person on the floor, not what the cat did there; one buttock tingling is sciatica
    ("mum's on the bathroom floor and says her leg won't move", "injury"),
    ("the cat's been sick on the landing", None),
    ("my buttock tingles and it runs down the back of my leg", None),
    # hesitation inside a denial, and a new start after one
    ("it's not... puffed up... or warm... same old niggle", None),
    ("i can't... my chest hurts", "breathing"),
    ("i can't... can't get up off the floor", "injury"),
    # "can't stop it" is bleeding only when something bleeds
    ("i cut my shin and it's bleeding and i can't stop it", "bleeding"),
    ("my leg is jumping, i cannot stop it", None),
    # the recogniser's words: "um" heard as "am", no pauses, "nope"
    ("am and leg heavy swollen only the left since the long drive", "clot"),
    ("am i likely to get a clot", None),
    ("no not better calf is swelling up", "clot"),
    ("no nope chest pain", None),
    ("nah, my chest hurts", "breathing"),
    # an open break wherever it is; a haematoma on a blood thinner
    ("bone through skin, my shin", "injury"),
    ("on apixaban and there's a haematoma on my thigh the size of a plate", "bleeding"),
    # "this time" ends a denial; weeks said with a hyphen are a pregnancy
    ("it's not the pins and needles this time my whole left side is numb, arm and leg",
     "stroke"),
    ("thirty-three weeks and my eyes have gone blurry tonight", "pregnancy"),
    # an everyday cause said in words: the shower taken, weather, a dog, feet up
    ("can't wee, my husband's in the shower", None),
    ("my old break aches when it's cold out, that's all", None),
    ("i can't move my legs, the dog is sprawled across them", None),
    ("both ankles are puffy, they go down when i put my feet up", None),
    ("i think i fractured my toe on the door but i can walk on it fine", None),
    ("her neighbour whose face went numb, it turned out to be a stroke, what are the"
     " signs?", None),
    # a vice is chest pain only round the chest; hips "killing me" in pregnancy are the
    # hip routine's, terrible pain in pregnancy is not
    ("my calf is caught in a vice, what do i do", None),
    ("my chest is in a vice", "breathing"),
    ("i'm 30 weeks and my hips are killing me at night", None),
    ("i'm 34 weeks and the pain is terrible", "pregnancy"),
])
def test_reading_for_danger(guide: Guide, text: str, danger: str | None) -> None:
    assert guide.triage.assess(text).danger == danger, guide.triage.read(text)


def _doubted(guide: Guide, night: Night, best: str, other: str) -> None:
    transcript = Transcript(best, 0.2, alternatives=("uh the", other))
    match = heard_as(night.session.understand(best), transcript, guide.settings.listen,
                     guide.triage)
    assert (match.intent, match.outcome) == (EMERGENCY, "confirm")
    night.session.respond(best, match)


def test_a_danger_only_in_the_next_best_hearing_is_asked_about(guide: Guide) -> None:
    night = Night(guide)
    _doubted(guide, night, "i can't the and my back hurts", "i can't pee and my back hurts")
    assert night.new_keys() == ["stop", "prompt:confirm_danger"]
    assert "Did you say you can't pass water?" in night.speaker.said()
    night.say("yes")
    assert night.new_keys()[:3] == ["stop", "chime:alert", "intent:emergency.cauda_equina"]


def test_no_answer_to_the_direct_question_is_taken_as_yes(guide: Guide) -> None:
    night = Night(guide)
    _doubted(guide, night, "my leg is so lenient hot", "my leg is swollen and hot")
    night.new_keys()
    night.wait(guide.settings.dialogue.confirm_timeout + 1)
    assert night.new_keys()[:3] == ["stop", "chime:alert", "intent:emergency.clot"]
    assert night.session.mode == "emergency"


def test_no_to_the_direct_question_carries_on_with_the_stretch(guide: Guide) -> None:
    night = Night(guide)
    night.say("my calf is cramping")
    night.wait(12)
    _doubted(guide, night, "my leg is so lenient hot", "my leg is swollen and hot")
    assert not night.session.timers or night.session.mode == "confirm"
    night.new_keys()
    night.say("no")
    assert night.new_keys()[:2] == ["prompt:confirm_misheard", "prompt:resumed"]
    night.wait(40)
    assert "step:calf_stretch:2:done" in night.new_keys()


def test_a_sure_hearing_is_not_second_guessed(guide: Guide) -> None:
    transcript = Transcript("my calf is cramping", 0.95,
                            alternatives=("my calf is swollen and hot",))
    match = heard_as(guide.matcher.match(transcript.text), transcript,
                     guide.settings.listen, guide.triage)
    assert match.intent == "cramp.relief"


def test_the_safety_document_shows_the_rules_the_guide_runs_on(guide: Guide) -> None:
    from voiceguide.safety.describe import BEGIN, END, describe

    doc = (Path(__file__).resolve().parent.parent / "docs" / "safety.md").read_text(
        encoding="utf-8")
    shown = BEGIN + doc.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert shown == describe(guide.kb.dangers), "run python scripts/safety_doc.py"


def test_a_request_heard_through_noise_is_asked_again_not_refused(
        guide: Guide, night: Night) -> None:
    # The recogniser was unsure of the words (a fan, a television): the guide neither
    # starts the stretch on a guess nor says it cannot help.
    transcript = Transcript("my calf is cramping", 0.2, alternatives=("my car is camping",))
    match = heard_as(night.session.understand(transcript.text), transcript,
                     guide.settings.listen, guide.triage)
    assert match.intent == "out_of_scope" and match.detail == "out_of_scope.doubted"
    night.new_keys()
    night.session.respond(transcript.text, match)
    assert night.new_keys() == ["prompt:not_caught"]
    assert night.session.mode == "idle" and not night.session.timers

"""Whole nights, told as what the person says and what they hear back."""

from __future__ import annotations

from voiceguide.testing import Night

HOLD = [
    "cue:20", "cue:10", "cue:5", "cue:3", "cue:2", "cue:1", "chime:timer_done",
    "step:calf_stretch:2:done",
]


def test_cramp_countdown_better_prevention_goodbye(night: Night) -> None:
    night.session.start()
    assert night.new_keys() == ["prompt:welcome"]

    night.say("my calf is cramping")
    assert night.new_keys()[:3] == [
        "intent:cramp.relief", "step:calf_stretch:1", "step:calf_stretch:2"]
    assert night.session.timers, "the hold must be counting down"

    night.wait(31)
    assert night.new_keys()[:len(HOLD)] == HOLD
    night.wait(10)
    assert night.new_keys()[-1] == "step:calf_stretch:4"
    assert night.session.mode == "checkin"

    night.say("it's better")
    keys = night.new_keys()
    assert keys[-1] == "offer:cramp.prevention"
    night.say("yes please")
    assert night.new_keys()[0] == "intent:cramp.prevention"

    night.say("goodbye, I'm going back to sleep")
    assert night.new_keys()[-1] == "prompt:goodbye"
    assert night.session.ended
    assert not night.session.timers


def test_countdown_is_spoken_on_time(night: Night) -> None:
    night.say("charley horse in my right calf")
    start = night.clock.monotonic()
    night.wait(30)
    cues = {e.event.key: e.at - start for e in night.speaker.events
            if getattr(e.event, "key", "").startswith("cue:")}
    assert cues == {"cue:20": 10.0, "cue:10": 20.0, "cue:5": 25.0, "cue:3": 27.0,
                    "cue:2": 28.0, "cue:1": 29.0}


def test_red_flag_in_the_middle_of_a_stretch(night: Night) -> None:
    night.say("my calf is cramping")
    night.wait(12)
    night.new_keys()
    match = night.say("it's swollen and hot and really red")
    assert match.intent == "emergency"
    keys = night.new_keys()
    assert keys[:3] == ["stop", "chime:alert", "intent:emergency.clot"]
    assert not night.session.timers, "no countdown may go on after a red flag"
    assert night.session.mode == "emergency"
    night.wait(60)
    assert night.new_keys() == []


def test_emergency_first_sentence_is_the_call(guide) -> None:
    night = Night(guide)
    night.say("my leg is suddenly swollen and warm")
    first_sentence = night.new_text().split(".")[0]
    assert "call your local emergency number" in first_sentence.lower()
    text = guide.kb.intent("emergency").response.lower()
    assert "rub" in text or "massage" in text
    assert guide.kb.intent("emergency").routine is None


def test_stop_during_countdown(night: Night) -> None:
    night.say("cramp in my calf")
    night.wait(15)
    night.new_keys()
    night.say("stop")
    assert night.new_keys() == ["stop", "prompt:stopped"]
    assert not night.session.timers
    night.wait(120)
    assert night.new_keys() == [], "nothing may be said after stop"


def test_silence_at_a_checkin_is_asked_once_more_then_left_with_what_to_do(
        night: Night) -> None:
    night.say("my calf is cramping")
    night.wait(36)
    assert night.session.mode == "checkin"
    night.new_keys()
    night.wait(20)
    assert night.new_keys() == ["prompt:checkin_again"]
    night.wait(20)
    assert night.new_keys() == ["silent:calf_stretch"]
    assert "call" in night.speaker.events[-1].event.text, "silence is not an answer"
    night.wait(600)
    assert night.new_keys() == [], "the guide must not nag someone asleep"
    assert night.session.mode == "idle"
    assert not night.session.timers


def test_pause_keeps_the_time_left(night: Night) -> None:
    night.say("my calf is cramping")
    night.wait(12)
    night.say("hold on")
    assert night.session.mode == "paused"
    assert not night.session.timers, "a paused hold must not tick"
    night.wait(300)
    night.new_keys()
    night.say("carry on")
    assert night.new_keys() == ["prompt:resumed"]
    night.wait(8)
    assert night.new_keys() == ["cue:10"], "eighteen seconds were left; ten remain now"


def test_worse_at_checkin_stretches_again_then_suggests_more(night: Night) -> None:
    night.say("my calf is cramping")
    night.wait(36)
    night.new_keys()
    night.say("no it still hurts")
    keys = night.new_keys()
    assert keys[0] == "step:calf_stretch:4:no"
    assert "step:calf_stretch:2" in keys
    night.wait(36)
    night.new_keys()
    night.say("still cramping")
    assert night.new_keys()[0] == "step:calf_stretch:4:no"


def test_thigh_cramp_gets_the_thigh_stretch(night: Night) -> None:
    night.say("my right thigh has seized up")
    assert night.session._dialogue.routine == "thigh_stretch"


def test_repeat_and_say_it_slower(night: Night) -> None:
    night.say("why do i get cramps at night")
    first = [e.event for e in night.speaker.events]
    night.new_keys()
    night.say("say that again")
    again = night.new_keys()
    assert again == [k for k in (getattr(e, "key", None) for e in first) if k]
    night.say("say that slower")
    events = [e.event for e in night.speaker.events[-len(again) - 1:]]
    assert events[0].rate_change < 0
    assert all(getattr(e, "rate", 1.0) < 1.0 for e in events[1:])


def test_voice_controls_change_rate_and_volume(night: Night) -> None:
    voice = night.speaker.voice
    rate, volume = voice.rate, voice.volume
    night.say("slow down")
    night.say("speak up")
    assert voice.rate < rate
    assert voice.volume > volume
    night.say("too loud")
    night.say("faster")
    assert (voice.rate, voice.volume) == (rate, volume)


def test_help_depends_on_the_moment(night: Night) -> None:
    night.say("what can i say")
    assert night.new_keys() == ["prompt:help_idle"]
    night.say("my calf is cramping")
    night.new_keys()
    night.say("help")
    assert night.new_keys() == ["prompt:help_routine"]
    night.wait(36)
    night.new_keys()
    night.say("what can i say")
    assert night.new_keys() == ["prompt:help_checkin"]


def test_next_and_start_over(night: Night) -> None:
    night.say("my calf is cramping")
    night.new_keys()
    night.say("skip")
    keys = night.new_keys()
    assert keys[0] == "stop" and "step:calf_stretch:3" in keys
    night.say("start over")
    assert "step:calf_stretch:1" in night.new_keys()


def test_background_talk_does_not_break_a_countdown(night: Night) -> None:
    night.say("my calf is cramping")
    night.new_keys()
    night.say("and now the weather for the weekend")
    assert night.new_keys() == ["chime:not_caught"]
    night.wait(30)
    assert "chime:timer_done" in night.new_keys()


def test_out_of_scope_says_what_the_guide_can_do(night: Night) -> None:
    match = night.say("play some music")
    assert match.intent == "out_of_scope"
    assert night.new_keys() == ["prompt:out_of_scope"]
    assert "cramp" in night.speaker.said()[-1]


def test_no_to_an_offer_leaves_the_person_in_peace(night: Night) -> None:
    night.say("why do my legs cramp at night")
    assert night.session.mode == "offer"
    night.new_keys()
    night.say("no thanks")
    assert night.new_keys() == ["prompt:declined"]
    assert night.session.mode == "idle"


def test_heat_pack_timer_runs_fifteen_minutes_and_checks_skin(night: Night) -> None:
    night.say("can i use a heat pack")
    night.wait(15 * 60 + 1)
    text = night.new_text().lower()
    assert "skin" in text
    assert "chime:timer_done" in night.speaker.trace()


def test_leg_asleep_warns_not_to_stand_and_escalates(night: Night) -> None:
    night.say("my leg has gone to sleep, pins and needles")
    text = night.new_text().lower()
    assert "stand" in text
    answered = 0
    for _ in range(200):
        night.wait(5)
        if night.session.mode == "checkin":
            night.say("no, still numb")
            answered += 1
        if night.session.mode == "idle":
            break
    assert answered == 2
    said = " ".join(night.speaker.said()).lower()
    assert "your local emergency number" in said


def test_a_new_problem_mid_routine_replaces_it(night: Night) -> None:
    night.say("my calf is cramping")
    night.wait(5)
    night.say("actually it's my foot, my toes are cramping")
    assert night.session._dialogue.routine == "foot_cramp"
    assert len(night.session.timers) == 1


def test_clarify_between_two_close_intents(guide) -> None:
    from voiceguide.dialogue.events import Heard
    from voiceguide.match import Alternative, Match

    dialogue = guide.dialogue()
    unsure = Match("cramp.relief", None, 0.25, {}, "clarify",
                   (Alternative("numbness.relief", None, 0.6),))
    actions = dialogue.handle(Heard("my leg", unsure), now=0.0)
    said = [a.text for a in actions if hasattr(a, "text")]
    assert said == ["Did you mean a cramp, or your leg falling asleep?"] or \
        said[0].startswith("Did you mean")
    assert dialogue.context().expecting == ("cramp.relief", "numbness.relief")
    answer = guide.match("the cramp one", dialogue.context())
    actions = dialogue.handle(Heard("the cramp one", answer), now=1.0)
    assert dialogue.routine == "calf_stretch"


def test_how_much_longer_during_a_hold_paused_and_idle(night: Night) -> None:
    night.say("how much longer")
    assert night.new_text() == "There's no countdown running right now."
    night.say("my calf is cramping")
    night.wait(12)
    night.new_keys()
    night.say("how much longer")
    assert night.new_text() == "Eighteen seconds to go."
    assert night.session.mode == "routine" and night.session.timers, "the hold goes on"
    night.say("hold on")
    night.wait(60)
    night.new_keys()
    night.say("how long is left")
    assert night.new_text().startswith("We're paused, with eighteen seconds to go.")
    night.say("carry on")
    night.wait(8)
    assert "cue:10" in night.new_keys(), "asking the time must not move the countdown"

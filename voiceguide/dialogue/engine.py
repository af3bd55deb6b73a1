"""The dialogue: a pure state machine from heard intents and fired timers to actions.

It never sleeps, never reads a clock and never touches audio: it is handed ``now``
and returns speech and timer actions, so a thirty-second hold runs in microseconds
under test and the same engine serves the terminal, the microphone and the kiosk.

States: ``idle``; ``routine`` (a step is running: a hold's countdown or a wait);
``checkin`` (a routine asked how it is going); ``offer`` (a follow-up or "more" was
offered); ``clarify`` (asked which of two things was meant); ``paused``; ``confirm``
(a danger was heard only in a doubtful hearing, and the guide asked "Did you say...");
``emergency`` (the person was told to call for help; see ``care``). Answering a
question is the transition out of ``idle`` and back, or on to ``offer``. A danger sign
wins in every state.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

from voiceguide.dialogue.care import care_line
from voiceguide.dialogue.countdown import cue_text, duration_words
from voiceguide.dialogue.events import (
    Action,
    CancelTimer,
    DialogueEvent,
    Earcon,
    End,
    Pause,
    Say,
    SetVoice,
    StartTimer,
    StopSpeaking,
    TimerFired,
)
from voiceguide.kb.model import Branch, Intent, KnowledgeBase, Routine
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE, Match, MatchContext, Passage
from voiceguide.settings import DialogueSettings

BETWEEN_STEPS = 0.8
"""Seconds of quiet between two spoken routine steps, so instructions don't run together."""
SLOWER_REPLAY = 0.8
"""Rate multiplier for "say that slower"."""
ANSWERS = ("control.yes", "control.no", "control.better", "control.worse")
POSITIVE = ("control.yes", "control.better")


class Mode(Enum):
    IDLE = "idle"
    ROUTINE = "routine"
    CHECKIN = "checkin"
    OFFER = "offer"
    CLARIFY = "clarify"
    PAUSED = "paused"
    CONFIRM = "confirm"
    EMERGENCY = "emergency"


@dataclass(frozen=True, slots=True)
class _Running:
    """Where a routine is: which step, and for a hold, when it ends and what is next."""

    routine: Routine
    intent: Intent
    step: int = 0
    ends: float = 0.0
    """Monotonic time the current hold, wait or check-in runs out."""
    next_cue: int = 0
    """Index into the hold's cues of the next one to speak."""
    asked: int = 0
    """Times the current check-in question has been put."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a routine is, for a screen: its title, what the step asks, and when the
    step's countdown ends (``None`` when it is waiting for an answer or paused)."""

    routine: str
    step: str
    ends: float | None
    seconds_left: float | None


@dataclass(frozen=True, slots=True)
class _Offer:
    intent: Intent
    kind: str
    """``more`` (the rest of this answer) or ``follow_up`` (the intent it leads to)."""


class Dialogue:
    """One conversation. Feed it ``handle(event, now)``; carry out what it returns."""

    def __init__(self, kb: KnowledgeBase, settings: DialogueSettings | None = None
                 ) -> None:
        self._kb = kb
        self._settings = settings or DialogueSettings()
        self.mode = Mode.IDLE
        self._running: _Running | None = None
        self._paused_from: Mode | None = None
        self._paused_left = 0.0
        self._offer: _Offer | None = None
        self._candidates: tuple[Match, ...] = ()
        self._timer: str | None = None
        self._timer_due = 0.0
        self._timer_ids = itertools.count(1)
        self._no_answers: dict[int, int] = {}
        self._last: list[Say] = []
        self._doubted: Match | None = None
        """The danger asked about in ``confirm``."""

    # ----------------------------------------------------------------- public

    @property
    def routine(self) -> str | None:
        return self._running.routine.name if self._running else None

    @property
    def timer(self) -> str | None:
        """The id of the one timer this dialogue is waiting on, if any."""
        return self._timer

    def progress(self, now: float) -> Progress | None:
        running = self._running
        if running is None or running.step >= len(running.routine.steps):
            return None
        step = running.routine.steps[running.step]
        text = (step.ask if self.mode is Mode.CHECKIN else step.say) or ""
        if self.mode is Mode.PAUSED:
            return Progress(running.routine.title, text, None, self._paused_left)
        if self.mode is Mode.ROUTINE and step.kind in ("hold", "wait"):
            return Progress(running.routine.title, text, running.ends,
                            max(running.ends - now, 0.0))
        return Progress(running.routine.title, text, None, None)

    def context(self) -> MatchContext:
        """What the next utterance is likely to answer, for the matcher."""
        expecting: tuple[str, ...] = ()
        if self.mode is Mode.CHECKIN:
            expecting = ANSWERS
        elif self.mode is Mode.OFFER:
            expecting = ("control.yes", "control.no")
        elif self.mode is Mode.ROUTINE:
            expecting = ("control.better", "control.worse")
        elif self.mode is Mode.CLARIFY:
            expecting = tuple(m.intent for m in self._candidates)
        elif self.mode is Mode.CONFIRM:
            expecting = ("control.yes", "control.no")
        elif self.mode is Mode.EMERGENCY:
            expecting = ("see_doctor",)
        return MatchContext(self.mode.value, expecting)

    def welcome(self, first_time: bool = False) -> list[Action]:
        says: list[Action] = [self._prompt("welcome")]
        if first_time:
            says += [Pause(BETWEEN_STEPS), self._prompt("intro")]
        return self._remember(says)

    def handle(self, event: DialogueEvent, now: float) -> list[Action]:
        if isinstance(event, TimerFired):
            if event.timer_id != self._timer:
                return []
            self._timer = None
            if self.mode is Mode.CONFIRM and self._doubted is not None:
                # No answer to "Did you say your leg is swollen?" is taken as yes.
                return self._emergency(self._doubted)
            late = now - self._timer_due
            if late > 0 and self._running is not None:
                # The runtime held the timer back while speech played; the hold's end
                # moves with it so the countdown runs from when it was heard.
                self._running = replace(self._running, ends=self._running.ends + late)
            return self._timer_fired(now)
        return self._heard(event.match, now)

    # ------------------------------------------------------------ utterances

    def _heard(self, match: Match, now: float) -> list[Action]:
        if match.intent == EMERGENCY and match.outcome == "confirm":
            return self._confirm(match, now)
        if match.intent == EMERGENCY:
            return self._emergency(match)
        if self.mode is Mode.CONFIRM:
            answered = self._confirm_answer(match, now)
            if answered is not None:
                return answered
        if self.mode is Mode.EMERGENCY:
            line = care_line(match, self._kb)
            if line is not None:
                return self._remember([StopSpeaking(), self._prompt(line)])
        if match.intent.startswith("control."):
            return self._control(match, now)
        if match.urgent and self.mode is Mode.ROUTINE and match.outcome != "accept":
            # Something that sounds urgent, said over a countdown, and not understood:
            # stop the count and ask rather than chime and carry on.
            return self._on_pause(match, now, key="safety_net_paused")
        if match.outcome == "clarify":
            return self._clarify(match)
        if match.intent == OUT_OF_SCOPE:
            return self._not_understood(match)
        if match.passage is not None:
            return self._from_document(match.passage)
        if self.mode is Mode.CLARIFY and match.intent not in self.context().expecting:
            self.mode = Mode.IDLE
        intent = self._kb.intent(match.detail or match.intent)
        routine_name = intent.routine_for(match.slots.get("muscle"))
        if (self._running is not None and self.mode is Mode.ROUTINE
                and routine_name == self._running.routine.name):
            return [self._prompt("worse_during_hold")]
        return self._begin(intent, routine_name, now)

    def _emergency(self, match: Match) -> list[Action]:
        """Send the person to help, with what to do for this danger until it comes;
        the conversation then stays in emergency care."""
        actions = self._reset([StopSpeaking(), Earcon("alert")])
        self.mode = Mode.EMERGENCY
        danger = self._kb.dangers.dangers.get((match.detail or "").removeprefix(
            f"{EMERGENCY}."))
        if danger is None:
            return actions + self._remember([self._answer_say(self._kb.intent(EMERGENCY))])
        text = " ".join((self._kb.prompts["emergency"], danger.advice,
                         self._kb.prompts["emergency_nearby"]))
        return actions + self._remember([self._say(text, f"intent:{match.detail}")])

    def _confirm(self, match: Match, now: float) -> list[Action]:
        """A danger heard only in a doubtful hearing: hold everything and ask."""
        actions: list[Action] = [StopSpeaking()]
        if self.mode in (Mode.ROUTINE, Mode.CHECKIN) and self._running is not None:
            self._hold(now, actions)
        elif self.mode is not Mode.PAUSED:
            self._reset(actions)
        self._doubted = match
        self.mode = Mode.CONFIRM
        ends = now + self._settings.confirm_timeout
        return actions + self._remember([self._prompt("confirm_danger", what=match.confirm)]
                                        ) + self._start_timer(ends, after_speech=True)

    def _confirm_answer(self, match: Match, now: float) -> list[Action] | None:
        """Yes (or better, or worse) to "Did you say...": the emergency; no: carry on
        where things were. Anything else is heard as usual."""
        doubted, self._doubted = self._doubted, None
        actions: list[Action] = []
        self._cancel_timer_into(actions)
        self.mode = Mode.PAUSED if self._running is not None else Mode.IDLE
        if doubted is not None and match.intent in ("control.yes", "control.better",
                                                    "control.worse"):
            return self._emergency(doubted)
        if match.intent != "control.no":
            return None
        if self._running is not None:
            return actions + [self._prompt("confirm_misheard")] + self._on_resume(
                match, now)
        return actions + self._remember([self._prompt("confirm_misheard")])

    def _begin(self, intent: Intent, routine_name: str | None, now: float
               ) -> list[Action]:
        """Answer an intent from scratch, whatever was going on before."""
        actions = self._reset([StopSpeaking()] if self.mode is not Mode.IDLE else [])
        says: list[Action] = [self._answer_say(intent)]
        if routine_name is not None:
            self._running = _Running(self._kb.routines[routine_name], intent)
            return actions + self._remember(says + [Pause(BETWEEN_STEPS)]
                                            + self._run(now))
        if intent.more:
            says += self._offer_next(_Offer(intent, "more"))
        elif intent.follow_up:
            says += self._offer_next(_Offer(intent, "follow_up"))
        return actions + self._remember(says)

    def _from_document(self, passage: Passage) -> list[Action]:
        """Read a document's own summary, saying whose words they are."""
        actions = self._reset([StopSpeaking()] if self.mode is not Mode.IDLE else [])
        return actions + self._remember([self._prompt(
            "from_document", topic=passage.topic, summary=passage.summary)])

    def _clarify(self, match: Match) -> list[Action]:
        if self.mode is Mode.ROUTINE:
            return [Earcon("not_caught")]
        runner = match.alternatives[0]
        self._candidates = (match, Match(runner.intent, runner.detail, runner.score,
                                         match.slots, "accept"))
        labels = [self._kb.intent(m.detail or m.intent).label for m in self._candidates]
        if self.mode is not Mode.PAUSED:
            self._cancel_timer_into([])
            self.mode = Mode.CLARIFY
        net = [self._prompt("safety_net")] if match.urgent else []
        return self._remember(net + [self._prompt("clarify", a=labels[0], b=labels[1])])

    def _not_understood(self, match: Match) -> list[Action]:
        if match.urgent:
            return self._remember([self._prompt("safety_net")])
        if self.mode is Mode.ROUTINE:
            # Background talk during a countdown must not break into it.
            return [Earcon("not_caught")]
        if self.mode is Mode.IDLE and match.text:
            return self._remember([self._prompt("out_of_scope")])
        return [self._prompt("not_caught")]

    # --------------------------------------------------------------- controls

    def _control(self, match: Match, now: float) -> list[Action]:
        name = match.intent.removeprefix("control.")
        if name in ("yes", "no", "better", "worse"):
            return self._answer(match.intent, now)
        if match.detail == "control.help.about":
            return self._remember([self._answer_say(self._kb.intent(match.detail))])
        handler = getattr(self, f"_on_{name}")
        result: list[Action] = handler(match, now)
        return result

    def _on_stop(self, _match: Match, _now: float) -> list[Action]:
        return self._reset([StopSpeaking()]) + [self._prompt("stopped")]

    def _on_goodbye(self, _match: Match, _now: float) -> list[Action]:
        return self._reset([StopSpeaking()]) + [self._prompt("goodbye"), End()]

    def _on_pause(self, _match: Match, now: float, key: str = "paused") -> list[Action]:
        actions: list[Action] = [StopSpeaking()]
        if self.mode in (Mode.ROUTINE, Mode.CHECKIN) and self._running is not None:
            self._hold(now, actions)
        return actions + [self._prompt(key)]

    def _hold(self, now: float, actions: list[Action]) -> None:
        """Stop the running step's clock where it is, to carry on from later."""
        assert self._running is not None
        self._paused_left = max(self._running.ends - now, 0.0)
        self._paused_from = self.mode
        self._cancel_timer_into(actions)
        self.mode = Mode.PAUSED

    def _on_resume(self, match: Match, now: float) -> list[Action]:
        if self.mode is Mode.OFFER:
            return self._answer("control.yes", now)
        if self.mode is not Mode.PAUSED or self._running is None:
            return [self._prompt("nothing_paused")]
        running = self._running
        self.mode = self._paused_from or Mode.ROUTINE
        step = running.routine.steps[running.step]
        ends = now + self._paused_left
        self._running = replace(running, ends=ends)
        actions: list[Action] = [self._prompt("resumed")]
        if self.mode is Mode.CHECKIN:
            actions.append(self._say(step.ask or "", self._step_key(running)))
            return actions + self._start_timer(ends, after_speech=True)
        return actions + self._start_timer(self._next_due(ends), after_speech=True)

    def _on_repeat(self, match: Match, _now: float) -> list[Action]:
        if not self._last:
            return [self._prompt("nothing_to_repeat")]
        if match.detail == "control.repeat.slower":
            return [SetVoice(rate_change=-self._settings.rate_step),
                    *(replace(say, rate=SLOWER_REPLAY) for say in self._last)]
        return list(self._last)

    def _voice(self, key: str, rate: int = 0, volume: float = 0.0) -> list[Action]:
        return [SetVoice(rate, volume), self._prompt(key)]

    def _on_slower(self, _match: Match, _now: float) -> list[Action]:
        return self._voice("slower", rate=-self._settings.rate_step)

    def _on_faster(self, _match: Match, _now: float) -> list[Action]:
        return self._voice("faster", rate=self._settings.rate_step)

    def _on_louder(self, _match: Match, _now: float) -> list[Action]:
        return self._voice("louder", volume=self._settings.volume_step)

    def _on_quieter(self, _match: Match, _now: float) -> list[Action]:
        return self._voice("quieter", volume=-self._settings.volume_step)

    def _on_help(self, match: Match, now: float) -> list[Action]:
        if match.detail == "control.help.time_left":
            return [self._time_left(now)]
        # "I'm bleeding and don't know what to do" is a cry for help, not a question
        # about what the guide can do: say how to get help first.
        net = [self._prompt("safety_net")] if match.urgent else []
        if self.mode is Mode.ROUTINE and self._running is not None:
            return net + [self._prompt("help_routine", routine=self._running.routine.title)]
        key = {Mode.CHECKIN: "help_checkin", Mode.OFFER: "help_offer",
               Mode.CLARIFY: "help_offer", Mode.PAUSED: "help_paused"}
        return net + [self._prompt(key.get(self.mode, "help_idle"))]

    def _time_left(self, now: float) -> Say:
        progress = self.progress(now)
        if progress is None or progress.seconds_left is None:
            return self._prompt("time_left_none")
        left = duration_words(progress.seconds_left)
        key = "time_left_paused" if self.mode is Mode.PAUSED else "time_left"
        return self._capitalised(self._prompt(key, left=left))

    @staticmethod
    def _capitalised(say: Say) -> Say:
        return replace(say, text=say.text[:1].upper() + say.text[1:])

    def _on_next(self, _match: Match, now: float) -> list[Action]:
        if self._running is None or self.mode not in (Mode.ROUTINE, Mode.CHECKIN,
                                                      Mode.PAUSED):
            return [self._prompt("nothing_to_skip")]
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        self._running = replace(self._running, step=self._running.step + 1)
        return actions + self._remember(self._run(now))

    def _on_start_over(self, _match: Match, now: float) -> list[Action]:
        if self._running is None:
            return self._reset([StopSpeaking()]) + [self._prompt("start_over_idle")]
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        self._running = _Running(self._running.routine, self._running.intent)
        self._no_answers.clear()
        return actions + self._remember(self._run(now))

    # ---------------------------------------------------------------- answers

    def _answer(self, answer: str, now: float) -> list[Action]:
        """Yes, no, better and worse: what they mean depends on what was asked."""
        positive = answer in POSITIVE
        if self.mode is Mode.CHECKIN and self._running is not None:
            return self._checkin_answer(positive, now)
        if self.mode is Mode.OFFER and self._offer is not None:
            return self._offer_answer(positive, now)
        if self.mode is Mode.CLARIFY and answer == "control.yes":
            chosen = self._candidates[0]
            self.mode = Mode.IDLE
            return self._heard(replace(chosen, outcome="accept"), now)
        if self.mode is Mode.ROUTINE and answer == "control.better":
            return self._finish_early(now)
        if self.mode is Mode.ROUTINE and answer == "control.worse":
            return [self._prompt("worse_during_hold")]
        if self.mode is Mode.ROUTINE:
            return []
        if self.mode is Mode.CLARIFY:
            self.mode = Mode.IDLE
            return [self._prompt("declined")]
        key = {"control.yes": "yes_idle", "control.no": "no_idle",
               "control.better": "better_idle", "control.worse": "worse_idle"}[answer]
        return self._remember([self._prompt(key)])

    def _checkin_answer(self, positive: bool, now: float) -> list[Action]:
        assert self._running is not None
        actions: list[Action] = []
        self._cancel_timer_into(actions)
        index = self._running.step
        step = self._running.routine.steps[index]
        branch: Branch | None = step.yes
        if not positive:
            times = self._no_answers.get(index, 0)
            self._no_answers[index] = times + 1
            branch = step.no_again if times and step.no_again else step.no
        assert branch is not None
        self.mode = Mode.ROUTINE
        says: list[Action] = [self._say(branch.say, self._step_key(self._running) +
                                        (":yes" if positive else ":no"))] if branch.say else []
        return actions + self._remember(says + self._go(branch.go, now))

    def _offer_answer(self, positive: bool, now: float) -> list[Action]:
        assert self._offer is not None
        offer, self._offer = self._offer, None
        self.mode = Mode.IDLE
        if not positive:
            return [self._prompt("declined")]
        if offer.kind == "more":
            says: list[Action] = [self._say(offer.intent.more or "",
                                            f"more:{offer.intent.id}")]
            if offer.intent.follow_up:
                says += self._offer_next(_Offer(offer.intent, "follow_up"))
            return self._remember(says)
        follow = self._kb.intent(offer.intent.follow_up or "")
        return self._begin(follow, follow.routine, now)

    def _offer_next(self, offer: _Offer) -> list[Action]:
        self._offer = offer
        self.mode = Mode.OFFER
        if offer.kind == "more":
            return [self._prompt("more_offer")]
        return [self._say(offer.intent.offer or "", f"offer:{offer.intent.follow_up}")]

    def _finish_early(self, now: float) -> list[Action]:
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        return actions + self._remember([self._prompt("better_during_hold")]
                                        + self._go("end", now))

    # ---------------------------------------------------------------- routine

    def _go(self, target: str, now: float) -> list[Action]:
        assert self._running is not None
        running = self._running
        if target == "end":
            return self._finish_routine()
        if target == "next":
            step = running.step + 1
        elif target.startswith("routine:"):
            self._running = _Running(self._kb.routines[target.removeprefix("routine:")],
                                     running.intent)
            self._no_answers.clear()
            return [Pause(BETWEEN_STEPS), *self._run(now)]
        else:
            step = running.routine.index_of(target) or 0
        self._running = replace(running, step=step)
        return [Pause(BETWEEN_STEPS), *self._run(now)]

    def _run(self, now: float) -> list[Action]:
        """Speak steps from the current one until one needs time or an answer."""
        assert self._running is not None
        actions: list[Action] = []
        while self._running.step < len(self._running.routine.steps):
            running = self._running
            step = running.routine.steps[running.step]
            key = self._step_key(running)
            if step.kind == "say":
                actions += [self._say(step.say or "", key), Pause(BETWEEN_STEPS)]
                self._running = replace(running, step=running.step + 1)
                continue
            if step.kind == "ask":
                self.mode = Mode.CHECKIN
                ends = now + self._settings.checkin_timeout
                self._running = replace(running, ends=ends, asked=1)
                return actions + [self._say(step.ask or "", key)] + \
                    self._start_timer(ends, after_speech=True)
            self.mode = Mode.ROUTINE
            ends = now + step.seconds
            self._running = replace(running, ends=ends, next_cue=0)
            if step.say:
                actions.append(self._say(step.say, key))
            return actions + self._start_timer(self._next_due(ends), after_speech=True)
        return actions + self._finish_routine()

    def _next_due(self, ends: float) -> float:
        """When the running hold next needs attention: its next cue, or its end."""
        assert self._running is not None
        step = self._running.routine.steps[self._running.step]
        cues = step.cues[self._running.next_cue:]
        return ends - cues[0] if cues else ends

    def _timer_fired(self, now: float) -> list[Action]:
        running = self._running
        if running is None:
            return []
        step = running.routine.steps[running.step]
        if self.mode is Mode.CHECKIN:
            if running.asked >= 2:
                # Asked twice with no answer: they may have fallen back asleep, or be
                # unable to answer. Leave the routine with what to do if it worsens.
                self._reset([])
                silent = running.routine.silent or self._kb.prompts["checkin_silent"]
                return self._remember([self._say(silent.replace(
                    "{routine}", running.routine.title), f"silent:{running.routine.name}")])
            ends = now + self._settings.checkin_timeout
            self._running = replace(running, ends=ends, asked=running.asked + 1)
            return [self._prompt("checkin_again", question=step.ask or "")] + \
                self._start_timer(ends, after_speech=True)
        if step.kind == "hold" and running.next_cue < len(step.cues):
            left = step.cues[running.next_cue]
            self._running = replace(running, next_cue=running.next_cue + 1)
            return [self._say(cue_text(left, self._kb.prompts), f"cue:{left}")] + \
                self._start_timer(self._next_due(running.ends))
        # The hold or wait is over.
        actions: list[Action] = []
        if step.kind == "hold":
            actions += [Earcon("timer_done"),
                        self._say(step.done or "", self._step_key(running) + ":done")]
        self._running = replace(running, step=running.step + 1)
        return self._remember(actions + [Pause(BETWEEN_STEPS)] + self._run(now))

    def _finish_routine(self) -> list[Action]:
        assert self._running is not None
        intent = self._running.intent
        self._running = None
        self._no_answers.clear()
        self.mode = Mode.IDLE
        if intent.follow_up:
            return self._offer_next(_Offer(intent, "follow_up"))
        return []

    # ---------------------------------------------------------------- helpers

    def _start_timer(self, due: float, after_speech: bool = False) -> list[Action]:
        self._timer = f"t{next(self._timer_ids)}"
        self._timer_due = due
        return [StartTimer(self._timer, due, after_speech)]

    def _cancel_timer_into(self, actions: list[Action]) -> None:
        if self._timer is not None:
            actions.append(CancelTimer(self._timer))
            self._timer = None

    def _reset(self, actions: list[Action]) -> list[Action]:
        """Drop whatever was going on: routine, offer, question, timer."""
        self._cancel_timer_into(actions)
        self._running = None
        self._offer = None
        self._candidates = ()
        self._paused_from = None
        self._doubted = None
        self._no_answers.clear()
        self.mode = Mode.IDLE
        return actions

    def _remember(self, actions: list[Action]) -> list[Action]:
        """Keep what was just said, minus countdown cues, for "repeat"."""
        says = [a for a in actions if isinstance(a, Say) and not a.key.startswith("cue:")]
        if says:
            self._last = says
        return actions

    def _answer_say(self, intent: Intent) -> Say:
        return self._say(intent.response, f"intent:{intent.id}")

    def _say(self, text: str, key: str) -> Say:
        return Say(text.format_map(_Fill(self._values)), key)

    @property
    def _values(self) -> Mapping[str, str]:
        return {"emergency_number": self._settings.emergency_number}

    def _prompt(self, key: str, **values: str) -> Say:
        return Say(self._kb.prompts[key].format_map(_Fill({**self._values, **values})),
                   f"prompt:{key}")

    @staticmethod
    def _step_key(running: _Running) -> str:
        return f"step:{running.routine.name}:{running.step + 1}"


class _Fill(dict[str, str]):
    """Leaves unknown placeholders as they are rather than failing mid-sentence."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

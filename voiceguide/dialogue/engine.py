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
wins in every state. Routines are played by ``player``; controls are in ``controls``.
"""

from __future__ import annotations

from dataclasses import replace

from voiceguide.dialogue.care import care_line
from voiceguide.dialogue.controls import Controls, check_controls
from voiceguide.dialogue.events import (
    Action,
    DialogueEvent,
    Earcon,
    Pause,
    StopSpeaking,
    TimerFired,
)
from voiceguide.dialogue.player import Progress
from voiceguide.dialogue.state import BETWEEN_STEPS, Mode, Offer, Running
from voiceguide.kb.model import Intent, KnowledgeBase
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE, Match, MatchContext, Passage
from voiceguide.settings import DialogueSettings

ANSWERS = ("control.yes", "control.no", "control.better", "control.worse")
CONFIRM_AGAIN = frozenset({"control.repeat", "control.louder", "control.quieter",
                           "control.slower", "control.faster", "control.help",
                           "control.better", "control.pause", "control.resume"})
"""Said to "Did you say...?": the person did not take it in, or asks for time, so it is
asked again (and silence still counts as yes)."""
ASKED_AGAIN_ONLY = frozenset({"control.repeat", "control.better", "control.resume"})

__all__ = ["Dialogue", "Mode", "Progress"]


class Dialogue(Controls):
    """One conversation. Feed it ``handle(event, now)``; carry out what it returns."""

    def __init__(self, kb: KnowledgeBase, settings: DialogueSettings | None = None
                 ) -> None:
        check_controls(kb)
        super().__init__(kb, settings)

    @property
    def timer(self) -> str | None:
        """The id of the one timer this dialogue is waiting on, if any."""
        return self._timer

    def context(self) -> MatchContext:
        """What the next utterance is likely to answer, for the matcher."""
        expecting = {
            Mode.CHECKIN: ANSWERS,
            Mode.OFFER: ("control.yes", "control.no"),
            Mode.ROUTINE: ("control.better", "control.worse"),
            Mode.CLARIFY: tuple(m.intent for m in self._candidates),
            Mode.CONFIRM: ("control.yes", "control.no"),
            Mode.EMERGENCY: ("see_doctor",),
        }.get(self.mode, ())
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
            return self._routine_timer(now)
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
            return self._remember(self._on_pause(match, now, key="safety_net_paused"))
        if match.outcome == "clarify":
            return self._clarify(match)
        if match.intent == OUT_OF_SCOPE:
            return self._not_understood(match)
        if match.passage is not None:
            return self._from_document(match.passage)
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
        return actions + self._ask_again(now)

    def _ask_again(self, now: float) -> list[Action]:
        assert self._doubted is not None
        actions: list[Action] = []
        self._cancel_timer_into(actions)
        ends = now + self._settings.confirm_timeout
        return actions + self._remember([self._prompt(
            "confirm_danger", what=self._doubted.confirm)]) + self._start_timer(
            ends, after_speech=True)

    def _confirm_answer(self, match: Match, now: float) -> list[Action] | None:
        """Yes (or worse) to "Did you say...": the emergency; no: carry on where things
        were; a control that shows it was not taken in: ask again. Anything else is
        heard as usual."""
        doubted = self._doubted
        assert doubted is not None
        if match.intent in ("control.yes", "control.worse"):
            return self._emergency(doubted)
        if match.intent in CONFIRM_AGAIN:
            done = [] if match.intent in ASKED_AGAIN_ONLY else self._control(match, now)
            return done + self._ask_again(now)
        actions: list[Action] = []
        self._cancel_timer_into(actions)
        self._doubted = None
        self.mode = Mode.PAUSED if self._running is not None else Mode.IDLE
        if match.intent != "control.no":
            return None
        if self._running is not None:
            return actions + [self._prompt("confirm_misheard")] + self._resume(now)
        return actions + self._remember([self._prompt("confirm_misheard")])

    def _begin(self, intent: Intent, routine_name: str | None, now: float
               ) -> list[Action]:
        """Answer an intent from scratch, whatever was going on before."""
        actions = self._reset([StopSpeaking()] if self.mode is not Mode.IDLE else [])
        says: list[Action] = [self._answer_say(intent)]
        if routine_name is not None:
            self._running = Running(self._kb.routines[routine_name], intent)
            return actions + self._remember(says + [Pause(BETWEEN_STEPS)]
                                            + self._run(now))
        if intent.more:
            says += self._offer_next(Offer(intent, "more"))
        elif intent.follow_up:
            says += self._offer_next(Offer(intent, "follow_up"))
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
        net: list[Action] = [self._prompt("safety_net")] if match.urgent else []
        return self._remember(net + [self._prompt("clarify", a=labels[0], b=labels[1])])

    def _not_understood(self, match: Match) -> list[Action]:
        if match.urgent:
            return self._remember([self._prompt("safety_net")])
        if match.detail == "out_of_scope.noise" and self.mode in (Mode.IDLE, Mode.ROUTINE):
            # Stray sounds from a television or a fan, heard as fillers: answering them
            # would have the guide talking to an empty room all night. At a question it
            # asks again instead, below, so the question is not lost.
            return []
        if self.mode is Mode.ROUTINE:
            # Background talk during a countdown must not break into it.
            return [Earcon("not_caught")]
        if match.detail == "out_of_scope.doubted":
            # A request in a noisy room that the recogniser was unsure of: asking again
            # costs one sentence, refusing it would send a person in pain away.
            return [self._prompt("not_caught")]
        if match.detail == "out_of_scope.elsewhere":
            return self._remember([self._prompt("elsewhere")])
        if self.mode is Mode.IDLE and match.text:
            return self._remember([self._prompt("out_of_scope")])
        return [self._prompt("not_caught")]

    # ----------------------------------------------------------------- offers

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
                says += self._offer_next(Offer(offer.intent, "follow_up"))
            return self._remember(says)
        follow = self._kb.intent(offer.intent.follow_up or "")
        return self._begin(follow, follow.routine, now)

    def _offer_next(self, offer: Offer) -> list[Action]:
        self._offer = offer
        self.mode = Mode.OFFER
        if offer.kind == "more":
            return [self._prompt("more_offer")]
        return [self._say(offer.intent.offer or "", f"offer:{offer.intent.follow_up}")]

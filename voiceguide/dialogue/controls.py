"""The controls: what stop, pause, continue, repeat, the voice, help, yes, no, better,
worse, next, start over and goodbye do, state by state.

One table maps every ``control.*`` id of the catalogue to its handler; the dialogue
checks the content against it when it starts, so a control added to the content
without a handler stops the guide at start-up, not mid-routine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from voiceguide.dialogue.events import Action, End, Say, SetVoice, StopSpeaking
from voiceguide.dialogue.player import RoutinePlayer
from voiceguide.dialogue.state import Mode, Running
from voiceguide.errors import KnowledgeBaseError
from voiceguide.kb.model import KnowledgeBase
from voiceguide.match import Match

SLOWER_REPLAY = 0.8
"""Rate multiplier for "say that slower"."""
Handler = Callable[["Controls", Match, float], list[Action]]


class Controls(RoutinePlayer):
    """The control handlers, and the table that names them."""

    def _control(self, match: Match, now: float) -> list[Action]:
        if match.detail == "control.help.about":
            return self._remember([self._answer_say(self._kb.intent(match.detail))])
        handler = CONTROLS[match.intent]
        actions = handler(self, match, now)
        return actions if match.intent == "control.repeat" else self._remember(actions)

    # ------------------------------------------------------- ending and holding

    def _on_stop(self, _match: Match, _now: float) -> list[Action]:
        return self._reset([StopSpeaking()]) + [self._prompt("stopped")]

    def _on_goodbye(self, _match: Match, _now: float) -> list[Action]:
        return self._reset([StopSpeaking()]) + [self._prompt("goodbye"), End()]

    def _on_pause(self, _match: Match, now: float, key: str = "paused") -> list[Action]:
        actions: list[Action] = [StopSpeaking()]
        if self.mode in (Mode.ROUTINE, Mode.CHECKIN) and self._running is not None:
            self._hold(now, actions)
        elif self.mode is not Mode.PAUSED:
            key = "waiting"  # nothing is running to pause: a question can wait
        return actions + [self._prompt(key)]

    def _on_resume(self, match: Match, now: float) -> list[Action]:
        if self.mode is Mode.PAUSED and self._running is not None:
            return self._resume(now)
        if self.mode is Mode.OFFER:
            return self._on_yes(match, now)
        if self.mode in (Mode.ROUTINE, Mode.CHECKIN, Mode.CLARIFY):
            # Nothing is paused, so go on with what is going on.
            return [self._prompt("resumed")] + self._where_asked(now)
        return [self._prompt("nothing_paused")]

    def _where_asked(self, now: float) -> list[Action]:
        """The question still waiting for an answer, if any: a check-in or a choice."""
        if self.mode is Mode.CHECKIN:
            return self._where_we_are(now)
        if self.mode is Mode.CLARIFY:
            return list(self._last[-1:])
        return []

    # --------------------------------------------------------------- repeating

    def _on_repeat(self, match: Match, now: float) -> list[Action]:
        said: list[Action]
        if self.mode in (Mode.ROUTINE, Mode.CHECKIN) and self._running is not None:
            said = self._where_we_are(now)
        elif self.mode is Mode.PAUSED and self._running is not None:
            said = [self._prompt("paused"), self._time_left(now)]
        else:
            said = list(self._last)
        if not said:
            return [self._prompt("nothing_to_repeat")]
        if match.detail == "control.repeat.slower":
            return [SetVoice(rate_change=-self._settings.rate_step),
                    *(replace(say, rate=SLOWER_REPLAY) for say in said
                      if isinstance(say, Say))]
        return said

    # ------------------------------------------------------------------- voice

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

    # -------------------------------------------------------------------- help

    def _on_help(self, match: Match, now: float) -> list[Action]:
        if match.detail == "control.help.time_left":
            return [self._time_left(now)]
        # "I'm bleeding and don't know what to do" is a cry for help, not a question
        # about what the guide can do: say how to get help first.
        net: list[Action] = [self._prompt("safety_net")] if match.urgent else []
        if self.mode is Mode.ROUTINE and self._running is not None:
            return net + [self._prompt("help_routine", routine=self._running.routine.title)]
        key = {Mode.CHECKIN: "help_checkin", Mode.OFFER: "help_offer",
               Mode.CLARIFY: "help_offer", Mode.PAUSED: "help_paused",
               Mode.CONFIRM: "help_confirm"}
        return net + [self._prompt(key.get(self.mode, "help_idle"))]

    # ------------------------------------------------------------------ steps

    def _on_next(self, _match: Match, now: float) -> list[Action]:
        if self._running is None or self.mode not in (Mode.ROUTINE, Mode.CHECKIN,
                                                      Mode.PAUSED):
            return [self._prompt("nothing_to_skip")]
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        self._running = replace(self._running, step=self._running.step + 1)
        return actions + self._run(now)

    def _on_start_over(self, _match: Match, now: float) -> list[Action]:
        if self._running is None:
            return self._reset([StopSpeaking()]) + [self._prompt("start_over_idle")]
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        self._running = Running(self._running.routine, self._running.intent)
        self._no_answers.clear()
        return actions + self._run(now)

    # ---------------------------------------------------------------- answers

    def _on_yes(self, _match: Match, now: float) -> list[Action]:
        if self.mode is Mode.CHECKIN and self._running is not None:
            return self._checkin_answer(True, now)
        if self.mode is Mode.OFFER and self._offer is not None:
            return self._offer_answer(True, now)
        if self.mode is Mode.CLARIFY and self._candidates:
            chosen = self._candidates[0]
            self.mode = Mode.IDLE
            return self._heard(replace(chosen, outcome="accept"), now)
        if self.mode is Mode.PAUSED and self._running is not None:
            return self._resume(now)  # "okay", "go ahead": carry on
        if self.mode is Mode.ROUTINE:
            return [self._prompt("yes_during_hold")]
        return [self._prompt("yes_idle")]

    def _on_no(self, _match: Match, now: float) -> list[Action]:
        if self.mode is Mode.CHECKIN and self._running is not None:
            return self._checkin_answer(False, now)
        if self.mode is Mode.OFFER and self._offer is not None:
            return self._offer_answer(False, now)
        if self.mode is Mode.CLARIFY:
            self.mode = Mode.IDLE
            self._candidates = ()
            return [self._prompt("declined")]
        if self.mode is Mode.PAUSED:
            return [self._prompt("paused_still")]
        if self.mode is Mode.ROUTINE:
            return [self._prompt("no_during_hold")]
        return [self._prompt("no_idle")]

    def _on_better(self, match: Match, now: float) -> list[Action]:
        if self.mode is Mode.CHECKIN and self._running is not None:
            return self._checkin_answer(True, now)
        if self.mode in (Mode.ROUTINE, Mode.PAUSED) and self._running is not None:
            return self._finish_early(now)
        self._leave_question()
        return [self._prompt("better_idle")]

    def _on_worse(self, match: Match, now: float) -> list[Action]:
        if self.mode is Mode.CHECKIN and self._running is not None:
            return self._checkin_answer(False, now)
        if self.mode is Mode.ROUTINE:
            return [self._prompt("worse_during_hold")]
        if self.mode is Mode.PAUSED:
            return [self._prompt("worse_paused")]
        self._leave_question()
        return [self._prompt("worse_idle")]

    def _leave_question(self) -> None:
        """An offer or a choice is left unanswered when the person says how they are."""
        if self.mode in (Mode.OFFER, Mode.CLARIFY):
            self._offer = None
            self._candidates = ()
            self.mode = Mode.IDLE


CONTROLS: dict[str, Handler] = {
    "control.stop": Controls._on_stop,
    "control.pause": Controls._on_pause,
    "control.resume": Controls._on_resume,
    "control.repeat": Controls._on_repeat,
    "control.slower": Controls._on_slower,
    "control.faster": Controls._on_faster,
    "control.louder": Controls._on_louder,
    "control.quieter": Controls._on_quieter,
    "control.help": Controls._on_help,
    "control.yes": Controls._on_yes,
    "control.no": Controls._on_no,
    "control.better": Controls._on_better,
    "control.worse": Controls._on_worse,
    "control.next": Controls._on_next,
    "control.start_over": Controls._on_start_over,
    "control.goodbye": Controls._on_goodbye,
}
"""Every control the catalogue names, and what carries it out."""


def check_controls(kb: KnowledgeBase) -> None:
    """Every ``control.*`` intent of the content has a handler here."""
    for intent in kb.intents.values():
        if intent.public_id.startswith("control.") and intent.public_id not in CONTROLS:
            raise KnowledgeBaseError(
                f"intent '{intent.id}' is a control the guide cannot carry out (known: "
                f"{', '.join(sorted(CONTROLS))}); rename it or add its handler")

"""The routine player: steps spoken one after another, holds counted down with spoken
cues, check-ins asked and answered, all on the dialogue's one timer."""

from __future__ import annotations

from dataclasses import dataclass, replace

from voiceguide.dialogue.countdown import cue_text, duration_words
from voiceguide.dialogue.events import Action, Earcon, Pause, Say, StopSpeaking
from voiceguide.dialogue.state import BETWEEN_STEPS, DialogueState, Mode, Offer, Running
from voiceguide.kb.model import Branch, Step


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a routine is, for a screen: its title, what the step asks, and when the
    step's countdown ends (``None`` when it is waiting for an answer or paused)."""

    routine: str
    step: str
    ends: float | None
    seconds_left: float | None


class RoutinePlayer(DialogueState):
    """Runs the routine in ``_running``: speak, hold, wait, ask."""

    @property
    def routine(self) -> str | None:
        return self._running.routine.name if self._running else None

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

    def _step(self) -> Step:
        assert self._running is not None
        return self._running.routine.steps[self._running.step]

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

    def _go(self, target: str, now: float) -> list[Action]:
        assert self._running is not None
        running = self._running
        if target == "end":
            return self._finish_routine()
        if target == "next":
            step = running.step + 1
        elif target.startswith("routine:"):
            self._running = Running(self._kb.routines[target.removeprefix("routine:")],
                                    running.intent)
            self._no_answers.clear()
            return [Pause(BETWEEN_STEPS), *self._run(now)]
        else:
            step = running.routine.index_of(target) or 0
        self._running = replace(running, step=step)
        return [Pause(BETWEEN_STEPS), *self._run(now)]

    def _next_due(self, ends: float) -> float:
        """When the running hold next needs attention: its next cue, or its end."""
        assert self._running is not None
        cues = self._step().cues[self._running.next_cue:]
        return ends - cues[0] if cues else ends

    def _routine_timer(self, now: float) -> list[Action]:
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
            return self._remember([self._prompt("checkin_again", question=step.ask or "")]
                                  ) + self._start_timer(ends, after_speech=True)
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
            return self._offer_next(Offer(intent, "follow_up"))
        return []

    def _checkin_answer(self, positive: bool, now: float) -> list[Action]:
        assert self._running is not None
        actions: list[Action] = []
        self._cancel_timer_into(actions)
        index = self._running.step
        step = self._step()
        branch: Branch | None = step.yes
        if not positive:
            times = self._no_answers.get(index, 0)
            self._no_answers[index] = times + 1
            branch = step.no_again if times and step.no_again else step.no
        assert branch is not None
        self.mode = Mode.ROUTINE
        says: list[Action] = [self._say(branch.say, self._step_key(self._running) + (
            ":yes" if positive else ":no"))] if branch.say else []
        return actions + self._remember(says + self._go(branch.go, now))

    def _hold(self, now: float, actions: list[Action]) -> None:
        """Stop the running step's clock where it is, to carry on from later."""
        assert self._running is not None
        self._paused_left = max(self._running.ends - now, 0.0)
        self._paused_from = self.mode
        self._cancel_timer_into(actions)
        self.mode = Mode.PAUSED

    def _resume(self, now: float) -> list[Action]:
        """Carry on a held routine from where its clock stopped."""
        assert self._running is not None
        running = self._running
        self.mode = self._paused_from or Mode.ROUTINE
        step = self._step()
        ends = now + self._paused_left
        self._running = replace(running, ends=ends)
        actions: list[Action] = [self._prompt("resumed")]
        if self.mode is Mode.CHECKIN:
            actions.append(self._say(step.ask or "", self._step_key(running)))
            return self._remember(actions) + self._start_timer(ends, after_speech=True)
        return actions + self._start_timer(self._next_due(ends), after_speech=True)

    def _finish_early(self, now: float) -> list[Action]:
        actions: list[Action] = [StopSpeaking()]
        self._cancel_timer_into(actions)
        return actions + self._remember([self._prompt("better_during_hold")]
                                        + self._go("end", now))

    def _where_we_are(self, now: float) -> list[Action]:
        """For "repeat" during a routine: the step's own words and, in a countdown, the
        time left, not the whole introduction over the running count."""
        assert self._running is not None
        step = self._step()
        key = self._step_key(self._running)
        if self.mode is Mode.CHECKIN:
            return [self._say(step.ask or "", key)]
        said: list[Action] = [self._say(step.say, key)] if step.say else []
        if step.kind == "hold":
            said.append(self._time_left(now))
        return said

    def _time_left(self, now: float) -> Say:
        progress = self.progress(now)
        if progress is None or progress.seconds_left is None:
            return self._prompt("time_left_none")
        left = duration_words(progress.seconds_left)
        key = "time_left_paused" if self.mode is Mode.PAUSED else "time_left"
        say = self._prompt(key, left=left)
        return replace(say, text=say.text[:1].upper() + say.text[1:])

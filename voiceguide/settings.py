"""Frozen settings, built once from the command line and passed down.

Matching thresholds are named here with the measurement that chose them, all on
``tests/data/devset.tsv`` (790 utterances); rerun ``python scripts/tune_matcher.py``
after changing the content or the dev set, and copy what it prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MatchSettings:
    accept: float = 0.69
    """Calibrated confidence at or above which the best intent is taken as heard: the
    highest threshold that refuses at most 2% of in-scope utterances (measured: 95.7%
    top-1, 91.1% of out-of-scope refused, 1.8% of in-scope refused)."""
    emergency_accept: float = 0.9
    """Confidence a fuzzy "emergency" needs when no danger rule fired: a second opinion
    that can only add alarms, never when the triage heard a sign denied, asked about or
    explained. The rules in danger.toml are the main net."""
    clarify_margin: float = 4.0
    """Two intents closer than this (score points, 0..100) are worth asking about."""
    clarify_floor: float = 0.6
    """Below this confidence even the best two are too weak to ask about. Swept over
    0.4 to 0.69 with margins 4 to 10: 0.6 with margin 4 keeps a clarifying question for
    close calls while refusing 89.5% of out-of-scope outright (1.7% in-scope refused)."""
    sentence_weight: float = 0.6
    """Share of an intent's score from sentence similarity; the rest is word evidence."""
    correction_cutoff: float = 88.0
    """rapidfuzz ratio at which an unknown word is taken as a mishearing of a known one."""
    context_boost: float = 8.0
    """Similarity points added to the answers the dialogue is waiting for."""
    calibration: tuple[float, float, float, float] = (0.0827, 0.1741, 0.1608, -3.8100)
    """Logistic weights on (best score, margin over the runner-up, share of known
    words) and a bias: P(the best intent is right)."""


DEFAULT_EMERGENCY_NUMBER = "your local emergency number"


@dataclass(frozen=True, slots=True)
class DialogueSettings:
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    """Spoken in the emergency answer; a kiosk sets its local number."""
    checkin_timeout: float = 20.0
    """Seconds of silence after a check-in question before it is asked once more."""
    confirm_timeout: float = 10.0
    """Seconds of silence after "Did you say your leg is swollen?" before the silence is
    taken as yes: a person who cannot answer may be the one most in need."""
    rate_step: int = 20
    """Words per minute added or taken away by "faster" and "slower"."""
    volume_step: float = 0.15
    """Share of full volume added or taken away by "louder" and "quieter"."""


ACTIVATIONS = ("wake", "always", "key")


@dataclass(frozen=True, slots=True)
class ListenSettings:
    activation: str = "always"
    """``always`` (every utterance), ``wake`` (the wake phrase first, when idle) or
    ``key`` (space bar, when idle). Inside a routine the guide always listens."""
    wake_phrase: str = "hello guide"
    wake_threshold: float = 1e-20
    """PocketSphinx keyphrase threshold: lower spots more, and false-triggers more."""
    listen_window: float = 8.0
    """Seconds after the wake phrase or the key in which an utterance is taken."""
    asr_floor: float = 0.3
    """Recogniser confidence below which a non-emergency match counts as out of scope.
    Measured with ``scripts/compare_asr.py`` (mix model, 3 voices): at 0.3, 95.2% of
    out-of-scope clips are refused, clean or at 10 dB, and 67.7% of clean in-scope
    clips are acted on rightly (77.2% with no floor, but then 19% of television talk
    starts something)."""
    confirm_floor: float = 0.6
    """Recogniser confidence below which the next best hearings are searched for a
    danger even when the best one was understood; a refused hearing is always
    searched. A danger found only there is asked about, not acted on."""
    echo_overlap: float = 0.6
    """Share of a barge-in's words found in what the guide is saying at which it is
    taken for the guide's own voice coming back through the microphone."""
    barge_in_words: int = 4
    """Longest utterance, in words, taken as a control said over the guide's voice."""


@dataclass(frozen=True, slots=True)
class Settings:
    match: MatchSettings = field(default_factory=MatchSettings)
    dialogue: DialogueSettings = field(default_factory=DialogueSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)

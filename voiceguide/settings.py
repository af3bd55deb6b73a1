"""The one settings tree, frozen, built once and passed down.

Its defaults are the guide's; a TOML file (``--config``) and the command line are both
only overrides of it, checked in one place (``configure.py``). Matching thresholds are
named here with the measurement that chose them, on ``tests/data/devset.tsv`` and
``tests/data/understanding/blind_dev.tsv``; rerun ``python scripts/tune_matcher.py``
(and with ``--words-only``) after changing the content or the sets, and copy what it
prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path


@dataclass(frozen=True, slots=True)
class MatchSettings:
    accept: float = 0.76
    """Calibrated confidence at or above which the best intent is taken as heard: the
    highest threshold that refuses at most 2% of in-scope utterances of the two
    development sets together (``scripts/tune_matcher.py``: with ``clarify_floor``,
    96.5% top-1 on devset.tsv and 97.2% on understanding/blind_dev.tsv)."""
    emergency_accept: float = 0.9
    """Confidence (by ``alarm_calibration``) a fuzzy "emergency" needs when no danger
    rule fired: a second opinion that can only add alarms, never when the triage heard
    a sign denied, asked about or explained. The rules in danger.toml are the main
    net."""
    alarm_calibration: tuple[float, float, float, float] = (
        0.0827, 0.1741, 0.1608, -3.8100)
    """The calibration ``emergency_accept`` was set with, on scores of words alone:
    kept apart so that retuning the matcher cannot move the second opinion on danger
    (measured with ``scripts/measure_safety.py`` on the red-team sets)."""
    learnt_alarms: bool = True
    """Whether the learnt second opinion on danger (``safety/second_opinion.py``, its
    threshold in ``content/second_opinion.json``) may add alarms the rules missed."""
    urgent_accept: float = 0.8
    """Confidence an intent needs when the words carry an urgent sign (bleeding, a
    fever, a fall) but no danger rule fired: below it the guide does not start a
    routine from them, and gives its safety net instead ("I've had a fever all
    evening" was once heard as restless legs at 0.77). A bare yes or no is never
    taken from such words ("I think I'm bleeding" is not "I think so")."""
    clarify_margin: float = 4.0
    """Two intents closer than this (score points, 0..100) are worth asking about."""
    clarify_floor: float = 0.7
    """Below this confidence even the best two are too weak to ask about. Swept from
    0.4 to ``accept`` on the development sets: at 0.7 a question is kept for close
    calls (7 of 1,041 lines) while 94.4% of devset.tsv's out-of-scope lines are
    refused outright (91.9% at 0.6)."""
    sentence_weight: float = 0.6
    """Share of an intent's word score from sentence similarity; the rest is word
    evidence."""
    correction_cutoff: float = 88.0
    """rapidfuzz ratio at which an unknown word is taken as a mishearing of a known one."""
    context_boost: float = 8.0
    """Score points added to the answers the dialogue is waiting for."""
    calibration: tuple[float, float, float, float] = (0.0371, 0.1933, 0.0, -1.1854)
    """Logistic weights on (best score, margin over the runner-up, share of known
    words) and a bias: P(the best intent is right). The weight on known words is
    held at zero where the fit would make it negative: unknown words must never make
    the matcher surer."""
    meaning_weight: float = 0.3
    """Share of an intent's score from sentence meaning, when the model is installed.
    Swept 0 to 0.5 on the development sets: 0.2 to 0.4 do about as well; with no
    meaning, 1 to 2 points fewer are right."""
    words_only_accept: float = 0.60
    """``accept`` when the sentence model is not installed (95.4% top-1 on devset.tsv,
    96.4% on understanding/blind_dev.tsv). It is under ``clarify_floor``, so on words
    alone the guide accepts or refuses and never asks between two."""
    words_only_calibration: tuple[float, float, float, float] = (
        0.0690, 0.2333, 0.0, -3.3788)
    """``calibration`` when the sentence model is not installed."""

    def words_only(self) -> MatchSettings:
        """These settings for matching on words alone."""
        return replace(self, meaning_weight=0.0, accept=self.words_only_accept,
                       calibration=self.words_only_calibration)


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
    wake_threshold: float = 1e-5
    """PocketSphinx keyphrase threshold: lower spots more, and false-triggers more.
    Measured with ``scripts/measure_wake.py`` (flite kal and awb, three minutes of a
    television through the wall): 1e-20 woke 8 times in 14 utterances of it, 1e-15 to
    1e-7 once, 1e-5 never, and still caught 5 of 6 clean phrases (1e-20: 6 of 6)."""
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
    denoise: bool = True
    """RNNoise in front of the recogniser, on the live stream and on files alike, applied
    only while the room is noisy (``voiceguide/audio/denoise.py``). On by default because
    it leaves a quiet room's speech byte for byte as it was, and in noise it helps: on
    the development voices, in-scope intent accuracy at 10 dB went from 2.4% to 54.0% in
    pink noise and from 29.4% to 65.9% in a fan's; on the held-out voice, from 5.2% to
    68.8% in pink noise at 10 dB (``docs/benchmarks.md``, noise suppression)."""


ENGINES = ("auto", "pocketsphinx", "vosk", "whisper", "cascade")


@dataclass(frozen=True, slots=True)
class RecogniserSettings:
    engine: str = "auto"
    """``auto`` takes the cascade when a Whisper model is installed, else Vosk when a
    Vosk model is, else PocketSphinx alone. ``cascade`` is PocketSphinx, then Whisper
    when PocketSphinx or the matcher is unsure."""
    model: Path | None = None
    """A Vosk model folder; None searches ``models/`` and ``$VOICEGUIDE_VOSK_MODEL``."""
    whisper_model: Path | None = None
    """A Whisper model folder (CTranslate2); None searches ``models/`` for
    ``voiceguide models download whisper-base.en`` (then tiny.en) and
    ``$VOICEGUIDE_WHISPER_MODEL``."""
    threads: int = 1
    """CPU threads Whisper decodes with. One leaves the other core to the voice."""
    cascade_match_floor: float = 0.97
    """Matcher confidence at or above which PocketSphinx's hearing stands without
    Whisper (with ``cascade_asr_floor``, and no danger in any hearing). Swept with
    ``scripts/measure_cascade.py --tune`` on spoken.tsv (flite kal and awb, clean and
    pink noise at 10 dB, 476 clips): the floors that send the fewest clips to Whisper
    while in-scope accuracy stays within a point of asking Whisper always, with no
    emergency fewer caught or asked about and no more out-of-scope accepted. At
    0.97/0.3: 80.9% of in-scope clips right against 79.1% for Whisper always and 43.1%
    for PocketSphinx alone, with 73.3% of clips sent to Whisper (50% clean, 96% in
    noise)."""
    cascade_asr_floor: float = 0.3
    """PocketSphinx confidence at or above which its hearing may stand (the sweep
    above; 0.3 to 0.5 differ by under a point)."""

    MAX_THREADS = 16


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """The guide's voice, and the limits every way of changing it keeps to: a setting,
    an option, and "slower" or "quieter" said in the night."""

    voice: str = ""
    """An id from ``voiceguide voices``; empty for the engine's default."""
    rate: int = 150
    """Words per minute: slower than a speech engine's default, for someone half
    asleep."""
    volume: float = 0.7
    """Share of full volume: audible at a bedside without startling."""

    MIN_RATE = 90
    MAX_RATE = 230
    MIN_VOLUME = 0.05
    """Below this nobody hears the guide at all."""
    MAX_VOLUME = 1.0


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """Where the person's voice comes from and the guide's goes: the microphone and the
    speaker, or files (tests, demonstrations)."""

    input: str | None = None
    """``wav:A.wav,B.wav`` (a number is seconds of quiet) in place of the microphone."""
    fast: bool = False
    """With ``input``: a simulated clock, not real time."""
    output: Path | None = None
    """A WAV file to record the guide into, in place of the speaker."""


@dataclass(frozen=True, slots=True)
class GuideSettings:
    content: Path | None = None
    """A reviewed content folder in place of the shipped one."""
    docs: Path | None = None
    """An index of the deployment's own articles, from ``voiceguide build``."""


@dataclass(frozen=True, slots=True)
class KioskSettings:
    idle_timeout: float = 120.0
    """Seconds with nobody talking and nothing running before the conversation is
    forgotten, so the next person starts fresh."""
    health_file: Path | None = None
    """The heartbeat file; None is the service's default place."""

    MIN_IDLE = 10.0
    """Under ten seconds a person pausing to think is forgotten."""
    MAX_IDLE = 3600.0
    """Over an hour the next person reads the last one's words. There is no "off": a
    kiosk is for whoever comes next."""


@dataclass(frozen=True, slots=True)
class CaptionsSettings:
    enabled: bool = True
    """The kiosk's captions page."""
    address: tuple[str, int] = ("127.0.0.1", 8765)
    """Host (without IPv6 brackets) and port, as a socket server takes them."""
    allow_remote: bool = False
    token: str = ""
    """Asked of other computers; without it they may read the screen but not press."""
    hosts: tuple[str, ...] = ()
    """Names other computers may reach the screen by, besides its IP addresses."""
    night_from: time | None = None
    """Local time the screen dims at; None never dims."""
    night_until: time = time(7)
    night_brightness: float = 0.5
    """0.1 to 1: the share of full brightness through the night."""
    printed: bool = False
    """``listen``: also print what is heard and said, for someone reading along."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    file: Path | None = None
    """JSON lines go here, appended; None writes them to standard error."""
    transcripts: bool = False
    """Also log the words heard. Recordings are never kept: there is no key for it."""


@dataclass(frozen=True, slots=True)
class Settings:
    match: MatchSettings = field(default_factory=MatchSettings)
    dialogue: DialogueSettings = field(default_factory=DialogueSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)
    recogniser: RecogniserSettings = field(default_factory=RecogniserSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    guide: GuideSettings = field(default_factory=GuideSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    captions: CaptionsSettings = field(default_factory=CaptionsSettings)
    log: LogSettings = field(default_factory=LogSettings)
    given: frozenset[str] = frozenset()
    """The keys a settings file or the command line set (``"voice.rate"``): where a
    setting and something the person chose meet, such as the voice they asked for last
    night, a value given outright wins, and a default does not."""

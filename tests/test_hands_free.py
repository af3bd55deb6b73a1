"""A night out loud: real synthesised speech in, the real recogniser, the dialogue, real
synthesis out into a WAV sink, on a clock the audio itself moves."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import load_script
from voiceguide.asr import Transcript
from voiceguide.asr.choose import make_recognizer
from voiceguide.asr.wake import WakeSpotter
from voiceguide.audio.sinks import TimelineSink, WavSink
from voiceguide.audio.sources import Quiet, WavSource
from voiceguide.audio.wav import RATE, pcm_bytes, read_wav, write_wav
from voiceguide.clock import ManualClock
from voiceguide.dialogue.events import Say
from voiceguide.guide import Guide
from voiceguide.loop.live import VoiceLoop, is_echo, talk_over
from voiceguide.loop.session import Session
from voiceguide.loop.turn import Turn
from voiceguide.settings import ListenSettings
from voiceguide.speech.synth import EspeakSynthesizer
from voiceguide.speech.voice import Voice
from voiceguide.speech.voiced import VoiceSpeaker
from voiceguide.testing import repertoire

pytestmark = pytest.mark.speech

Render = Callable[..., list[Any]]


class Night:
    """One conversation through the whole audio path, on a manual clock."""

    def __init__(self, guide: Guide, out: Path, settings: ListenSettings | None = None,
                 wake: WakeSpotter | None = None) -> None:
        self.clock = ManualClock()
        self.sink = WavSink(out, self.clock)
        self.speaker = VoiceSpeaker(EspeakSynthesizer(), self.sink, self.clock)
        self.session = Session(guide, self.speaker, self.clock,
                               speech_ends=self.speaker.ends_at)
        recognizer = make_recognizer(guide.kb, "pocketsphinx")
        self.loop = VoiceLoop(self.session, recognizer, self.speaker, self.sink, settings,
                              wake)

    def play(self, items: list[Path | Quiet]) -> list[Turn]:
        source = WavSource(items, self.clock, fast=True, ready=self.loop.waiting_for_person,
                           settled=self.loop.settled)
        self.loop.run(source)
        self.sink.close()
        return list(self.loop.turns)


def find(recording: np.ndarray, clip: np.ndarray) -> list[float]:
    """Seconds into ``recording`` where ``clip`` plays: proof that this audio is in the
    capture, and when. espeak-ng renders a sentence a little differently each time, so
    the true place scores about 0.7 (normalised cross-correlation); other speech scores
    under 0.3."""
    size = 1 << (recording.size + clip.size).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(clip, size)),
                        size)[:recording.size]
    energy = np.convolve(recording ** 2, np.ones(clip.size), "full")[clip.size - 1:]
    score = corr / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(clip))
    hits = np.flatnonzero(score > 0.5)
    starts = [int(h) for i, h in enumerate(hits) if i == 0 or h - hits[i - 1] > RATE]
    return [start / RATE for start in starts]


def test_cramp_countdown_better_no_goodbye_all_out_loud(guide: Guide, speech: Render,
                                                         tmp_path: Path) -> None:
    clips = speech([("cramp.relief", "my calf is cramping"),
                    ("control.better", "yes it's easing"),
                    ("control.no", "no thank you")])
    night = Night(guide, tmp_path / "guide.wav")
    turns = night.play([clip.path for clip in clips])

    assert [t.match.intent for t in turns if t.match] == [
        "cramp.relief", "control.better", "control.no"]
    audio = read_wav(tmp_path / "guide.wav").astype(np.float64) / 32768
    synth, volume = EspeakSynthesizer(), night.speaker.voice.volume
    instructions = find(audio, synth.render("Hold it there.", 150) * volume)
    twenty = find(audio, synth.render("Twenty seconds.", 150) * volume)
    checkin = find(audio, synth.render("Is the cramp easing?", 150) * volume)
    assert len(instructions) == len(twenty) == len(checkin) == 1
    # The countdown runs after the instructions, ten seconds into the thirty-second
    # hold, and the check-in comes after it.
    assert 9.5 < twenty[0] - instructions[0] < 14
    assert checkin[0] > twenty[0] + 20


def test_the_hold_starts_once_its_instructions_have_been_heard(guide: Guide, speech: Render,
                                                               tmp_path: Path) -> None:
    clips = speech([("cramp.relief", "my calf is cramping")])
    night = Night(guide, tmp_path / "guide.wav")
    night.play([clips[0].path])
    audio = read_wav(tmp_path / "guide.wav").astype(np.float64) / 32768
    # The welcome, the instructions, a thirty-second hold, then the check-in: the
    # countdown may not overlap the instructions, so the recording outlasts them all.
    spoken = np.flatnonzero(np.abs(audio) > 0.01)
    assert spoken.size and (spoken[-1] - spoken[0]) / RATE > 30 + 20


def said_over(guide: Guide, speech: Render, tmp_path: Path, intent: str, text: str
              ) -> tuple[Night, list[Turn]]:
    """Say "my calf is cramping", then ``text`` two seconds later, over the guide."""
    cramp, over = speech([("cramp.relief", "my calf is cramping"), (intent, text)])
    night = Night(guide, tmp_path / "guide.wav")
    return night, night.play([cramp.path, Quiet(2.0), over.path])


def test_stop_cuts_the_guide_off_mid_sentence(guide: Guide, speech: Render,
                                              tmp_path: Path) -> None:
    night, turns = said_over(guide, speech, tmp_path, "control.stop", "stop")

    barge = [t for t in turns if t.why == "barge_in"]
    assert barge and barge[0].match is not None
    assert barge[0].match.intent == "control.stop"
    assert night.session.mode == "idle"
    assert not night.session.timers  # the hold's countdown went with it


def test_talk_over_the_guide_that_is_not_a_control_is_ignored(guide: Guide, speech: Render,
                                                              tmp_path: Path) -> None:
    night, turns = said_over(guide, speech, tmp_path, "out_of_scope",
                             "what time is the football on")
    assert [t.why for t in turns][:2] == ["answered", "talk_over"]
    assert night.session.mode in ("routine", "checkin", "offer", "idle")
    assert any(t.match and t.match.intent == "cramp.relief" for t in turns)


def test_its_own_voice_played_back_does_not_trigger_barge_in(guide: Guide,
                                                             tmp_path: Path) -> None:
    # The guide's own welcome, rendered by its own synthesiser, arrives at the
    # microphone while it is still saying it: an echo, not a person.
    synth = EspeakSynthesizer()
    welcome = guide.kb.prompts["welcome"]
    echo = tmp_path / "echo.wav"
    write_wav(echo, synth.render(welcome, 150) * 0.5)
    night = Night(guide, tmp_path / "guide.wav")
    turns = night.play([Quiet(0.5), echo])
    assert all(t.why in ("echo", "talk_over") for t in turns[:1])
    assert not any(t.why == "barge_in" for t in turns)


def test_an_echo_is_only_what_was_sounding_while_the_person_spoke(guide: Guide) -> None:
    # The welcome gives an example; a person who says it over the next sentence means
    # it, while the example itself coming back through the microphone is an echo.
    clock = ManualClock()
    speaker = VoiceSpeaker(EspeakSynthesizer(), TimelineSink(clock), clock)
    example = "Tell me what is happening, for example, my calf is cramping."
    speaker.speak(Say(f"{example} Everything here works by voice, and nothing needs a "
                      "screen, so you can keep your eyes closed the whole time.", "welcome"))
    settings = ListenSettings()
    said = "my calf is cramping"

    def verdict(utterance_seconds: float) -> str:
        heard = speaker.sounding_within(utterance_seconds)
        return talk_over(guide.matcher.match(said), Transcript(said, 0.9), heard, settings)

    clock.set(2.0)  # the example is still sounding
    assert verdict(1.5) == "echo"
    first_ends = EspeakSynthesizer().render(example, Voice().rate).size / RATE
    clock.set(first_ends + 1.5)  # into the second sentence
    assert speaker.ends_at() > clock.monotonic() + 1.0, "the second sentence is playing"
    assert verdict(1.2) == "talk_over"
    speaker.stop()
    assert speaker.sounding_within(60.0) == []


def test_echo_check_compares_words_with_what_is_being_said() -> None:
    recent = ["Say stop at any time.", "Hold it there."]
    assert is_echo("say stop at any", recent, 0.6)
    assert is_echo("pause", ["Paused."], 0.6)
    assert not is_echo("stop", ["Hold it there."], 0.6)
    assert not is_echo("", recent, 0.6)


def test_over_the_guide_only_a_short_clear_control_or_a_sure_emergency_cuts_in(
        guide: Guide) -> None:
    settings = ListenSettings()
    saying = ["A stretch should feel like a pull, not a pain."]

    def verdict(text: str, asr_confidence: float = 0.9) -> str:
        return talk_over(guide.matcher.match(text), Transcript(text, asr_confidence),
                         saying, settings)

    assert verdict("stop") == "barge_in"
    assert verdict("say that again") == "barge_in"
    # The guide's own words misheard with "stop" inside (measured on its voice).
    assert verdict("stop the my will do") == "talk_over"
    assert verdict("a stretch should feel like a pull") == "echo"
    assert verdict("my leg is swollen and hot") == "barge_in"
    assert verdict("my leg is swollen and hot", asr_confidence=0.1) == "talk_over"


def test_files_that_end_abruptly_still_wait_for_the_answer(guide: Guide, speech: Render,
                                                          tmp_path: Path) -> None:
    # Clips cut right at the last word: the end of "my calf is cramping" is only
    # noticed in the silence after it, and the next file must wait for the answer,
    # the hold and the check-in rather than being fed over them.
    clips = speech([("cramp.relief", "my calf is cramping"),
                    ("control.better", "yes it's easing")])
    cut = []
    for clip in clips:
        samples = read_wav(clip.path)
        loud = np.flatnonzero(np.abs(samples) > 300)
        cut.append(tmp_path / clip.path.name)
        write_wav(cut[-1], samples[loud[0]:loud[-1] + 1].astype(np.float64) / 32768)
    turns = Night(guide, tmp_path / "guide.wav").play(cut)
    assert [t.why for t in turns] == ["answered", "answered"]
    assert [t.match.intent for t in turns if t.match] == ["cramp.relief", "control.better"]


def test_wake_phrase_is_spotted_and_opens_a_window(guide: Guide, speech: Render,
                                                   tmp_path: Path) -> None:
    wake_clip, cramp = speech([("wake", "hello guide"), ("cramp.relief", "my calf is cramping")])
    settings = ListenSettings(activation="wake")
    spotter = WakeSpotter(settings.wake_phrase, settings.wake_threshold)
    assert spotter.spotted(pcm_bytes(read_wav(wake_clip.path)))
    night = Night(guide, tmp_path / "guide.wav", settings, spotter)
    turns = night.play([cramp.path, wake_clip.path, cramp.path])
    whys = [t.why for t in turns]
    # Without the wake phrase the first cramp is not acted on; after it, it is.
    assert whys[0] == "wake"
    assert turns[1].match is not None and turns[1].match.intent == "cramp.relief"


def test_an_unanswered_timer_chime_stops_by_itself() -> None:
    from voiceguide.audio.earcons import NAMES, earcon

    chime = earcon("timer_done")
    assert 3.0 < chime.size / RATE < 10.0
    assert np.abs(chime[-RATE // 200:]).max() < 0.02  # it fades out, no click
    shapes = {name: earcon(name).size for name in NAMES}
    assert len(set(shapes.values())) == len(NAMES)  # each sounds different
    with pytest.raises(KeyError):
        earcon("fanfare")


def test_push_to_talk_listens_only_after_the_key(guide: Guide, speech: Render,
                                                 tmp_path: Path) -> None:
    cramp = speech([("cramp.relief", "my calf is cramping")])[0]
    night = Night(guide, tmp_path / "guide.wav", ListenSettings(activation="key"))
    turns = night.play([cramp.path])
    assert turns == []  # no key, no listening while idle
    night = Night(guide, tmp_path / "guide2.wav", ListenSettings(activation="key"))

    def press_space_when_the_guide_is_quiet() -> bool:
        if night.loop.waiting_for_person():
            night.loop.command("talk")
            return True
        return False

    source = WavSource([cramp.path], night.clock, fast=True,
                       ready=press_space_when_the_guide_is_quiet,
                       settled=night.loop.settled)
    night.loop.run(source)
    turns = night.loop.turns
    assert turns and turns[0].match is not None
    assert turns[0].match.intent == "cramp.relief"


def test_its_own_repertoire_heard_back_rarely_cuts_it_off(guide: Guide) -> None:
    # A sixth of everything the guide says, in its own voice, fed back to its own
    # recogniser as if the microphone heard the speaker. The whole repertoire is
    # measured by scripts/measure_false_triggers.py (2 of 216 clean).
    measure = load_script("measure_false_triggers")
    recognizer = make_recognizer(guide.kb, "pocketsphinx")
    sentences = repertoire(guide)[::6]
    echoes = measure.hear_back(guide, recognizer, EspeakSynthesizer(), sentences)
    assert len(echoes) == len(sentences) > 30
    false = [e for e in echoes if e.false_trigger]
    assert len(false) <= 0.05 * len(echoes), false


def test_every_sentence_is_spoken_at_its_own_rate_whoever_spoke_before_it() -> None:
    # A countdown voice and an answer voice at different rates, interleaved and from
    # two threads at once: pyttsx3's driver once let one sentence take the rate of the
    # sentence before it (3 in 60), and a countdown line went missing from a night.
    guide_voice, other_voice = EspeakSynthesizer(), EspeakSynthesizer()
    wanted = guide_voice.render("Twenty seconds.", 150).size
    with ThreadPoolExecutor(2) as pool:
        ours = [pool.submit(guide_voice.render, "Twenty seconds.", 150) for _ in range(20)]
        theirs = [pool.submit(other_voice.render, "Hold it there.", rate)
                  for rate in (110, 200) * 10]
        sizes = [future.result().size for future in ours]
        assert all(future.result().size > 0 for future in theirs)
    assert all(abs(size - wanted) < 0.01 * wanted for size in sizes), sizes
    assert other_voice.render("Twenty seconds.", 110).size > 1.2 * wanted

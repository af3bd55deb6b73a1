"""The cascade (PocketSphinx, then Whisper when unsure), its judge, and how ``--asr``
chooses a recogniser: what runs without a model first, then the real Whisper base."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support import needs_whisper as needs_model
from voiceguide.asr import Transcript, transcribe
from voiceguide.asr import whisper_model as fixture
from voiceguide.asr.cascade import CascadeRecognizer
from voiceguide.asr.choose import find_whisper_model, make_recognizer
from voiceguide.assemble import sure_of_hearing
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.cli import main
from voiceguide.errors import ModelError
from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE
from voiceguide.match.heard import SureOfHearing, heard_as


class Fixed:
    """Hears ``transcript`` whatever is said, and counts what it was given."""

    def __init__(self, name: str, transcript: Transcript | Exception) -> None:
        self.name = name
        self.transcript = transcript
        self.fed = 0
        self.finished = 0

    def start(self) -> None:
        self.fed = 0

    def accept(self, pcm: bytes) -> Transcript | None:
        self.fed += len(pcm)
        return None

    def finish(self) -> Transcript:
        self.finished += 1
        if isinstance(self.transcript, Exception):
            raise self.transcript
        return self.transcript


def cascade_of(guide: Guide, quick: Transcript, strong: Transcript | Exception
               ) -> tuple[CascadeRecognizer, Fixed, Fixed]:
    fast, slow = Fixed("pocketsphinx:mix", quick), Fixed("whisper:base", strong)
    return CascadeRecognizer(fast, slow, sure_of_hearing(guide)), fast, slow


SECOND = bytes(32000)


def test_a_sure_hearing_stands_and_whisper_is_not_asked(guide: Guide) -> None:
    cascade, fast, slow = cascade_of(guide, Transcript("my calf is cramping", 0.95),
                                     Transcript("never asked", 0.9))
    heard = transcribe(cascade, SECOND)
    assert heard.text == "my calf is cramping"
    assert (fast.finished, slow.finished, cascade.last_route) == (1, 0, "fast")
    assert cascade.name == "cascade:pocketsphinx:mix+whisper:base"


def test_an_unsure_hearing_goes_to_whisper_with_the_same_audio(guide: Guide) -> None:
    quick = Transcript("my cough is cramp in", 0.2, alternatives=("my calf is cramp in",))
    cascade, fast, slow = cascade_of(guide, quick, Transcript("my calf is cramping", 0.9))
    heard = transcribe(cascade, SECOND, chunk=4000)
    assert slow.fed == fast.fed == len(SECOND)
    assert (heard.text, heard.confidence, cascade.last_route) == (
        "my calf is cramping", 0.9, "strong")
    # PocketSphinx's hearings are kept behind Whisper's, for the danger check.
    assert heard.alternatives == ("my cough is cramp in", "my calf is cramp in")


def test_a_danger_in_any_hearing_is_always_heard_twice(guide: Guide) -> None:
    judge = sure_of_hearing(guide)
    assert judge(Transcript("my calf is cramping", 0.95))
    assert not judge(Transcript("my calf is cramping", 0.95,
                                alternatives=("my leg is swollen and hot",)))
    assert not judge(Transcript("i can't breathe", 0.99)), "an emergency itself"
    assert not judge(Transcript("my calf is cramping", 0.2)), "PocketSphinx unsure"
    assert not judge(Transcript("stir in the onions", 0.95)), "refused by the matcher"
    assert not judge(Transcript("", 1.0))


def test_the_floors_decide_how_sure_is_sure(guide: Guide) -> None:
    said = Transcript("my calf is cramping", 0.7)
    assert SureOfHearing(guide.matcher, guide.triage, 0.5, 0.6)(said)
    assert not SureOfHearing(guide.matcher, guide.triage, 0.5, 0.75)(said)
    assert not SureOfHearing(guide.matcher, guide.triage, 1.01, 0.0)(said)


@pytest.mark.parametrize("whisper", [
    Transcript("my leg is so long and rot", 0.3),  # unsure, and not understood
    Transcript("my leg is sore", 0.9),  # sure, and understood as something else
])
def test_a_danger_only_pocketsphinx_heard_is_asked_about(guide: Guide,
                                                         whisper: Transcript) -> None:
    # The two recognisers disagree about a danger: the guide asks, never drops it.
    quick = Transcript("my leg is swollen and hot", 0.5)
    cascade, _, _ = cascade_of(guide, quick, whisper)
    heard = transcribe(cascade, SECOND)
    assert (heard.text, heard.overruled) == (whisper.text, quick.text)
    match = heard_as(guide.matcher.match(heard.text), heard, guide.settings.listen,
                     guide.triage)
    assert (match.intent, match.outcome, match.confirm) == (
        EMERGENCY, "confirm", "your leg is swollen")


def test_a_failing_whisper_leaves_pocketsphinx_working(
        guide: Guide, caplog: pytest.LogCaptureFixture) -> None:
    quick = Transcript("my calf is cramp in", 0.2)
    cascade, _, slow = cascade_of(guide, quick, EOFError("the Whisper process ended"))
    with caplog.at_level(logging.ERROR):
        assert transcribe(cascade, SECOND) == quick
        assert transcribe(cascade, SECOND) == quick
    assert slow.finished == 2 and cascade.last_route == "fast"
    assert len(caplog.records) == 1, "logged once, not every turn"


# --- Choosing a recogniser ---------------------------------------------------------

@pytest.fixture
def no_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("VOICEGUIDE_MODELS", str(models))
    monkeypatch.delenv("VOICEGUIDE_WHISPER_MODEL", raising=False)
    monkeypatch.delenv("VOICEGUIDE_VOSK_MODEL", raising=False)
    return models


def test_whisper_without_a_model_names_the_download_in_one_line(
        guide: Guide, no_models: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for engine in ("whisper", "cascade"):
        with pytest.raises(ModelError) as caught:
            make_recognizer(guide.kb, engine, sure=sure_of_hearing(guide))
        assert "run `voiceguide models download whisper-base.en`" in str(caught.value)
        assert "\n" not in str(caught.value)
    wav = tmp_path / "quiet.wav"
    wav.write_bytes(b"")  # never read: the recogniser fails first
    assert main(["transcribe", "--asr", "whisper", str(wav)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("voiceguide: error: no Whisper model")
    assert main(["transcribe", "--asr", "cascade", "--asr-threads", "0", str(wav)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["voiceguide: error: --asr-threads 0 is out of range; give 1 to 16"]


def test_installed_whisper_models_are_found_base_first(
        no_models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_whisper_model() is None
    (no_models / "faster-whisper-tiny.en").mkdir()
    assert find_whisper_model() == no_models / "faster-whisper-tiny.en"
    (no_models / "faster-whisper-base.en").mkdir()
    assert find_whisper_model() == no_models / "faster-whisper-base.en"
    monkeypatch.setenv("VOICEGUIDE_WHISPER_MODEL", "/elsewhere")
    assert find_whisper_model() == Path("/elsewhere")
    assert find_whisper_model(Path("/given")) == Path("/given")


def test_auto_without_whisper_or_vosk_is_pocketsphinx_and_says_why(
        guide: Guide, no_models: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="voiceguide.asr.choose"):
        recognizer = make_recognizer(guide.kb, "auto", sure=sure_of_hearing(guide))
    assert recognizer.name.startswith("pocketsphinx")
    said = [r.getMessage() for r in caplog.records]
    assert said == [f"recogniser: {recognizer.name}, because no Whisper or Vosk model is "
                    "installed (`voiceguide models download whisper-base.en` adds one)"]


def test_auto_passes_over_a_broken_whisper_model(
        guide: Guide, no_models: Path, caplog: pytest.LogCaptureFixture) -> None:
    (no_models / "faster-whisper-base.en").mkdir()  # a download that lost its files
    with caplog.at_level(logging.INFO, logger="voiceguide.asr.choose"):
        recognizer = make_recognizer(guide.kb, "auto", sure=sure_of_hearing(guide))
    assert recognizer.name.startswith("pocketsphinx")
    levels = [(r.levelname, r.getMessage().split(";")[0]) for r in caplog.records]
    assert "Whisper" in levels[0][1] or "whisper" in levels[0][1]
    assert [level for level, _ in levels] == ["WARNING", "INFO"]


def test_models_list_on_the_command_line(no_models: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.startswith(f"no models installed in {no_models}")
    folder = no_models / "faster-whisper-tiny.en"
    folder.mkdir()
    (folder / "model.bin").write_bytes(bytes(1024 * 1024))
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"faster-whisper-tiny.en\twhisper\t1.0 MB\t{folder}"]
    elsewhere = no_models.parent / "my-whisper"
    elsewhere.mkdir()
    (elsewhere / "model.bin").write_bytes(bytes(2 * 1024 * 1024))
    monkeypatch.setenv("VOICEGUIDE_WHISPER_MODEL", str(elsewhere))
    assert main(["models", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"my-whisper ($VOICEGUIDE_WHISPER_MODEL)\twhisper\t2.0 MB\t{elsewhere}")


# --- On the real model -------------------------------------------------------------

@pytest.fixture(scope="module")
def cascade(guide: Guide) -> CascadeRecognizer:
    made = make_recognizer(guide.kb, "cascade", whisper_model=fixture.assemble(),
                           sure=sure_of_hearing(guide))
    assert isinstance(made, CascadeRecognizer)
    return made


def acted_on(guide: Guide, heard: Transcript) -> str:
    match = heard_as(guide.matcher.match(heard.text), heard, guide.settings.listen,
                     guide.triage)
    return match.intent if match.outcome == "accept" else OUT_OF_SCOPE


@pytest.mark.whisper
@needs_model
@pytest.mark.parametrize("intent, text, voice, snr, route", [
    # Clear and sure: PocketSphinx alone, about a tenth of the time.
    ("cramp.relief", "my calf is cramping badly", "flite:kal", "clean", "fast"),
    # Danger is always heard twice; PocketSphinx is lost in pink noise at 10 dB here.
    ("emergency", "my leg is swollen and hot", "flite:kal", "10", "strong"),
    ("restless_legs", "my legs are so restless tonight", "flite:awb", "10", "strong"),
])
def test_the_cascade_on_real_speech(guide: Guide, cascade: CascadeRecognizer, speech,
                                    intent: str, text: str, voice: str, snr: str,
                                    route: str) -> None:
    clip = speech([(intent, text)], voices=(voice,), snrs=(snr,))[0]
    heard = transcribe(cascade, pcm_bytes(read_wav(clip.path)))
    assert cascade.last_route == route, f"{text!r} ({voice}, {snr}) heard as {heard}"
    assert acted_on(guide, heard) == intent, f"{text!r} ({voice}, {snr}) heard as {heard}"


@pytest.mark.whisper
@needs_model
def test_auto_takes_the_cascade_when_whisper_is_installed(
        guide: Guide, no_models: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    model = fixture.assemble()
    monkeypatch.setenv("VOICEGUIDE_WHISPER_MODEL", str(model))
    with caplog.at_level(logging.INFO, logger="voiceguide.asr.choose"):
        recognizer = make_recognizer(guide.kb, "auto", sure=sure_of_hearing(guide))
    assert isinstance(recognizer, CascadeRecognizer)
    recognizer.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"recogniser: {recognizer.name}, because a Whisper model is installed at {model}"]
    # Without the matcher to judge PocketSphinx, auto does not take the cascade.
    alone = make_recognizer(guide.kb, "auto")
    assert alone.name.startswith("pocketsphinx")


def test_the_benchmark_measures_the_cascade_when_a_model_is_installed(
        no_models: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.bench.speech import Setup, available_setups

    setups, skipped = available_setups(["mix"], False, whisper=["cascade"])
    assert setups == [Setup("pocketsphinx", "mix")]
    assert skipped == ["cascade: no Whisper model installed (`voiceguide models download "
                       "whisper-base.en`), so not measured"]
    model = no_models.parent / "whisper-base"
    model.mkdir()
    monkeypatch.setenv("VOICEGUIDE_WHISPER_MODEL", str(model))
    setups, skipped = available_setups([], False, whisper=["whisper", "cascade"])
    assert [s.name for s in setups] == ["whisper:whisper-base", "cascade:whisper-base"]
    assert skipped == []

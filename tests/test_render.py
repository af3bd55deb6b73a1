"""The speech-test renderer (voiceguide/bench/render.py) and the spoken test set it reads.

Rendering tests use flite and sox only, on one short line, so they stay fast; they skip
when those programs are missing."""

from __future__ import annotations

import csv
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest

from voiceguide.bench import render as R
from voiceguide.bench.labelled import DATA, OUT_OF_SCOPE
from voiceguide.errors import BenchError
from voiceguide.guide import Guide

SPEECH = DATA / "speech"
PARTS = ("requests.tsv", "requests_heldout.tsv")
STYLES = {"plain", "sleepy", "quiet", "urgent"}


def _rows(name: str) -> list[dict[str, str]]:
    with (SPEECH / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", "", text.lower().replace("'", "")).split())


@pytest.mark.parametrize("spec,label", [
    ("clean", "clean"), ("10", "10"), (20.0, "20"), ("pink:6", "6"), ("fan:10", "fan-10"),
    ("babble:3", "babble-3"), ("snore:6.5", "snore-6.5"), ("reverb", "reverb"),
    ("sleepy", "sleepy"), ("chime", "chime"), ("quiet", "quiet")])
def test_condition_labels(spec: str | float, label: str) -> None:
    # Pink noise keeps the older spelling, so clips cached before stay valid.
    assert R.Condition.parse(spec).label == label


@pytest.mark.parametrize("spec", ["loud", "fan:", "hail:10", "fan:x", "nan"])
def test_bad_condition_is_one_line(spec: str) -> None:
    with pytest.raises(BenchError) as caught:
        R.Condition.parse(spec)
    assert "\n" not in str(caught.value)


def test_suite_keeps_the_held_out_noise_apart() -> None:
    dev = R.suite_conditions()
    assert not any(c.startswith(R.HELD_OUT_NOISES) for c in dev)
    assert {f"{n}:3" for n in R.HELD_OUT_NOISES} <= set(R.suite_conditions(True))
    assert not set(R.HELD_OUT_VOICES) & set(R.SUITE_VOICES)


def test_festival_voices_parse_and_unknown_ones_are_refused() -> None:
    voice = R.Voice.parse("festival:slt")
    assert (voice.engine, voice.name, voice.tool, voice.slug) == (
        "festival", "slt", "text2wave", "festival-slt")
    with pytest.raises(R.RenderError, match="festival voice 'kal' is not one of"):
        R.check_voices([R.Voice.parse("festival:kal")])


def test_mix_over_the_whole_bank_keeps_a_quiet_stretch_quiet() -> None:
    """A bursty noise is levelled by its long-term power, not the clip's own segment."""
    speech = (np.sin(np.arange(8000) / 5) * 8000).astype(np.int16)
    bank = np.concatenate([np.full(16000, 1.0), np.zeros(144000)])  # one burst, then quiet
    bank[16000::2] = 0.001
    quiet_key = next(k for k in map(str, range(100))
                     if zlib.crc32(k.encode()) % (len(bank) - 8000 + 1) > 20000)
    whole = R.mix(speech, bank, 10, quiet_key, whole_bank=True)
    segment = R.mix(speech, bank, 10, quiet_key)
    assert np.abs(whole - speech).max() < np.abs(segment - speech).max()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[R.RenderedClip]]:
    if not (shutil.which("flite") and shutil.which("sox")):
        pytest.skip("flite and sox are needed to render speech")
    folder = tmp_path_factory.mktemp("render")
    clips = R.render([("cramp.relief", "my calf is cramping")], folder, ["flite:kal16"],
                     ["clean", "fan:10", "quiet", "chime", "reverb", "sleepy"], jobs=1)
    return folder, clips


def test_conditions_do_what_they_say(rendered: tuple[Path, list[R.RenderedClip]]) -> None:
    _, clips = rendered
    audio = {clip.snr: R.read_wav(clip.path).astype(np.float64) for clip in clips}
    clean = audio["clean"]
    noise = audio["fan-10"] - clean
    assert 10 * np.log10(R.speech_power(clean) / (noise**2).mean()) == pytest.approx(10, abs=1)
    assert 10 * np.log10(R.speech_power(audio["quiet"]) / R.speech_power(clean)) == (
        pytest.approx(R.QUIET_DB, abs=0.2))
    # The chime's 523 Hz note comes first, and speech starts within half a second of it.
    lead = int(R.PAD_BEFORE * R.RATE)
    first = audio["chime"][lead:lead + 1200]
    spectrum = np.abs(np.fft.rfft(first))
    assert abs(np.argmax(spectrum) * R.RATE / len(first) - 523) < 30
    assert len(audio["sleepy"]) > len(clean) + R.SLEEPY_PAUSE * R.RATE
    assert len(audio["reverb"]) == len(clean)


def test_clips_are_cached_and_never_rendered_again(
        rendered: tuple[Path, list[R.RenderedClip]]) -> None:
    folder, clips = rendered
    before = {clip.path: clip.path.stat().st_mtime_ns for clip in clips}
    again = R.render([("cramp.relief", "my calf is cramping")], folder, ["flite:kal16"],
                     ["clean", "fan:10", "quiet", "chime", "reverb", "sleepy"], jobs=1)
    assert {clip.path: clip.path.stat().st_mtime_ns for clip in again} == before
    assert (folder / "_noise" / "fan.wav").exists()


def test_cli_refuses_an_unknown_condition_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert R.main([str(tmp_path), "--conditions", "hail:10", "--limit", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("render_speech: condition 'hail:10'") and "\n" not in err


def test_speech_set_is_complete_and_split(guide: Guide) -> None:
    dev, held = (_rows(name) for name in PARTS)
    known = {intent.public_id for intent in guide.kb.intents.values()} | {OUT_OF_SCOPE}
    for rows in (dev, held):
        assert all(set(row) == {"intent", "text", "style"} for row in rows)
        assert {row["intent"] for row in rows} == known, "every intent in both parts"
        assert {row["style"] for row in rows} <= STYLES
    assert len(dev) >= 200 and 0.25 <= len(held) / (len(dev) + len(held)) <= 0.34
    for rows in (dev,):
        assert sum(row["intent"] == "emergency" for row in rows) >= 25
        assert sum(row["intent"] == OUT_OF_SCOPE for row in rows) >= 25
    texts = [_plain(row["text"]) for row in dev + held]
    assert len(texts) == len(set(texts)), "a line is in the set twice, or in both parts"


def test_speech_set_copies_no_other_test_line() -> None:
    mine = {_plain(row["text"]) for name in PARTS for row in _rows(name)}
    others = set()
    for path in [*DATA.glob("*.tsv"), *(DATA / "understanding").glob("*.tsv"),
                 *(DATA / "safety").glob("*.tsv")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            others.update(_plain(cell) for cell in line.split("\t"))
    assert not mine & others

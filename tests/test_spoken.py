"""Spoken utterances, rendered by real synthesisers at test time, through ``voiceguide
ask``: the intent is graded, not the words. The floors sit a little under what was
measured on this set (flite awb and kal, every third row of spoken.tsv: 84.8% of clean
in-scope clips acted on rightly, 21% at 10 dB, 86% of clean out-of-scope clips
refused), so a regression in recognition or matching shows up here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import DATA, ROOT

pytestmark = pytest.mark.speech

Render = Any


def spoken_rows(every: int) -> list[tuple[str, str]]:
    lines = (DATA / "spoken.tsv").read_text(encoding="utf-8").splitlines()[1:]
    rows = [tuple(line.split("\t")[:2]) for line in lines]
    return [(intent, text) for intent, text in rows[::every]]


def ask(paths: list[Path], *extra: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", "ask", "--json", "--asr", "pocketsphinx",
         *extra, "--wav", *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def acted_on(record: dict[str, Any]) -> str:
    return record["intent"] if record["outcome"] == "accept" else "out_of_scope"


@pytest.fixture(scope="module")
def heard(speech: Render) -> list[tuple[Any, dict[str, Any]]]:
    clips = speech(spoken_rows(every=3), voices=("flite:awb", "flite:kal"),
                   snrs=("clean", "10"))
    return list(zip(clips, ask([c.path for c in clips], "--no-speech"), strict=True))


def share(pairs: list[tuple[Any, dict[str, Any]]]) -> float:
    return sum(acted_on(r) == c.intent for c, r in pairs) / len(pairs)


def test_clean_speech_is_understood(heard: list[tuple[Any, dict[str, Any]]]) -> None:
    clean = [(c, r) for c, r in heard if c.snr == "clean" and c.intent != "out_of_scope"]
    assert len(clean) >= 50
    assert share(clean) >= 0.75


def test_television_talk_is_not_taken_for_a_request(
        heard: list[tuple[Any, dict[str, Any]]]) -> None:
    oov = [(c, r) for c, r in heard if c.intent == "out_of_scope"]
    assert oov and all(c.path.name.startswith("oov__") for c, _ in oov)
    accepted = [r["transcript"] for c, r in oov if acted_on(r) != "out_of_scope"]
    assert len(accepted) / len(oov) <= 0.2, accepted


def test_noisy_speech_still_mostly_understood(
        heard: list[tuple[Any, dict[str, Any]]]) -> None:
    noisy = [(c, r) for c, r in heard if c.snr == "10" and c.intent != "out_of_scope"]
    assert share(noisy) >= 0.12


def test_ask_reports_timings_and_the_answer(heard: list[tuple[Any, dict[str, Any]]]) -> None:
    for _clip, record in heard:
        assert set(record) >= {"transcript", "intent", "detail", "confidence", "response",
                               "asr_ms", "match_ms", "first_audio_ms"}
        assert 0 < record["asr_ms"] < 5000
        # Only sounds heard as fillers go unanswered: the guide does not talk to a room.
        assert record["response"] or record["detail"] == "out_of_scope.noise", record


def test_a_file_that_is_not_audio_is_one_line_and_the_rest_still_run(
        speech: Render, tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    clip = speech([("control.stop", "stop")])[0]
    records = ask([text, clip.path], "--no-speech")
    assert "is not a WAV, FLAC, Ogg or MP3 file" in records[0]["error"]
    assert records[1]["transcript"] is not None

"""The command line as a user meets it: JSON lines, batch files, scripts, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import DATA, ROOT
from voiceguide.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_match_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "match", "my right calf is cramping", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["intent"] == "cramp.relief"
    assert found["slots"] == {"muscle": "calf", "side": "right"}
    assert set(found) >= {"intent", "detail", "confidence", "slots", "response"}
    assert found["response"]


def test_match_batch_tsv_with_header(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "night.tsv"
    batch.write_text("utterance\tintent\nmy foot's gone dead\tnumbness.relief\n"
                     "\nwhat's the weather\tout_of_scope\nstop\tcontrol.stop\n")
    code, out, _ = run(capsys, "match", "--batch", str(batch), "--json")
    assert code == 0
    intents = [json.loads(line)["intent"] for line in out.splitlines()]
    assert intents == ["numbness.relief", "out_of_scope", "control.stop"]


def test_match_batch_of_the_whole_dev_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "match", "--batch", str(DATA / "devset.tsv"), "--json")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len((DATA / "devset.tsv").read_text().splitlines()) - 1
    assert all(json.loads(line)["intent"] for line in lines)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing.txt", "does not exist"),
    (lambda p: p, "is a folder"),
    (lambda p: (p / "latin1.txt", (p / "latin1.txt").write_bytes(b"caf\xe9\n"))[0],
     "not UTF-8"),
])
def test_bad_batch_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    make, message: str) -> None:
    code, _, err = run(capsys, "match", "--batch", str(make(tmp_path)), "--json")
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_intents_lists_every_catalogue_id(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support import catalogue_ids

    code, out, _ = run(capsys, "intents")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines()}
    assert listed == catalogue_ids()


def test_script_prints_a_timed_night(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "script", str(DATA / "dialogues" / "cramp_night.txt"))
    assert code == 0
    assert "[00:10.0] guide: Twenty seconds." in out
    assert "[00:29.0] guide: One." in out
    assert "(timer done chime)" in out
    assert out.strip().splitlines()[-1].endswith("Rest well, and call me if you need me.")


def test_script_with_a_bad_wait(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("my calf is cramping\nwait a while\n")
    code, _, err = run(capsys, "script", str(script))
    assert code == 2
    assert "bad.txt line 2: 'wait' needs a number of seconds" in err


def test_script_says_words_that_begin_with_wait(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "night.txt"
    script.write_text("my calf is cramping\nwait 5\n> wait a minute\n")
    code, out, _ = run(capsys, "script", str(script))
    assert code == 0
    assert "[00:05.0] you: wait a minute  (control.pause" in out
    script.write_text("wait a minute\n")
    _, _, err = run(capsys, "script", str(script))
    assert "(to say it, write '> wait a minute')" in err


def test_options_work_after_the_command_as_before_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = run(capsys, "--emergency-number", "nine nine nine", "match",
                 "my leg is blue and cold", "--json")
    after = run(capsys, "match", "my leg is blue and cold", "--json", "--emergency-number",
                "nine nine nine")
    assert before == after and before[0] == 0


def test_emergency_number_is_configurable(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--emergency-number", "nine nine nine", "match",
                    "my leg is blue and cold", "--json")
    assert json.loads(out)["response"].startswith("Please call nine nine nine now.")


def test_bad_content_folder_refuses_to_start(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--content", str(tmp_path / "nope"), "intents")
    assert code == 2
    assert "does not exist" in err


def test_python_dash_m_chat_over_a_pipe() -> None:
    """A typed conversation in a real process, ending when input ends."""
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", "chat"], cwd=ROOT, text=True,
        input="what can i say\nmy foot's gone dead\nstop\ngoodbye\n",
        capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "guide: Hello." in done.stdout
    assert "Stay sitting or lying down" in done.stdout
    assert "guide: Okay, I've stopped." in done.stdout
    assert done.stdout.strip().endswith("call me if you need me.")


@pytest.mark.speech
def test_listen_plays_files_through_the_loop_and_records_the_guide(tmp_path: Path) -> None:
    speech = tmp_path / "stop.wav"
    out = tmp_path / "guide.wav"
    subprocess.run(["flite", "-voice", "awb", "-t", "goodbye", "-o", str(speech)],
                   check=True)
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", "listen", "--asr", "pocketsphinx", "--fast",
         "--input", f"wav:{speech}", "--output", f"wav:{out}"],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "guide: Hello." in done.stdout  # captions of what was said
    assert "heard: goodbye" in done.stdout
    assert out.stat().st_size > 16000 * 2 * 3  # seconds of recorded speech


@pytest.mark.speech
def test_say_to_a_file_and_a_missing_input_file(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "said.wav"
    assert main(["say", "Hold the stretch.", "--out", str(out)]) == 0
    from voiceguide.audio.wav import read_wav

    assert 0.5 < read_wav(out).size / 16000 < 5
    assert main(["listen", "--fast", "--input", f"wav:{tmp_path / 'nope.wav'}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]


def test_no_arguments_and_no_microphone_falls_back_to_typing() -> None:
    done = subprocess.run([sys.executable, "-m", "voiceguide"], input="goodbye\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("No microphone found")
    assert "guide:" in done.stdout

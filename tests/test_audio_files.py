"""Reading real WAV files into 16 kHz mono int16, and every way a file can be refused.

Most files are made at test time by sox, in the forms people actually hand us; a few
are put together byte by byte for the corners sox never writes (float in
WAVE_FORMAT_EXTENSIBLE, missing pad bytes, RF64, lying headers).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from voiceguide.audio.wav import (
    RATE,
    duration,
    from_bytes,
    pcm_bytes,
    read_wav,
    to_mono_16k,
    write_wav,
)
from voiceguide.errors import AudioFileError

HAS_SOX = shutil.which("sox") is not None
HAS_ESPEAK = shutil.which("espeak-ng") is not None
needs_sox = pytest.mark.skipif(not HAS_SOX, reason="sox is not installed; it makes the test files")
needs_espeak = pytest.mark.skipif(
    not (HAS_SOX and HAS_ESPEAK), reason="espeak-ng and sox are needed for the speech test"
)

HALF_SCALE_RMS = 0.5 * 32768 / np.sqrt(2)  # a sine at vol 0.5


def sox(out: Path, *args: str) -> Path:
    """Synthesise a file; -D turns dither off so silent channels stay exactly silent."""
    subprocess.run(["sox", "-D", "-n", *args[:-1], str(out), *args[-1].split()], check=True)
    return out


def tone_file(
    tmp_path: Path, rate: int, freq: int, options: str = "-b 16", channels: int = 1
) -> Path:
    name = f"tone-{rate}-{freq}-{channels}-{options.replace(' ', '')}.wav"
    return sox(
        tmp_path / name,
        "-r",
        str(rate),
        "-c",
        str(channels),
        *options.split(),
        f"synth 1 sine {freq} vol 0.5",
    )


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))


def dominant(y: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(y.astype(np.float64) * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1 / RATE)[np.argmax(spectrum)])


def riff(*chunks: tuple[bytes, bytes], form: bytes = b"RIFF", pad: bool = True) -> bytes:
    body = b"WAVE"
    for ident, data in chunks:
        body += ident + struct.pack("<I", len(data)) + data
        if pad and len(data) % 2:
            body += b"\0"
    return form + struct.pack("<I", len(body)) + body


def fmt(tag: int, channels: int, rate: int, bits: int, sub: int | None = None) -> bytes:
    align = channels * (bits // 8)
    head = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    if sub is None:
        return head
    guid = struct.pack("<H", sub) + bytes.fromhex("000000001000800000aa00389b71")
    return head + struct.pack("<HHI", 22, bits, 0) + guid


def sine(rate: int, freq: float, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


# ------------------------------------------------------------------ formats sox writes


@needs_sox
@pytest.mark.parametrize(
    ("rate", "options", "channels"),
    [
        (44100, "-b 16", 2),
        (44100, "-e floating-point -b 32", 2),
        (44100, "-e floating-point -b 64", 1),
        (44100, "-b 8 -e unsigned", 1),
        (44100, "-b 24", 2),  # sox writes this as WAVE_FORMAT_EXTENSIBLE
        (44100, "-b 32 -e signed", 1),
        (8000, "-b 16", 1),
        (22050, "-b 16", 2),
        (48000, "-b 16", 1),
        (96000, "-b 24", 1),
        (44100, "-b 16", 4),  # four channels: extensible with a channel mask
    ],
)
def test_common_forms_become_16k_mono_int16(
    tmp_path: Path, rate: int, options: str, channels: int
) -> None:
    y = read_wav(tone_file(tmp_path, rate, 440, options, channels))
    assert y.dtype == np.int16 and y.ndim == 1
    assert abs(duration(y) - 1.0) < 0.01
    assert abs(dominant(y) - 440) <= 2
    assert rms(y) == pytest.approx(HALF_SCALE_RMS, rel=0.03)


@needs_sox
def test_16k_16bit_mono_is_read_bit_exact(tmp_path: Path) -> None:
    path = tone_file(tmp_path, RATE, 1000)
    with wave.open(str(path)) as w:
        raw = from_bytes(w.readframes(w.getnframes()))
    assert np.array_equal(read_wav(path), raw)


@needs_sox
@pytest.mark.parametrize("rate", [48000, 44100, 22050])
def test_anti_aliasing_keeps_7k_and_removes_9k(tmp_path: Path, rate: int) -> None:
    kept = read_wav(tone_file(tmp_path, rate, 7000))
    assert abs(dominant(kept) - 7000) <= 2
    assert rms(kept) > 0.89 * HALF_SCALE_RMS  # within 1 dB in the pass band
    # 9 kHz is above the new 8 kHz Nyquist: without filtering it would fold to 7 kHz.
    # The abrupt start and end of the tone are clicks with energy at every frequency,
    # so look only at the steady middle.
    folded = read_wav(tone_file(tmp_path, rate, 9000))[320:-320]
    assert rms(folded) < 1e-3 * HALF_SCALE_RMS  # at least 60 dB down


def test_upsampling_adds_no_mirror_image() -> None:
    y = to_mono_16k(sine(8000, 3000), 8000)
    spectrum = np.abs(np.fft.rfft(y.astype(np.float64) * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / RATE)
    assert abs(freqs[np.argmax(spectrum)] - 3000) <= 2
    image = spectrum[np.abs(freqs - 5000) < 50].max()  # 8000 - 3000 would show up here
    assert image < 1e-3 * spectrum.max()


def test_odd_rate_keeps_pitch_and_length() -> None:
    y = to_mono_16k(sine(44056, 440, seconds=2.0), 44056)  # coprime-ish: 2000/5507 phases
    assert abs(len(y) - 2 * RATE) <= 1
    assert abs(dominant(y) - 440) <= 1


@needs_sox
def test_stereo_with_one_silent_channel_is_averaged(tmp_path: Path) -> None:
    mono = read_wav(tone_file(tmp_path, 44100, 440))
    lopsided = sox(
        tmp_path / "left-only.wav",
        "-r",
        "44100",
        "-c",
        "2",
        "-b",
        "16",
        "synth 1 sine 440 vol 0.5 remix 1 0",
    )
    y = read_wav(lopsided)
    assert rms(y) == pytest.approx(rms(mono) / 2, rel=0.01)
    assert np.abs(y.astype(np.int32) - mono.astype(np.int32) / 2).max() <= 1


def test_clipping_stays_in_range_and_never_wraps() -> None:
    loud = sine(44100, 440, amp=3.0)
    y = to_mono_16k(loud, 44100)
    reference = to_mono_16k(loud / 10, 44100)
    assert y.max() == 32767 and y.min() == -32768
    clear = np.abs(reference) > 100
    assert np.array_equal(np.sign(y[clear]), np.sign(reference[clear]))  # wrapping flips signs


# ------------------------------------------------------------------- hand-built files


def test_float_files_read_right_plain_and_extensible(tmp_path: Path) -> None:
    x = np.array([0.0, 0.25, -0.5, 0.999, -1.0, 1.5, -7.0, np.nan], dtype=np.float32)
    expected = np.array([0, 8192, -16384, 32735, -32768, 32767, -32768, 0], dtype=np.int16)
    for name, header, data in [
        ("plain.wav", fmt(3, 1, RATE, 32), x.astype("<f4").tobytes()),
        ("ext32.wav", fmt(0xFFFE, 1, RATE, 32, sub=3), x.astype("<f4").tobytes()),
        ("ext64.wav", fmt(0xFFFE, 1, RATE, 64, sub=3), x.astype("<f8").tobytes()),
    ]:
        path = tmp_path / name
        path.write_bytes(riff((b"fmt ", header), (b"fact", struct.pack("<I", 8)), (b"data", data)))
        assert np.array_equal(read_wav(path), expected), name


def test_odd_chunk_with_its_pad_byte_is_read_and_without_it_refused_in_one_line(
    tmp_path: Path,
) -> None:
    # The old hand-written reader also took an odd chunk whose writer left out the pad
    # byte; libsndfile (and sox) refuse such a file, and the refusal must be one line.
    samples = np.array([1, -2, 300, -32768, 32767], dtype="<i2")
    chunks = ((b"LIST", b"odd"), (b"fmt ", fmt(1, 1, RATE, 16)), (b"data", samples.tobytes()))
    padded, unpadded = tmp_path / "padded.wav", tmp_path / "unpadded.wav"
    padded.write_bytes(riff(*chunks))
    unpadded.write_bytes(riff(*chunks, pad=False))
    assert np.array_equal(read_wav(padded), samples)
    with pytest.raises(AudioFileError, match="is damaged or cut short") as caught:
        read_wav(unpadded)
    assert "\n" not in str(caught.value) and unpadded.name in str(caught.value)


def test_data_chunk_running_past_the_end_gives_what_is_there(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    samples = np.arange(-500, 500, dtype="<i2")
    whole = riff((b"fmt ", fmt(1, 1, RATE, 16)), (b"data", samples.tobytes()))
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[: len(whole) - 701])  # mid-sample: the odd byte is dropped
    y = read_wav(path)
    assert np.array_equal(y, samples[: len(samples) - 351])
    assert "cut.wav: the data chunk claims more than the file holds" in caplog.text
    caplog.clear()
    path.write_bytes(whole)
    assert np.array_equal(read_wav(path), samples)
    assert not caplog.text, "a whole file is read without a warning"


def test_rf64_with_ds64_sizes(tmp_path: Path) -> None:
    samples = np.array([5, 6, 7, 8], dtype="<i2")
    ds64 = struct.pack("<QQQI", 0, samples.nbytes, len(samples), 0)
    data = riff(
        (b"ds64", ds64), (b"fmt ", fmt(1, 1, RATE, 16)), (b"data", samples.tobytes()), form=b"RF64"
    )
    data = data[: -8 - samples.nbytes] + b"data\xff\xff\xff\xff" + samples.tobytes()
    path = tmp_path / "big.wav"
    path.write_bytes(data)
    assert np.array_equal(read_wav(path), samples)


def test_a_header_claiming_days_is_refused_before_memory_is_set_aside(tmp_path: Path) -> None:
    # A FLAC header whose total-samples field claims 2**36 - 1 (about 18 days at 44.1
    # kHz) once made the reader ask numpy for 48 GB and crash with MemoryError.
    path = tmp_path / "liar.flac"
    # Mono 16-bit FLAC: STREAMINFO's last 36 bits before byte 26 count the samples.
    head = b"fLaC" + bytes([0x80, 0, 0, 34]) + bytes(10)
    info = (44100 << 44) | (0 << 41) | (15 << 36) | (2**36 - 1)
    path.write_bytes(head + info.to_bytes(8, "big") + bytes(16))
    with pytest.raises(AudioFileError, match="too long to hold in memory") as caught:
        read_wav(path)
    assert "\n" not in str(caught.value) and "liar.flac" in str(caught.value)


# ------------------------------------------------------------------------ real speech


@needs_espeak
@pytest.mark.speech
def test_espeak_speech_matches_sox_resampling(tmp_path: Path) -> None:
    speech = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(speech), "My left calf is cramping. Please help me stretch it."],
        check=True,
    )
    with wave.open(str(speech)) as w:
        assert w.getframerate() == 22050
        seconds = w.getnframes() / w.getframerate()
    y = read_wav(speech)
    assert abs(duration(y) - seconds) < 0.01 * seconds
    reference = tmp_path / "sox16k.wav"
    subprocess.run(["sox", "-D", str(speech), "-r", "16000", str(reference)], check=True)
    with wave.open(str(reference)) as w:
        ref = from_bytes(w.readframes(w.getnframes())).astype(np.float64)
    n = min(len(ref), len(y))
    assert rms(y) > 300  # real speech, not silence
    assert np.corrcoef(y[:n].astype(np.float64), ref[:n])[0, 1] > 0.99


# ------------------------------------------------------------------------ round trip


def test_write_then_read_is_exact_and_leaves_no_temp_files(tmp_path: Path) -> None:
    samples = np.random.default_rng(7).integers(-32768, 32768, 4000).astype(np.int16)
    path = tmp_path / "out.wav"
    path.write_bytes(b"an older file that gets replaced")
    write_wav(path, samples)
    assert np.array_equal(read_wav(path), samples)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
    assert os.listdir(tmp_path) == ["out.wav"]


def test_write_into_missing_folder_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "out.wav"
    with pytest.raises(AudioFileError) as caught:
        write_wav(path, np.zeros(10, dtype=np.int16))
    assert "\n" not in str(caught.value) and "out.wav" in str(caught.value)


def test_pcm_helpers() -> None:
    samples = np.array([1, -2, 32767, -32768], dtype=np.int16)
    data = pcm_bytes(samples)
    assert data == b"\x01\x00\xfe\xff\xff\x7f\x00\x80"
    back = from_bytes(data)
    assert np.array_equal(back, samples) and back.flags.writeable
    assert duration(np.zeros(24000, dtype=np.int16)) == 1.5
    with pytest.raises(ValueError):
        from_bytes(b"\x00\x01\x02")
    with pytest.raises(TypeError):
        pcm_bytes(np.zeros(3))
    with pytest.raises(TypeError):
        to_mono_16k(samples, RATE)
    with pytest.raises(ValueError):
        to_mono_16k(np.zeros(10), 1000)


# ---------------------------------------------------------------------------- errors


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nothing-here.wav"


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.wav"
    path.mkdir()
    return path


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("my calf hurts\n")
    return path


def _mp3(tmp_path: Path) -> Path:
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64)
    return path


def _zero_bytes(tmp_path: Path) -> Path:
    path = tmp_path / "zero.wav"
    path.touch()
    return path


def _truncated(tmp_path: Path) -> Path:
    path = tmp_path / "truncated.wav"
    samples = np.zeros(100, dtype="<i2").tobytes()
    path.write_bytes(riff((b"fmt ", fmt(1, 1, RATE, 16)), (b"data", samples))[:30])
    return path


def _empty_data(tmp_path: Path) -> Path:
    path = tmp_path / "empty.wav"
    path.write_bytes(riff((b"fmt ", fmt(1, 1, RATE, 16)), (b"data", b"")))
    return path


def _no_channels(tmp_path: Path) -> Path:
    path = tmp_path / "nochannels.wav"
    path.write_bytes(riff((b"fmt ", fmt(1, 0, RATE, 16)), (b"data", b"\0" * 8)))
    return path


def _absurd_rate(tmp_path: Path) -> Path:
    path = tmp_path / "slow.wav"
    path.write_bytes(riff((b"fmt ", fmt(1, 1, 1000, 16)), (b"data", b"\0" * 8)))
    return path


def _adpcm(tmp_path: Path) -> Path:
    path = tmp_path / "adpcm.wav"
    path.write_bytes(riff((b"fmt ", fmt(0xFFFE, 1, RATE, 16, sub=0x11)), (b"data", b"\0" * 8)))
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_missing, "does not exist"),
        (_folder, "is a folder"),
        (_text, "is not a WAV, FLAC, Ogg or MP3 file; convert it with `sox"),
        (_mp3, "is not a WAV, FLAC, Ogg or MP3 file"),
        (_zero_bytes, "is empty"),
        (_truncated, "cut short"),
        (_empty_data, "has no audio"),
        (_no_channels, "Channel count is zero"),
        (_absurd_rate, "1000 Hz"),
        (_adpcm, "uses an encoding the guide cannot read"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, make, words: str) -> None:
    path = make(tmp_path)
    with pytest.raises(AudioFileError) as caught:
        read_wav(path)
    message = str(caught.value)
    assert "\n" not in message
    assert path.name in message and words in message


@needs_sox
@pytest.mark.parametrize("encoding", ["a-law", "u-law", "ima-adpcm", "ms-adpcm", "gsm"])
def test_telephone_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    # The old reader refused these by name and sent the person to sox; libsndfile decodes
    # them, and reading a voicemail export is better than refusing it. The ADPCM and GSM
    # writers pad to whole blocks, hence the looser length.
    y = read_wav(tone_file(tmp_path, 8000, 440, f"-e {encoding}"))
    assert abs(duration(y) - 1.0) < 0.05
    assert abs(dominant(y) - 440) <= 2
    assert rms(y) == pytest.approx(HALF_SCALE_RMS, rel=0.03)


@needs_sox
@pytest.mark.parametrize("suffix", ["flac", "ogg"])
def test_flac_and_ogg_are_read(tmp_path: Path, suffix: str) -> None:
    path = sox(tmp_path / f"tone.{suffix}", "-r", "44100", "-c", "2", "synth 1 sine 440 vol 0.5")
    y = read_wav(path)
    assert abs(duration(y) - 1.0) < 0.01 and abs(dominant(y) - 440) <= 2
    assert rms(y) == pytest.approx(HALF_SCALE_RMS, rel=0.03)


@needs_sox
def test_sox_file_cut_to_30_bytes(tmp_path: Path) -> None:
    path = tone_file(tmp_path, 44100, 440)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(AudioFileError) as caught:
        read_wav(path)
    assert "\n" not in str(caught.value) and path.name in str(caught.value)
    assert "cut short" in str(caught.value)


@needs_sox
def test_sox_empty_recording(tmp_path: Path) -> None:
    path = sox(tmp_path / "silent-nothing.wav", "-r", "16000", "-c", "1", "-b", "16", "trim 0 0")
    with pytest.raises(AudioFileError, match="has no audio") as caught:
        read_wav(path)
    assert path.name in str(caught.value)

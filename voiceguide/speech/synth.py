"""Speech synthesis behind one interface: text in, 16 kHz samples out.

The guide renders speech to samples and plays them through its own sink instead of
letting the engine talk to the sound card, so barge-in can cut a sentence off, a WAV
sink can record it, and rate and volume apply the same way everywhere.
"""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from voiceguide.audio.wav import read_wav
from voiceguide.errors import AudioFileError, VoiceguideError

_LOGGER = logging.getLogger(__name__)

DEFAULT_VOICE = "gmw/en-us"
"""espeak-ng's US English voice; ``--voice`` takes any id ``voiceguide voices`` lists."""
RENDER_ATTEMPTS = 3


class SpeechEngineError(VoiceguideError):
    """The speech engine is missing or failed."""


class Synthesizer(Protocol):
    name: str

    def render(self, text: str, rate: int) -> np.ndarray:
        """``text`` at ``rate`` words a minute, as float samples (16 kHz mono, -1..1)."""


class Pyttsx3Synthesizer:
    """pyttsx3 driving espeak-ng, rendering to a file per sentence (a few milliseconds)."""

    def __init__(self, voice: str | None = None) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init("espeak")
        except Exception as error:
            raise SpeechEngineError(f"cannot start the speech engine ({error}); install "
                                    "espeak-ng") from None
        known = {v.id for v in self._engine.getProperty("voices")}
        chosen = voice or DEFAULT_VOICE
        if chosen not in known:
            if voice is not None:
                raise SpeechEngineError(f"no voice {voice!r}; run `voiceguide voices` to "
                                        "see the installed ones")
            chosen = next((v for v in sorted(known) if v.endswith("/en")), sorted(known)[0])
        self._voice = chosen
        self.name = f"espeak-ng:{chosen}"
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="voiceguide-tts-")

    def render(self, text: str, rate: int) -> np.ndarray:
        # pyttsx3's espeak driver now and then writes a file with no samples in it (one
        # sentence in about 400 here); another try usually works, and when it does not
        # (three in a row failed under a loaded test run), espeak-ng itself is asked.
        for _attempt in range(RENDER_ATTEMPTS):
            samples = self._render_once(text, rate)
            if samples is not None:
                return samples
        samples = self._render_with_espeak(text, rate)
        if samples is not None:
            return samples
        raise SpeechEngineError("the speech engine produced no audio; check that "
                                "espeak-ng works: espeak-ng hello")

    def _render_with_espeak(self, text: str, rate: int) -> np.ndarray | None:
        """The same engine and voice through its own command, for when the driver fails."""
        path = Path(self._folder.name) / "fallback.wav"
        try:
            subprocess.run(["espeak-ng", "-v", self._voice,
                            "-s", str(rate), "-w", str(path), "--", text],
                           capture_output=True, timeout=30, check=True)
            return _floats(read_wav(path))
        except (OSError, subprocess.SubprocessError, AudioFileError):
            return None

    def _render_once(self, text: str, rate: int) -> np.ndarray | None:
        path = Path(self._folder.name) / "sentence.wav"
        with self._lock, contextlib.redirect_stdout(io.StringIO()):
            # The driver prints "Audio saved to ..." for every file; nobody needs that.
            path.unlink(missing_ok=True)
            # pyttsx3 hands every caller the same engine: set the voice each time, or
            # another synthesiser's choice would be spoken in.
            self._engine.setProperty("voice", self._voice)
            self._engine.setProperty("rate", rate)
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            try:
                return _floats(read_wav(path))
            except AudioFileError:
                return None


def _floats(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float64) / 32768.0


def voices() -> list[tuple[str, str]]:
    """(id, name) of every English voice the engine has."""
    import pyttsx3

    engine = pyttsx3.init("espeak")
    return [(v.id, v.name) for v in engine.getProperty("voices")
            if any(str(lang).startswith("en") for lang in v.languages)]

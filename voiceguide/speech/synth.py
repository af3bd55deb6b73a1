"""Speech synthesis behind one interface: text in, 16 kHz samples out.

The guide renders speech to samples and plays them through its own sink instead of
letting the engine talk to the sound card, so barge-in can cut a sentence off, a WAV
sink can record it, and rate and volume apply the same way everywhere.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np

from voiceguide.audio.wav import read_wav
from voiceguide.errors import AudioFileError, VoiceguideError

_LOGGER = logging.getLogger(__name__)

DEFAULT_VOICE = "gmw/en-us"
"""espeak-ng's US English voice; ``--voice`` takes any id ``voiceguide voices`` lists."""
RENDER_ATTEMPTS = 2
RENDER_TIMEOUT = 30.0


class SpeechEngineError(VoiceguideError):
    """The speech engine is missing or failed."""


class Synthesizer(Protocol):
    name: str

    def render(self, text: str, rate: int) -> np.ndarray:
        """``text`` at ``rate`` words a minute, as float samples (16 kHz mono, -1..1)."""


class EspeakSynthesizer:
    """espeak-ng, one short-lived ``espeak-ng -w`` per sentence (about 15 ms).

    pyttsx3 finds the voices, but does not render: its espeak driver asks for audio
    asynchronously, and its command queue is pumped from espeak's own thread, so a
    sentence was now and then spoken at the previous sentence's rate (3 in 60 here) or
    came back empty. The command has no state to race: each sentence gets its own rate.
    """

    def __init__(self, voice: str | None = None) -> None:
        command = shutil.which("espeak-ng")
        if command is None:
            raise SpeechEngineError("cannot start the speech engine: espeak-ng is not "
                                    "installed; install it with `apt-get install espeak-ng`")
        known = {voice_id for voice_id, _name in voices(english_only=False)}
        chosen = voice or DEFAULT_VOICE
        if chosen not in known:
            if voice is not None:
                raise SpeechEngineError(f"no voice {voice!r}; run `voiceguide voices` to "
                                        "see the installed ones")
            chosen = next((v for v in sorted(known) if v.endswith("/en")),
                          sorted(known)[0] if known else "en")
        self._command = command
        self._voice = chosen
        self.name = f"espeak-ng:{chosen}"
        self._folder = tempfile.TemporaryDirectory(prefix="voiceguide-tts-")

    def render(self, text: str, rate: int) -> np.ndarray:
        # One retry: a fork can fail on a machine under memory pressure.
        for _attempt in range(RENDER_ATTEMPTS):
            samples = self._render_once(text, rate)
            if samples is not None:
                return samples
        raise SpeechEngineError("the speech engine produced no audio; check that "
                                "espeak-ng works: espeak-ng hello")

    def _render_once(self, text: str, rate: int) -> np.ndarray | None:
        # A file of its own per call, so two threads rendering at once never share one.
        handle, name = tempfile.mkstemp(suffix=".wav", dir=self._folder.name)
        os.close(handle)
        path = Path(name)
        try:
            subprocess.run([self._command, "-v", self._voice, "-s", str(rate),
                            "-w", str(path), "--", text],
                           capture_output=True, timeout=RENDER_TIMEOUT, check=True)
            return _floats(read_wav(path))
        except (OSError, subprocess.SubprocessError, AudioFileError) as error:
            _LOGGER.debug("espeak-ng failed on %r: %s", text, error)
            return None
        finally:
            path.unlink(missing_ok=True)


def _floats(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float64) / 32768.0


def voices(english_only: bool = True) -> list[tuple[str, str]]:
    """(id, name) of the engine's voices, English ones unless asked for all."""
    import pyttsx3

    try:
        engine = pyttsx3.init("espeak")
    except Exception as error:
        raise SpeechEngineError(f"cannot list the speech voices ({error}); install "
                                "espeak-ng") from None
    return [(v.id, v.name) for v in engine.getProperty("voices")
            if not english_only or any(str(lang).startswith("en") for lang in v.languages)]

"""The live audio path through a real sound server, not files: the guide's speaker and
microphone are PortAudio devices (through ALSA's PulseAudio plugin) of a private
PulseAudio server this module starts.

The server has two null sinks. ``speaker`` is where the guide's voice goes; a recorder
keeps its monitor on file for the whole module, so each test reads what came out of the
speaker from a mark on. ``room`` is the air in the bedroom: a person's voice is played
into it with ``paplay`` and the default source, ``mic``, hears it. A stream of silence
keeps the room sounding, because the monitor of a null sink with nothing playing into it
can go quiet for a second or more at a time (measured: a remapped source on it gave no
frames at all), and a real microphone never does.

Found on the way (see ``OUTPUT_LATENCY`` in ``voiceguide/audio/sinks.py``): with
PortAudio's default buffer the guide's voice broke up whenever the recogniser decoded,
and ``test_the_guide_keeps_talking_while_the_recogniser_decodes`` failed.

The server runs in its own temporary folder with its own socket, cookie and state, and
clients are pointed at it through ``PULSE_SERVER``, so a person's own desktop sound is
never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voiceguide.asr import transcribe
from voiceguide.asr.choose import make_recognizer
from voiceguide.audio.sinks import OUTPUT_LATENCY, SoundDeviceSink
from voiceguide.audio.sources import FRAME_SAMPLES, MicrophoneSource, microphone_available
from voiceguide.audio.wav import RATE, pcm_bytes, read_wav
from voiceguide.clock import SystemClock
from voiceguide.guide import Guide
from voiceguide.sentences import split_sentences
from voiceguide.speech.synth import EspeakSynthesizer
from voiceguide.speech.voice import Voice

pytestmark = [pytest.mark.speech, pytest.mark.realtime]

Render = Callable[..., list[Any]]

ROOT = Path(__file__).resolve().parent.parent
PCM = ["--raw", "--format=s16le", f"--rate={RATE}", "--channels=1", "--latency-msec=30"]
QUIET = 1e-3
"""RMS below this is silence: the null sinks add no noise, so silence is exact zeros."""

SERVER_SCRIPT = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name=speaker sink_properties=device.description=Speaker
load-module module-null-sink sink_name=room sink_properties=device.description=Room
load-module module-remap-source master=room.monitor source_name=mic \
source_properties=device.description=Microphone
set-default-sink speaker
set-default-source mic
"""


class Recording:
    """Everything the speaker has played since the module started, in a growing file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> int:
        """How far the recording has got, in samples."""
        return self.path.stat().st_size // 2

    def mark(self) -> int:
        """Now, as a sample offset into the recording, less a quarter of a second: the
        server can put the start of a new stream a few tens of milliseconds before the
        point the file had reached when it was asked to play."""
        return max(0, self.now() - RATE // 4)

    def since(self, mark: int) -> np.ndarray:
        data = self.path.read_bytes()[mark * 2:]
        return np.frombuffer(data[:len(data) // 2 * 2], "<i2").astype(np.float64) / 32768


@dataclass
class SoundServer:
    folder: Path
    speaker: Recording

    def say(self, wav: Path) -> subprocess.Popen[bytes]:
        """Someone speaks in the room: the microphone hears it while it plays."""
        return subprocess.Popen(["paplay", "-d", "room", str(wav)])


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.02)


def _reload_portaudio() -> None:
    """PortAudio lists devices once, when it starts, and ALSA decides then whether its
    default device is PulseAudio; restarting it makes this process see the server now
    running (or gone), as a freshly started ``voiceguide`` would."""
    import sounddevice

    sounddevice._terminate()
    sounddevice._initialize()


def _end(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def sound_server() -> Iterator[SoundServer]:
    if shutil.which("pulseaudio") is None:
        pytest.skip("pulseaudio is not installed: scripts/install.sh installs it")
    missing = [tool for tool in ("pactl", "pacat", "parec", "paplay") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing: scripts/install.sh installs "
                    "pulseaudio-utils")
    try:
        import sounddevice
    except OSError:
        pytest.skip("PortAudio is not installed: scripts/install.sh installs libportaudio2")

    processes: list[subprocess.Popen[Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="voiceguide-pulse-") as tmp, \
                pytest.MonkeyPatch.context() as env:
            server = _start_server(Path(tmp), env, processes)
            if "pulse" not in {device["name"] for device in sounddevice.query_devices()}:
                pytest.skip("PortAudio cannot reach PulseAudio: scripts/install.sh "
                            "installs libasound2-plugins")
            yield server
    finally:
        for process in reversed(processes):
            _end(process)
        _reload_portaudio()  # back to the machine as it is without the server


def _start_server(folder: Path, env: pytest.MonkeyPatch,
                  processes: list[subprocess.Popen[Any]]) -> SoundServer:
    for name in ("home", "run", "state", "config"):
        (folder / name).mkdir(mode=0o700)
    socket = folder / "native"
    (folder / "server.pa").write_text(SERVER_SCRIPT.format(socket=socket))
    server_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C",
                  "HOME": str(folder / "home"), "XDG_CONFIG_HOME": str(folder / "config"),
                  "XDG_RUNTIME_DIR": str(folder / "run"),
                  "PULSE_RUNTIME_PATH": str(folder / "run"),
                  "PULSE_STATE_PATH": str(folder / "state")}
    env.setenv("PULSE_SERVER", f"unix:{socket}")
    env.setenv("PULSE_COOKIE", str(folder / "cookie"))  # never the person's own
    env.delenv("PULSE_SINK", raising=False)
    env.delenv("PULSE_SOURCE", raising=False)
    log = folder / "server.log"
    with log.open("wb") as out:
        # -n: none of the system's default.pa, so no sound card is looked for. As root
        # it warns that it is not meant to run as root, and runs.
        server = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(folder / "server.pa"), "--daemonize=no",
             "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no",
             "--realtime=no", "--high-priority=no", "--log-level=warning"],
            env=server_env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    processes.append(server)

    def answering() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"pulseaudio exited: {log.read_text()}")
        return subprocess.run(["pactl", "info"], capture_output=True).returncode == 0

    _wait_for(answering, 10, "pulseaudio to answer")
    processes.append(subprocess.Popen(["pacat", "-p", "-d", "room", *PCM, "/dev/zero"]))
    recording = folder / "speaker.raw"
    with recording.open("wb") as out:
        processes.append(subprocess.Popen(["parec", "-d", "speaker.monitor", *PCM],
                                          stdout=out))
    _wait_for(lambda: recording.stat().st_size > 0, 10,
              "the speaker's monitor to deliver audio")
    _reload_portaudio()
    return SoundServer(folder, Recording(recording))


def locate(recording: np.ndarray, clip: np.ndarray) -> tuple[float, float]:
    """How well ``clip`` matches its best place in ``recording`` (normalised
    cross-correlation), and that place in seconds. The very waveform, resampled by the
    server on the way, scores above 0.95; a fresh espeak-ng rendering of the same words
    about 0.7; other speech or silence under 0.3."""
    if recording.size < clip.size or not clip.any():
        return 0.0, 0.0
    size = 1 << (recording.size + clip.size).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recording, size) * np.conj(np.fft.rfft(clip, size)),
                        size)[:recording.size - clip.size + 1]
    energy = np.convolve(recording ** 2, np.ones(clip.size), "valid")
    score = corr / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(clip))
    best = int(np.argmax(score))
    return float(score[best]), best / RATE


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0


def heard_in(recording: np.ndarray, clip: np.ndarray) -> tuple[float, float]:
    """``locate`` for the whole clip or the better of its halves, with the place where
    the clip would start: a glitch in the stream on a loaded machine, or espeak-ng
    rendering one word differently, splits a sentence's match without changing what
    was said."""
    half = clip.size // 2
    whole = locate(recording, clip)
    first = locate(recording, clip[:half])
    second = locate(recording, clip[half:])
    return max(whole, first, (second[0], max(second[1] - half / RATE, 0.0)))


def spoken(text: str) -> np.ndarray:
    """``text`` as the guide says it: its voice, rate and volume."""
    voice = Voice()
    return EspeakSynthesizer().render(text, voice.rate) * voice.volume


def test_the_guide_s_voice_comes_out_of_the_speaker(sound_server: SoundServer) -> None:
    sentence = spoken("Hold it there. I'll count.")
    duration = sentence.size / RATE
    sink = SoundDeviceSink(SystemClock())
    try:
        mark = sound_server.speaker.mark()
        started = time.monotonic()
        sink.play(sentence)
        assert sink.busy()
        _wait_for(lambda: not sink.busy(), duration + 5, "the sentence to be played")
        took = time.monotonic() - started
    finally:
        sink.close()
    time.sleep(0.1)  # the recorder's own latency
    audio = sound_server.speaker.since(mark)

    score, at = locate(audio, sentence)
    assert score > 0.95, f"the sentence did not arrive whole (best match {score:.2f})"
    # Busy for as long as it sounds, not only until handed to the device: the loop
    # tells the person's voice from the guide's own by it.
    assert took >= duration - 0.05
    start, end = round(at * RATE), round(at * RATE) + sentence.size
    assert rms(audio[:start]) < QUIET and rms(audio[end:]) < QUIET, \
        "the speaker played something besides the sentence"


def test_stop_cuts_the_guide_off_at_once(sound_server: SoundServer) -> None:
    sentence = spoken("Keep the leg straight and pull your toes up toward your knee, "
                      "slowly, with no bouncing, and breathe out as you hold the stretch.")
    sink = SoundDeviceSink(SystemClock())
    try:
        mark = sound_server.speaker.mark()
        sink.play(sentence)
        _wait_for(lambda: rms(sound_server.speaker.since(mark)) > QUIET, 5,
                  "the guide to start talking")
        time.sleep(1.0)
        stopped_at = sound_server.speaker.now()
        sink.stop()
        _wait_for(lambda: not sink.busy(), OUTPUT_LATENCY + 0.3, "busy() to clear")
        time.sleep(OUTPUT_LATENCY + 1.2)
    finally:
        sink.close()
    audio = sound_server.speaker.since(mark)
    cut = stopped_at - mark
    _score, at = locate(audio, sentence[:RATE // 2])
    said = cut - round(at * RATE)  # samples of the sentence heard before stop()
    grace = round((OUTPUT_LATENCY + 0.15) * RATE)
    after = audio[cut + grace:cut + grace + RATE]
    assert after.size == RATE
    assert rms(sentence[said + grace:said + grace + RATE]) > 0.01, \
        "the test stopped too late: nothing was left to cut"
    assert rms(after) < QUIET, "the guide kept talking after stop()"


def test_the_guide_keeps_talking_while_the_recogniser_decodes(
        sound_server: SoundServer, guide: Guide, speech: Render) -> None:
    """PocketSphinx holds the GIL while it decodes, so the speaker's callback cannot
    run: the device's buffer must outlast a decode, or the voice breaks up and the
    sound server takes a second or two to restart the stream."""
    clip = speech([("cramp.relief", "my calf is cramping")])[0].path
    pcm = pcm_bytes(read_wav(clip))
    recognizer = make_recognizer(guide.kb, "pocketsphinx")
    sentence = spoken("Now pull your toes up, toward your knee. Hold it there.")
    duration = sentence.size / RATE
    sink = SoundDeviceSink(SystemClock())
    try:
        sink.play(np.zeros(RATE // 2))  # past the stream's start-up
        _wait_for(lambda: not sink.busy(), 5, "the stream to start")
        mark = sound_server.speaker.mark()
        started = time.monotonic()
        sink.play(sentence)
        decodes = 0
        while sink.busy():
            assert transcribe(recognizer, pcm).text == "my calf is cramping"
            decodes += 1
        took = time.monotonic() - started
    finally:
        sink.close()
    time.sleep(0.1)
    score, _at = locate(sound_server.speaker.since(mark), sentence)
    assert decodes >= 5
    assert score > 0.95, f"the voice broke up while decoding (best match {score:.2f})"
    assert took < duration + OUTPUT_LATENCY + 0.5, f"{duration:.1f} s took {took:.1f} s"


def test_the_microphone_hears_the_person(sound_server: SoundServer, guide: Guide,
                                         speech: Render) -> None:
    clip = speech([("cramp.relief", "my calf is cramping")])[0].path
    said = read_wav(clip).astype(np.float64) / 32768
    assert microphone_available()
    mic = MicrophoneSource()
    heard: list[bytes] = []
    try:
        frames = mic.frames()
        heard.append(next(frames))
        started = time.monotonic()
        person = sound_server.say(clip)
        while len(heard) * FRAME_SAMPLES < said.size + 1.5 * RATE:
            heard.append(next(frames))
        took = time.monotonic() - started
        person.wait(5)
    finally:
        mic.close()

    assert {len(frame) for frame in heard} == {FRAME_SAMPLES * 2}
    # A live microphone: 30 ms frames at the pace they are spoken, not in bursts.
    assert abs(took - (len(heard) - 1) * FRAME_SAMPLES / RATE) < 0.5
    audio = np.frombuffer(b"".join(heard), "<i2").astype(np.float64) / 32768
    score, _at = locate(audio, said)
    assert score > 0.95, f"the microphone did not hear the words (best match {score:.2f})"
    recognizer = make_recognizer(guide.kb, "pocketsphinx")
    assert transcribe(recognizer, b"".join(heard)).text == "my calf is cramping"


def test_a_microphone_is_found_only_through_the_server(sound_server: SoundServer,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    assert microphone_available()
    if Path("/dev/snd").exists():
        return  # a sound card of its own: there is a microphone without the server too
    monkeypatch.setenv("PULSE_SERVER", f"unix:{sound_server.folder / 'nobody-here'}")
    _reload_portaudio()
    try:
        assert not microphone_available()
    finally:
        monkeypatch.undo()
        _reload_portaudio()
    assert microphone_available()


class Captions:
    """A process's standard output, line by line as it comes, without blocking."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def find(self, pattern: str) -> str | None:
        return next((line for line in list(self.lines) if re.search(pattern, line)), None)

    def text(self) -> str:
        return "\n".join(self.lines)


def test_a_night_out_loud_through_the_sound_server(sound_server: SoundServer, guide: Guide,
                                                  speech: Render) -> None:
    """``voiceguide listen`` with no files: it greets through the speaker, hears "my calf
    is cramping" through the microphone and answers out loud with the cramp routine."""
    clip = speech([("cramp.relief", "my calf is cramping")])[0].path
    answer = split_sentences(guide.first_words(guide.matcher.match("my calf is cramping")))[0]
    speaker = sound_server.speaker
    mark = speaker.mark()
    process = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "listen", "--asr", "pocketsphinx",
         "--captions"], cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1",
             "VOICEGUIDE_CONFIG_DIR": str(sound_server.folder / "first-night")},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    captions = Captions(process.stdout)
    errors = Captions(process.stderr)
    try:
        _wait_for(lambda: captions.find(r"guide: Hello") is not None
                  or process.poll() is not None, 30, "the greeting")
        assert process.poll() is None, errors.text()

        # The person waits for the guide to finish, as WavSource does: words said over
        # the greeting, or over the introduction a first night adds, are talk-over.
        # Glitches only ever add time, so once the speaker has sounded for as long as
        # the greeting and the introduction last and then gone quiet, both are over.
        opening = sum(spoken(s).size for key in ("welcome", "intro")
                      for s in split_sentences(guide.kb.prompts[key]))

        def opening_over() -> bool:
            audio = speaker.since(mark)
            loud = np.flatnonzero(np.abs(audio) > 0.01)
            return (loud.size > 0 and loud[-1] - loud[0] > 0.95 * opening
                    and audio.size - loud[-1] > RATE)
        try:
            _wait_for(opening_over, 60, "the greeting and the first night's introduction")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{captions.text()}\n{errors.text()}") from None
        said = speaker.mark()
        sound_server.say(clip).wait(10)
        said_end = speaker.mark()
        _wait_for(lambda: rms(speaker.since(said_end)) > QUIET, 10, "the guide to answer")
        answered = speaker.mark()
        time.sleep(3.0)
        process.send_signal(signal.SIGINT)
        process.wait(10)
    finally:
        _end(process)

    heard = captions.find(r"heard: my calf is cramping\b")
    assert heard is not None and "[answered]" in heard, captions.text()
    assert captions.find(re.escape(f"guide: {answer}")), captions.text()
    assert process.returncode == 130, errors.text()  # Ctrl-C: a clean goodbye
    assert "underrun" not in errors.text(), errors.text()
    audio = speaker.since(mark)
    greeting = audio[:said - mark]
    assert rms(greeting) > 0.01, "the greeting was not heard on the speaker"
    # The answer is the routine's first sentence itself, heard soon after the person
    # stopped speaking, and nothing came out while they spoke.
    assert rms(audio[said - mark:said_end - mark]) < QUIET
    score, at = heard_in(audio[said_end - mark:], spoken(answer))
    assert score > 0.5, f"{answer!r} was not heard on the speaker (best {score:.2f})"
    reply_delay = (answered - said_end) / RATE  # to the "understood" chime
    assert reply_delay < 3.0, f"the answer came {reply_delay:.1f} s after the words"
    assert at < reply_delay + 1.0, "the first thing said was not the routine's start"

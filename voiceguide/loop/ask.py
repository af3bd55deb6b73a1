"""One recorded utterance to the first sound of its answer, timed stage by stage.

``voiceguide ask`` and the benchmark both time an answer this way, so the latency the
benchmark publishes is the one a user can reproduce with ``ask --json``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from voiceguide.asr import Recognizer, Transcript, feed, transcribe
from voiceguide.audio.denoise import Gate, denoise_pcm, wanted
from voiceguide.audio.endpoint import has_speech
from voiceguide.guide import Guide
from voiceguide.match import Match
from voiceguide.match.heard import heard_as
from voiceguide.sentences import split_sentences
from voiceguide.speech.synth import Synthesizer

FEED = 960 * 4
"""Bytes fed at a time: four 30 ms frames, as a microphone's blocks arrive."""
LAST_FRAME = 960
"""The last 30 ms frame: what is still to be decoded when the person has stopped."""


@dataclass(frozen=True, slots=True)
class TimedAnswer:
    transcript: Transcript
    match: Match
    """What the guide acts on: low ASR confidence already downgraded."""
    response: str
    asr_ms: float
    """From the last frame of the recording fed to the final transcript."""
    match_ms: float
    first_audio_ms: float
    """From the last frame of the recording fed to the first sample of the answer's
    first sentence; without a synthesiser, to the moment it could be rendered."""
    denoise_ms: float = 0.0
    """Noise suppression of the whole recording, before the end-of-speech clock starts:
    live, it runs as the audio arrives (about a thirtieth of real time), so it adds
    nothing after the person stops but its 22 ms delay."""


def hear(recognizer: Recognizer, pcm: bytes, denoise: bool = False) -> Transcript:
    """A recording's words, after the same stages the microphone's audio meets: noise
    suppression (``denoise``, gated on the room's noise as it is live), then the speech
    check, since silence is not sent to the recogniser, which finds words in anything
    (digital silence came out as "dog", taken for yes)."""
    if denoise:
        pcm = denoise_pcm(pcm)
    return transcribe(recognizer, pcm) if has_speech(pcm) else Transcript("", 0.0)


def answer_recording(guide: Guide, recognizer: Recognizer, pcm: bytes,
                     synth: Synthesizer | None, rate: int,
                     denoise: bool | None = None, gate: Gate | None = None) -> TimedAnswer:
    """The recording goes through the live path: noise suppression and the speech
    check (done as the audio comes, live), then the recogniser, fed frame by frame (a
    streaming one works as it is fed). The clock starts when the last frame goes in, as it does live
    when the person stops, and runs to the first sample of the answer. ``denoise`` None
    follows the guide's settings; ``gate`` replaces the measured one (benchmarks)."""
    if denoise is None:
        settings = guide.settings
        denoise = wanted(settings.listen.denoise, "listen.denoise" in settings.given)
    started = time.perf_counter()
    if denoise:
        pcm = denoise_pcm(pcm, gate)
    denoise_ms = (time.perf_counter() - started) * 1000
    if has_speech(pcm):
        # Fed as a microphone would: a streaming recogniser (Vosk) works while the
        # person speaks, so the clock starts at the last frame, as it does live when
        # the person stops; PocketSphinx and Whisper decode the whole at the end.
        recognizer.start()
        body = len(pcm) - LAST_FRAME
        feed(recognizer, pcm[:body], FEED)
        started = time.perf_counter()
        recognizer.accept(pcm[body:])
        transcript = recognizer.finish()
    else:
        started = time.perf_counter()
        transcript = Transcript("", 0.0)
    asr_done = time.perf_counter()
    match = heard_as(guide.matcher.match(transcript.text), transcript,
                     guide.settings.listen, guide.triage)
    match_done = time.perf_counter()
    response = guide.first_words(match)
    first = split_sentences(response)[:1]
    if synth is not None and first:
        synth.render(first[0], rate)
    first_audio = time.perf_counter()
    return TimedAnswer(transcript, match, response, (asr_done - started) * 1000,
                       (match_done - asr_done) * 1000, (first_audio - started) * 1000,
                       denoise_ms)

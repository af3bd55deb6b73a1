"""One recorded utterance to the first sound of its answer, timed stage by stage.

``voiceguide ask`` and the benchmark both time an answer this way, so the latency the
benchmark publishes is the one a user can reproduce with ``ask --json``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from voiceguide.asr import Recognizer, Transcript, transcribe
from voiceguide.audio.denoise import Gate, denoise_pcm, wanted
from voiceguide.audio.endpoint import has_speech
from voiceguide.guide import Guide
from voiceguide.match import Match
from voiceguide.match.heard import heard_as
from voiceguide.sentences import split_sentences
from voiceguide.speech.synth import Synthesizer


@dataclass(frozen=True, slots=True)
class TimedAnswer:
    transcript: Transcript
    match: Match
    """What the guide acts on: low ASR confidence already downgraded."""
    response: str
    asr_ms: float
    """From the end of the recording to the final transcript."""
    match_ms: float
    first_audio_ms: float
    """From the end of the recording to the first sample of the answer's first
    sentence; without a synthesiser, to the moment it could be rendered."""
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
    """The recording is complete before timing starts, as it is when the guide notices
    the person has stopped speaking, so the times are end of speech to answer (the
    speech check included: the live loop's endpointer has made it by then; noise
    suppression too, which the live loop does as the audio comes). ``denoise`` None
    follows the guide's settings; ``gate`` replaces the measured one (benchmarks)."""
    if denoise is None:
        settings = guide.settings
        denoise = wanted(settings.listen.denoise, "listen.denoise" in settings.given)
    started = time.perf_counter()
    if denoise:
        pcm = denoise_pcm(pcm, gate)
    denoise_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    transcript = hear(recognizer, pcm)
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

"""Short generated tones that tell a person who cannot see a screen what the guide is
doing: it is listening, it understood, it did not catch that, a timer is done.

Each has its own shape (rising, single, falling, a gentle three-note chime) rather
than just a pitch, so they stay distinct for someone half asleep. All are soft sine
tones with smooth edges: nothing that clicks or startles.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from voiceguide.audio.wav import RATE

_NOTES: dict[str, tuple[tuple[float, float], ...]] = {
    # (frequency in Hz, seconds); frequency 0 is a rest.
    "listening": ((523.25, 0.09), (0.0, 0.03), (783.99, 0.12)),
    "understood": ((659.25, 0.12),),
    "not_caught": ((587.33, 0.12), (0.0, 0.03), (392.0, 0.18)),
    "timer_done": ((523.25, 0.25), (659.25, 0.25), (783.99, 0.45)),
    "alert": ((880.0, 0.15), (0.0, 0.08), (880.0, 0.15), (0.0, 0.08), (880.0, 0.15)),
}
NAMES = tuple(_NOTES)
CHIME_REPEATS = 3
"""A timer chime plays this many times, then stops by itself if nobody answers."""
CHIME_GAP = 1.5
"""Seconds of quiet between repeats of the timer chime."""
_LEVEL = 0.35
"""Peak level before the person's volume setting: a chime is softer than speech."""
_EDGE = 0.015


def _note(frequency: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    if frequency == 0.0:
        return np.zeros(t.size)
    tone = np.sin(2 * np.pi * frequency * t) + 0.25 * np.sin(4 * np.pi * frequency * t)
    envelope = np.minimum(1.0, np.minimum(t, t[-1] - t) / _EDGE)
    decay = np.exp(-2.5 * t / max(seconds, 1e-3))
    return tone / 1.25 * envelope * decay


@cache
def earcon(name: str) -> np.ndarray:
    """The tone for ``name`` as float samples at 16 kHz, peak ``_LEVEL``."""
    if name not in _NOTES:
        raise KeyError(f"no earcon named {name!r}; known: {', '.join(NAMES)}")
    once = np.concatenate([_note(f, s) for f, s in _NOTES[name]]) * _LEVEL
    if name != "timer_done":
        return once
    gap = np.zeros(int(CHIME_GAP * RATE))
    return np.concatenate([once, *([gap, once] * (CHIME_REPEATS - 1))])

"""Countdown phrasing as pure functions: numbers a speech engine reads well."""

from __future__ import annotations

from collections.abc import Mapping

from voiceguide.numbers import number_words


def cue_text(seconds_left: int, prompts: Mapping[str, str]) -> str:
    """What the guide says with ``seconds_left`` of a hold to go."""
    minutes, rest = divmod(seconds_left, 60)
    if seconds_left > 60 and rest == 0:
        text = prompts["cue_minutes"].format(n=number_words(minutes))
    elif seconds_left == 60:
        text = prompts["cue_one_minute"]
    elif seconds_left >= 10:
        text = prompts["cue_seconds"].format(n=number_words(seconds_left))
    else:
        text = prompts["cue_count"].format(n=number_words(seconds_left))
    return text[:1].upper() + text[1:]


def duration_words(seconds: float) -> str:
    """How long is left, as a person would say it: "forty seconds", "about three
    minutes". Rounded up below a minute, so "one second" is never said of a hold
    that still has a fraction to run."""
    whole = max(1, int(-(-seconds // 1)))
    if whole < 60:
        return f"{number_words(whole)} second{'s' if whole != 1 else ''}"
    minutes = round(whole / 60)
    if minutes <= 1:
        return "about a minute"
    return f"about {number_words(minutes)} minutes"

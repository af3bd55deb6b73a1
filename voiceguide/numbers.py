"""Numbers as words, both ways: the matcher reads "twenty" as 20, the countdown says it."""

from __future__ import annotations

UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
)
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}


def number_words(n: int) -> str:
    """0..99 in words ("twenty five"); larger numbers fall back to digits."""
    if 0 <= n < 20:
        return UNITS[n]
    if 20 <= n < 100:
        tens, unit = divmod(n, 10)
        word = next(w for w, v in TENS.items() if v == tens * 10)
        return word + (f" {UNITS[unit]}" if unit else "")
    return str(n)

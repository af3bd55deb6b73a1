"""Night dimming for the captions screen: from one hour to another the page is shown at
a lower brightness, so a screen in a bedroom does not light the room up at 3 a.m.

Worked out on the server, on the kiosk's clock, so every screen (and a test) sees the
same thing whatever the clock of the browser showing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceguide.settings import CaptionsSettings


@dataclass(frozen=True, slots=True)
class NightDimming:
    starts: time
    """Local time the screen dims at, for example 22:00."""
    ends: time
    """Local time it comes back to full brightness; earlier than ``starts`` when the night
    runs past midnight, as it usually does."""
    brightness: float
    """0 to 1: the share of full brightness the page is shown at during the night."""

    def __post_init__(self) -> None:
        if not 0 < self.brightness <= 1:
            raise ValueError("night brightness must be above 0 and at most 1")
        if self.starts == self.ends:
            raise ValueError("a night must start and end at different times")

    @classmethod
    def of(cls, captions: CaptionsSettings) -> NightDimming | None:
        """The settings' night, or None when the screen never dims."""
        if captions.night_from is None:
            return None
        return cls(captions.night_from, captions.night_until, captions.night_brightness)

    def brightness_at(self, moment: time) -> float:
        """The page's brightness at ``moment`` (local wall-clock time)."""
        if self.starts < self.ends:
            night = self.starts <= moment < self.ends
        else:  # over midnight
            night = moment >= self.starts or moment < self.ends
        return self.brightness if night else 1.0

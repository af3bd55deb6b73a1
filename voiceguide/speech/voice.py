"""The voice as the person has set it tonight: rate and volume, changed live by
"slower" or "louder" and kept inside the same limits as the settings."""

from __future__ import annotations

from dataclasses import dataclass

from voiceguide.dialogue.events import SetVoice
from voiceguide.settings import VoiceSettings

_DEFAULT = VoiceSettings()


@dataclass(slots=True)
class Voice:
    rate: int = _DEFAULT.rate
    """Words per minute."""
    volume: float = _DEFAULT.volume
    """Share of full volume."""

    @classmethod
    def of(cls, settings: VoiceSettings) -> Voice:
        return cls(settings.rate, settings.volume)

    def apply(self, change: SetVoice) -> None:
        self.rate = min(max(self.rate + change.rate_change, VoiceSettings.MIN_RATE),
                        VoiceSettings.MAX_RATE)
        self.volume = round(min(max(self.volume + change.volume_change,
                                    VoiceSettings.MIN_VOLUME), VoiceSettings.MAX_VOLUME), 2)

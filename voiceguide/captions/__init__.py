"""The kiosk's captions screen: a local web page that shows what the guide hears and
says, the routine step with its countdown, and Talk, Stop and Repeat buttons, for people
who cannot hear the guide well or cannot see it well enough to follow a small screen."""

from __future__ import annotations

from voiceguide.captions.board import BUTTONS, CaptionBoard
from voiceguide.captions.server import CaptionServer

__all__ = ["BUTTONS", "CaptionBoard", "CaptionServer"]

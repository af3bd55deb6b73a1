"""The cascade: a fast recogniser first, a strong one only when the fast one is unsure.

PocketSphinx answers a command in about a tenth of a second and is right about most
clear requests; Whisper is right far more often in noise but takes a second or more.
So every utterance goes to PocketSphinx, and its hearing stands when ``sure`` says so
(the matcher is confident of it and no hearing carries a danger sign: see
``match.heard.SureOfHearing``); otherwise the same audio goes to Whisper, whose model
was loaded once, in its own process, when the cascade was made.

The recogniser knows nothing of intents: it asks one yes-or-no question of the
hearing and passes the transcript on, so data still flows one way, recogniser ->
matcher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from voiceguide.asr import Recognizer, Transcript

_LOGGER = logging.getLogger(__name__)

SureOf = Callable[[Transcript], bool]
"""Whether the fast recogniser's hearing can be acted on without a second opinion."""


class CascadeRecognizer:
    """``fast`` for every utterance, ``strong`` for those ``sure`` doubts.

    When the strong recogniser answers, the fast one's hearings are kept as its
    alternatives, after its own, and its best one as ``overruled``: a danger only
    PocketSphinx heard is then asked about by ``heard_as``, not dropped.
    """

    def __init__(self, fast: Recognizer, strong: Recognizer, sure: SureOf) -> None:
        self.name = f"cascade:{fast.name}+{strong.name}"
        self._fast = fast
        self._strong = strong
        self._sure = sure
        self._failed = False
        self.last_route = ""
        """``fast`` or ``strong``: which recogniser gave the last transcript."""

    def start(self) -> None:
        self._fast.start()
        self._strong.start()

    def accept(self, pcm: bytes) -> Transcript | None:
        # Whisper only keeps the audio until the end; PocketSphinx gives any partials.
        self._strong.accept(pcm)
        return self._fast.accept(pcm)

    def finish(self) -> Transcript:
        quick = self._fast.finish()
        if quick.text and self._sure(quick):
            self._strong.start()  # drops the kept audio
            self.last_route = "fast"
            return quick
        self.last_route = "strong"
        try:
            strong = self._strong.finish()
        except Exception:
            # A strong recogniser that cannot decode (its process died twice) leaves the
            # fast path working: logged once, not every turn.
            if not self._failed:
                _LOGGER.exception("%s failed; carrying on with %s alone",
                                  self._strong.name, self._fast.name)
                self._failed = True
            self.last_route = "fast"
            return quick
        others = [strong.alternatives, (quick.text,), quick.alternatives]
        alternatives = tuple(dict.fromkeys(
            h for group in others for h in group if h and h != strong.text))
        return Transcript(strong.text, strong.confidence, strong.final, alternatives,
                          overruled=quick.text)

    def close(self) -> None:
        for part in (self._fast, self._strong):
            close = getattr(part, "close", None)
            if close is not None:
                close()

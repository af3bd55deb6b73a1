"""The PocketSphinx decoder's own process (see ``PocketSphinxRecognizer``): a
length-prefixed utterance of 16 kHz PCM in on standard input, a JSON line of its words,
their confidence, the path's acoustic fit and its next best hearings out. Run by path,
and imports nothing of voiceguide, so it starts in a tenth of a second and holds little
besides the model."""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pocketsphinx import Decoder

_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[noise]", "(null)"})
NBEST = 10
"""Hearings beyond the best kept for the guide: a danger heard in any of them is asked
about rather than thrown away."""


def _serve(config: dict[str, object]) -> None:
    out, source = sys.stdout.buffer, sys.stdin.buffer
    try:
        from pocketsphinx import Decoder

        decoder = Decoder(**config)
    except Exception as error:  # a bad model or dictionary: the parent says so
        out.write(f"{type(error).__name__}: {error}".replace("\n", " ").encode() + b"\n")
        out.flush()
        return
    out.write(b"ready\n")
    out.flush()
    while len(header := source.read(4)) == 4:
        pcm = source.read(int.from_bytes(header, "little"))
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        fit = hyp.score if hyp is not None else 0.0
        out.write(json.dumps([text, _confidence(decoder) if text else 0.0, fit,
                              _others(decoder, text) if text else []]).encode() + b"\n")
        out.flush()


def _others(decoder: Decoder, best: str) -> list[str]:
    """The lattice's next best word strings, without the best one and repeats."""
    found: list[str] = []
    try:
        for n, hyp in enumerate(decoder.nbest()):
            if n >= NBEST * 3 or len(found) >= NBEST:
                break
            if hyp is None:  # the lattice can yield empty paths
                continue
            words = " ".join(w for w in (hyp.hypstr or "").split()
                             if w.lower() not in _FILLERS and not w.startswith("["))
            if words and words != best and words not in found:
                found.append(words)
    except (RuntimeError, ValueError):  # no lattice for this utterance
        return []
    return found


def _confidence(decoder: Decoder) -> float:
    """Geometric mean of the words' lattice posteriors: one doubtful word in a short
    utterance is enough to doubt it."""
    posteriors = [segment.prob for segment in decoder.seg()
                  if segment.word.lower() not in _FILLERS
                  and not segment.word.startswith("[")]
    if not posteriors:
        return 0.0
    return math.exp(sum(math.log(max(p, 1e-6)) for p in posteriors) / len(posteriors))


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))

#!/usr/bin/env python3
"""Render a labelled utterance set into spoken WAV files with espeak-ng, flite and
festival voices, clean and in bedroom conditions (noises at a signal-to-noise ratio,
reverberation, quiet, sleepy, after the guide's chime).

    python scripts/render_speech.py --suite dev     # the speech tests, held-out voice
                                                    # and noise left out
    python scripts/render_speech.py --suite all     # with them, for final figures only

Clips are cached under ~/.cache/voiceguide/speech-tests unless OUTDIR is given. See
``voiceguide/bench/render.py`` for every option."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.bench.render import main

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Render a labelled utterance set into spoken WAV files with espeak-ng and flite voices,
clean and mixed with pink noise. See ``voiceguide/bench/render.py`` for the options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.bench.render import main

if __name__ == "__main__":
    sys.exit(main())

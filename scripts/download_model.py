#!/usr/bin/env python3
"""Download and unpack the Vosk small US English speech model into models/.

The same as ``voiceguide models download``, for a checkout that is not installed.

Usage: python scripts/download_model.py [--dest DIR] [--url URL --sha256 HEX]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voiceguide.asr.download import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The benchmark: the guide's matcher against a naive baseline and a MiniLM peer, and
every recogniser on rendered speech. Same as `voiceguide bench`; see --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.bench.run import main

if __name__ == "__main__":
    sys.exit(main(prog="python scripts/bench.py"))

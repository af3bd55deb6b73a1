"""``python -m voiceguide.bench.probe ENGINE VARIANT CLIP``: the process whose start-up
time and peak memory the benchmark reports."""

import sys

from voiceguide.bench.speech import probe_main

if __name__ == "__main__":
    sys.exit(probe_main(sys.argv[1:]))

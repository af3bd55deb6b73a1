"""Spoken intent accuracy of each recogniser setup on rendered speech, per voice and
noise level: the measurement behind ``voiceguide.asr.choose.DEFAULT_VARIANT``.

    python scripts/render_speech.py /tmp/spoken --snr clean,10
    python scripts/compare_asr.py /tmp/spoken [--variants generic,domain,mix]

Intent is graded, not words: a clip counts as right when the guide acts on the intent
it was rendered for (or refuses an ``out_of_scope`` one).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.asr import Transcript, transcribe
from voiceguide.asr.language_model import build
from voiceguide.asr.sphinx import PocketSphinxRecognizer
from voiceguide.audio.wav import pcm_bytes, read_wav
from voiceguide.guide import Guide
from voiceguide.match import OUT_OF_SCOPE
from voiceguide.match.heard import heard_as


def acted_on(guide: Guide, transcript: Transcript, floor: float) -> str:
    settings = replace(guide.settings.listen, asr_floor=floor)
    match = heard_as(guide.matcher.match(transcript.text), transcript, settings)
    return match.intent if match.outcome == "accept" else OUT_OF_SCOPE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--variants", default="generic,domain,mix")
    parser.add_argument("--floors", default="0")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    guide = Guide.load()
    with (args.folder / "manifest.tsv").open(encoding="utf-8") as handle:
        clips = list(csv.DictReader(handle, delimiter="\t"))
    audio = {c["path"]: pcm_bytes(read_wav(args.folder / c["path"])) for c in clips}
    floors = [float(f) for f in args.floors.split(",")]
    for variant in args.variants.split(","):
        recognizer = PocketSphinxRecognizer(build(guide.kb, variant, ("hello guide",)))
        heard = []
        started = time.perf_counter()
        for clip in clips:
            heard.append(transcribe(recognizer, audio[clip["path"]]))
        seconds = sum(len(a) for a in audio.values()) / 32000
        rtf = (time.perf_counter() - started) / seconds
        for floor in floors:
            table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for clip, transcript in zip(clips, heard, strict=True):
                got = acted_on(guide, transcript, floor)
                expected = clip["intent"]
                kind = "oov" if expected == OUT_OF_SCOPE else "in"
                for key in (f"{kind} {clip['snr']}", f"{kind} {clip['snr']} {clip['voice']}"):
                    table[key][0] += got == expected
                    table[key][1] += 1
                if args.errors and got != expected and clip["snr"] == "clean":
                    print(f"    {expected:24} {got:24} {transcript.confidence:.2f} "
                          f"{clip['text']!r} -> {transcript.text!r} ({clip['voice']})")
            print(f"{variant} floor={floor} RTF {rtf:.3f}")
            for key in sorted(table):
                right, total = table[key]
                print(f"  {key:36} {right:4}/{total:<4} {right / total:6.1%}")


if __name__ == "__main__":
    main()

"""The Whisper decoder's own process (see ``WhisperRecognizer``): a length-prefixed
utterance of 16 kHz 16-bit PCM in on standard input, a JSON line out with the words and
the measures the guide's confidence is computed from.

Run by path, importing nothing of voiceguide, for the reasons ``sphinx_worker.py``
gives. The Hugging Face hub is switched off before faster-whisper is imported, and the
model is loaded from a folder by path with ``local_files_only``: whatever is missing,
this process never tries the network (a folder without ``tokenizer.json`` would
otherwise make faster-whisper fetch one; the parent checks for it first).
"""

from __future__ import annotations

import json
import os
import sys

REQUIRED_FILES = ("config.json", "model.bin", "tokenizer.json")


def _serve(config: dict[str, object]) -> None:
    out, source = sys.stdout.buffer, sys.stdin.buffer
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    folder = str(config["model"])
    try:
        missing = [n for n in REQUIRED_FILES if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise FileNotFoundError(f"{folder} has no {', '.join(missing)}")
        import numpy as np
        from faster_whisper import WhisperModel

        model = WhisperModel(folder, device="cpu", compute_type=str(config["compute_type"]),
                             cpu_threads=int(str(config["threads"])), local_files_only=True)
    except Exception as error:  # a bad model or a missing package: the parent says so
        out.write(f"{type(error).__name__}: {error}".replace("\n", " ").encode() + b"\n")
        out.flush()
        return
    options = {
        "language": "en",
        "beam_size": int(str(config.get("beam_size", 5))),
        # Each request stands alone: text carried over from the last would prime the
        # decoder with another person's words.
        "condition_on_previous_text": False,
        "without_timestamps": True,
    }
    for key in ("initial_prompt", "hotwords"):
        if config.get(key):
            options[key] = str(config[key])
    out.write(b"ready\n")
    out.flush()
    while len(header := source.read(4)) == 4:
        pcm = source.read(int.from_bytes(header, "little"))
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        segments, _ = model.transcribe(audio, **options)
        found = list(segments)
        tokens = sum(len(s.tokens) for s in found)
        # The log-probability per token over the whole utterance, however Whisper cut
        # it into segments, and the least sure segment's chance of being no speech.
        logprob = (sum(s.avg_logprob * len(s.tokens) for s in found) / tokens
                   if tokens else 0.0)
        no_speech = max((s.no_speech_prob for s in found), default=1.0)
        out.write(json.dumps(["".join(s.text for s in found), logprob, no_speech,
                              tokens]).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))

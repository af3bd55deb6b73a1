"""Labelled utterance sets: the development and held-out sets, the spoken set, or any
TSV a deployer writes, in one reader so every benchmark grades against the same rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from voiceguide.errors import BenchError

DATA = Path(__file__).resolve().parent.parent.parent / "tests" / "data"
"""The labelled sets of a source checkout; an installed copy has none, and then every
benchmark asks for ``--set``."""
DEV_SET = DATA / "devset.tsv"
SPOKEN_SET = DATA / "spoken.tsv"
OUT_OF_SCOPE = "out_of_scope"


class Row(NamedTuple):
    intent: str
    text: str


def read_rows(path: Path) -> list[Row]:
    """Accepts spoken.tsv (intent, text) and the dev sets (utterance, intent) alike."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            fields = reader.fieldnames or []
            text_field = "text" if "text" in fields else "utterance"
            if text_field not in fields or "intent" not in fields:
                raise BenchError(f"{path}: needs a tab-separated header with 'intent' and "
                                 "'utterance' (or 'text') columns")
            rows = [Row((r["intent"] or "").strip(), (r[text_field] or "").strip())
                    for r in reader if (r.get(text_field) or "").strip()]
    except FileNotFoundError:
        raise BenchError(f"{path} does not exist; give a labelled TSV with --set") from None
    except UnicodeDecodeError:
        raise BenchError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    if not rows:
        raise BenchError(f"{path} has no labelled rows")
    return rows


def check_intents(rows: Iterable[Row], known: Iterable[str], path: Path) -> None:
    """A typo in a label would count as the matcher's mistake, so it stops the run."""
    allowed = set(known) | {OUT_OF_SCOPE}
    for line, row in enumerate(rows, start=2):
        if row.intent not in allowed:
            raise BenchError(f"{path}: row {line} is labelled {row.intent!r}, which is not "
                             "a catalogue intent (see `voiceguide intents`)")

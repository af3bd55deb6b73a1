#!/usr/bin/env python3
"""Write the generated part of docs/safety.md (the dangers, rules, sources and words)
from voiceguide/content/danger.toml, leaving the hand-written part as it is.

Usage: python scripts/safety_doc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.kb import load_knowledge_base  # noqa: E402
from voiceguide.safety.describe import BEGIN, END, describe  # noqa: E402

DOC = ROOT / "docs" / "safety.md"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC} has lost its markers; put '{BEGIN}' and '{END}' back in")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + describe(load_knowledge_base().dangers) + tail, encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()

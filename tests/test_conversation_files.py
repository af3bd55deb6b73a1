"""Every night written down in tests/data/conversations/, played on a simulated clock
and checked against the replies it expects (the format is in that folder's README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiceguide.guide import Guide
from voiceguide.testing import Night

FOLDER = Path(__file__).resolve().parent / "data" / "conversations"


def play(guide: Guide, path: Path) -> None:
    night = Night(guide)
    heard = 0  # speech events already checked by '='
    turn = 0  # the first speech event since the person last spoke
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}: {line}"
        events = night.speaker.events
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            turn = len(events)
            night.say(line[1:].strip())
        elif line.startswith("wait "):
            night.wait(float(line.split()[1]))
        elif line.startswith("="):
            want = line[1:].split()
            got = night.speaker.trace(heard)
            if want[-1:] == ["..."]:
                want = want[:-1]
                got = got[:len(want)]
            assert got == want, where
            heard = len(events)
        elif line.startswith("mode:"):
            assert night.session.mode == line.split(":", 1)[1].strip(), where
        elif line.startswith(("said:", "not said:")):
            negated = line.startswith("not")
            words = line.split(":", 1)[1].strip().lower()
            text = " ".join(getattr(s.event, "text", "") for s in events[turn:]).lower()
            assert (words in text) != negated, f"{where}\nthe guide said: {text}"
        else:
            pytest.fail(f"{where}: not a line this format knows")


@pytest.mark.parametrize("path", sorted(FOLDER.glob("*.txt")), ids=lambda p: p.stem)
def test_the_night_goes_as_written(guide: Guide, path: Path) -> None:
    play(guide, path)

"""One JSON line per turn: what was heard stays out unless the operator asks for it, and
a log that cannot be written never stops the guide."""

from __future__ import annotations

import errno
import io
import json
import logging
import re
from pathlib import Path

import pytest

from voiceguide.asr import Transcript
from voiceguide.errors import LogFileError
from voiceguide.loop.turn import Turn
from voiceguide.match import NO_SLOTS, Match
from voiceguide.service.turnlog import TurnLog

AT = 1_700_000_000.1234
RECORD = Turn(Transcript("my calf is cramping", 0.9),
              Match("cramp_now", None, 0.87654, NO_SLOTS, "accept"), asr_ms=400.0,
              match_ms=12.345)


def clocked(out: io.StringIO, transcripts: bool = False, at: float = AT) -> TurnLog:
    return TurnLog(out, transcripts=transcripts, clock=lambda: at)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_turn_is_one_json_line_without_what_was_heard() -> None:
    out = io.StringIO()
    clocked(out).write(RECORD)
    assert lines(out) == [{"time": "2023-11-14T22:13:20.123Z", "intent": "cramp_now",
                           "confidence": 0.877, "latency_ms": 412.3, "outcome": "accept"}]
    assert "cramping" not in out.getvalue()


def test_what_was_heard_is_logged_only_when_turned_on() -> None:
    out = io.StringIO()
    log = clocked(out, transcripts=True)
    log.write(RECORD)
    log.write(Turn(Transcript("", 0.0), None, "empty", asr_ms=10.0))
    assert [line["transcript"] for line in lines(out)] == ["my calf is cramping", ""]


def test_events_carry_their_fields_and_never_a_transcript() -> None:
    out = io.StringIO()
    log = TurnLog(out, transcripts=True, clock=lambda: AT)
    log.event("device_lost", retry_in=2.0, device=Path("/dev/snd"), level=float("nan"))
    assert lines(out) == [{"time": "2023-11-14T22:13:20.123Z", "event": "device_lost",
                           "retry_in": 2.0, "device": "/dev/snd", "level": None}]
    for name in ("transcript", "time", "event"):
        with pytest.raises(ValueError, match=name):
            log.event("heard", **{name: "my calf"})


def test_every_line_parses_whatever_the_record_holds() -> None:
    out = io.StringIO()
    times = iter([AT, AT, AT, AT, 0.0, 0.0])
    log = TurnLog(out, transcripts=True, clock=lambda: next(times))
    for record in (RECORD,
                   Turn(Transcript("caf\u00e9 \u2028 \\ \x00", float("nan")),
                        Match('quo"te\nnew line', None, float("nan"), NO_SLOTS, "accept"),
                        "echo", asr_ms=float("inf")),
                   Turn(Transcript("", 1.0), None, "talk_over")):
        log.write(record)
        log.event("idle", seconds=120)
    assert len(out.getvalue().splitlines()) == 6
    parsed = lines(out)
    assert parsed[2]["confidence"] is None and parsed[2]["latency_ms"] is None
    assert parsed[2]["transcript"] == "caf\u00e9 \u2028 \\ \x00"
    assert parsed[4]["time"] == "1970-01-01T00:00:00.000Z"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(line["time"]))
               for line in parsed)
    assert out.getvalue().isascii()


def test_a_file_is_appended_to_in_a_folder_it_makes(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "turns.jsonl"
    for _ in range(2):
        log = TurnLog(path)
        log.write(RECORD)
        log.close()
    text = path.read_text(encoding="utf-8")
    assert [json.loads(line)["intent"] for line in text.splitlines()] == ["cramp_now"] * 2


def test_a_line_reaches_the_file_before_close(tmp_path: Path) -> None:
    path = tmp_path / "turns.jsonl"
    log = TurnLog(path)
    log.write(RECORD)
    assert json.loads(path.read_text(encoding="utf-8"))["outcome"] == "accept"
    log.close()


def test_standard_error_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    log = TurnLog()
    log.write(RECORD)
    log.close()
    assert json.loads(capsys.readouterr().err)["intent"] == "cramp_now"


def test_closing_leaves_a_given_stream_open() -> None:
    out = io.StringIO()
    TurnLog(out).close()
    assert not out.closed


class FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("broken", ["closed", "full"])
def test_a_write_failure_warns_once_and_never_raises(
        caplog: pytest.LogCaptureFixture, broken: str) -> None:
    out = FullDisk() if broken == "full" else io.StringIO()
    if broken == "closed":
        out.close()
    log = TurnLog(out)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            log.write(RECORD)
            log.event("device_lost")
        log.close()
    assert len(caplog.records) == 1
    assert "turn log cannot be written" in caplog.records[0].getMessage()


def test_an_unopenable_file_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(LogFileError) as caught:
        TurnLog(blocker / "turns.jsonl")
    assert "\n" not in str(caught.value)
    assert str(blocker) in str(caught.value)

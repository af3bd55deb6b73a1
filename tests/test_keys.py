"""Keys for people who prefer them: space talks, R repeats, N skips, Esc stops."""

from __future__ import annotations

import io

from voiceguide.service.keys import key_command, line_command, read_keys


def test_each_key_means_one_command() -> None:
    assert [key_command(k) for k in (" ", "r", "R", "n", "\x1b", "x")] == [
        "talk", "repeat", "repeat", "next", "stop", None]
    assert [line_command(line) for line in ("\n", "r\n", "Esc\n", "next", "hello")] == [
        "talk", "repeat", "stop", "next", None]


def test_lines_from_a_key_box_are_sent_in_order() -> None:
    sent: list[str] = []
    read_keys(sent.append, io.StringIO("\nr\nbanana\nesc\n"))
    assert sent == ["talk", "repeat", "stop"]


"""``voiceguide chat``: the conversation typed in a terminal, on the real clock, with
timers firing while the person is thinking what to type."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from voiceguide.loop.session import Session


def run_live(session: Session, lines: Iterator[str]) -> None:
    """Run on the real clock: timers fire while waiting for the next line.

    ``lines`` is read on a helper thread (reading a terminal blocks); everything else
    happens on the calling thread, so the dialogue is never touched by two threads.
    """
    inbox: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        try:
            for line in lines:
                inbox.put(line)
        finally:
            inbox.put(None)

    threading.Thread(target=read, daemon=True, name="voiceguide-input").start()
    session.start()
    while not session.ended:
        due = session.next_due()
        timeout = None if due is None else max(due - session.now(), 0.0)
        try:
            line = inbox.get(timeout=timeout)
        except queue.Empty:
            session.fire_due()
            continue
        if line is None:
            return
        if line.strip():
            session.hear(line.strip())
        session.fire_due()

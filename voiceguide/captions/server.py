"""The captions screen's web server: one page, its state, a live event stream and three
buttons, on the standard library alone.

What people say to the guide is health information, so by default the server answers
only this computer: the check is on the client's address, not on where the socket is
bound, and the Host header must name this computer too, so a web page elsewhere cannot
read the captions through a domain name that points here (DNS rebinding). Serving other
computers never turns the Host check off (see ``access.py``).

A kiosk runs all day with nobody watching, so the server must not be held up by its
clients: it is one asyncio loop on one thread, whatever the number of connections; a
request must arrive whole within ``HEAD_SECONDS``; connections are capped, and at the cap
the oldest one still sending its request is dropped to make room; a client that stops
reading is dropped after ``WRITE_SECONDS``. At the open-file limit it backs off before
accepting again rather than spinning.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import ipaddress
import json
import logging
import resource
import socket
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from voiceguide.captions.access import (
    Access,
    Refused,
    Request,
    client_allowed,
    host_is_local,
)
from voiceguide.captions.board import BUTTONS, CaptionBoard
from voiceguide.errors import VoiceguideError

__all__ = ["CaptionServer", "client_allowed", "host_is_local"]

_LOGGER = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
"""A comment line this often keeps proxies and the browser from dropping a quiet stream;
a stream also looks at the night's brightness this often."""

MAX_STREAMS = 8
"""A page that reconnects in a loop must not pile up streams on a kiosk running all day."""

MAX_CONNECTIONS = 64
"""Open connections at most, and at most a quarter of the open-file limit, so the rest
of the kiosk (its heartbeat, its log, its recogniser's process) always has files left."""

HEAD_SECONDS = 10.0
"""A request line and headers must arrive whole within this, however slowly they drip."""

WRITE_SECONDS = 10.0
"""A client that reads nothing of a reply for this long is dropped."""

BACKLOG = 1024
"""Connections the kernel holds for accepting: a burst larger than this has its
handshakes dropped and retried after 1, 3, 7... seconds, a page's with them."""

FIRST_BACKOFF, LONGEST_BACKOFF = 0.05, 1.0
"""Seconds to wait before accepting again when out of open files, doubling."""

MAX_HEAD = 16 * 1024
"""Bytes of request line and headers; a browser sends well under 2 KiB."""

MAX_BODY = 4096
"""A button press carries no body; up to this much is read and dropped."""

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'self'; style-src 'unsafe-inline'; "
                                "script-src 'unsafe-inline'; connect-src 'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

ROUTES = {"/": "GET", "/state": "GET", "/events": "GET", "/favicon.ico": "GET"} | \
    dict.fromkeys((f"/{name}" for name in BUTTONS), "POST")


def connection_cap() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(4, min(MAX_CONNECTIONS, soft // 4))


class CaptionServer:
    """Serves a board's captions page on a daemon thread, so the kiosk loop never waits
    on a browser."""

    def __init__(self, board: CaptionBoard, host: str = "127.0.0.1", port: int = 0,
                 allow_remote: bool = False, token: str = "",
                 hosts: tuple[str, ...] = ()) -> None:
        """``token`` and ``hosts`` are what lets other computers in when
        ``allow_remote``; one of them is required then (see ``Access``)."""
        self.board = board
        self.access = Access(allow_remote, token, hosts)
        self.keepalive = KEEPALIVE_SECONDS
        self.head_seconds = HEAD_SECONDS
        self.write_seconds = WRITE_SECONDS
        self.closing = threading.Event()
        self.page = resources.files("voiceguide.captions").joinpath("page.html").read_bytes()
        self.max_connections = connection_cap()
        self._sock = _bind(host, port)
        self._address: tuple[Any, ...] = self._sock.getsockname()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_loop_error)
        self._thread: threading.Thread | None = None
        # Created here, used only on the server's thread (an Event binds to the loop
        # that first waits on it).
        self._stopped = asyncio.Event()
        self._changed = asyncio.Event()
        self._freed = asyncio.Event()
        self._unlisten = board.listen(self._board_changed)
        self._pending: dict[asyncio.Task[None], float] = {}
        """Connections still sending their request, with when they came."""
        self._active: set[asyncio.StreamWriter] = set()
        self._open = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._out_of_files = False
        self._streams = 0
        bound = ipaddress.ip_address(self._address[0])
        if allow_remote:
            _LOGGER.warning("the captions screen is open to other computers on the network "
                            "(%s)", self.access.describe())
        elif not bound.is_loopback:
            _LOGGER.warning("the captions screen listens on %s but answers only this "
                            "computer; other computers get 403", host)

    # ------------------------------------------------------------- lifecycle

    def start(self) -> None:
        if self._thread is not None:
            return
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="captions",
                                        daemon=True)
        self._thread.start()
        ready.wait()

    @property
    def url(self) -> str:
        """Where this computer's browser finds the page; a wildcard bind is reached here
        through loopback, the only address it answers by default."""
        address = self._address
        ip = ipaddress.ip_address(address[0])
        if ip.is_unspecified:
            ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        return f"http://{host}:{address[1]}/"

    def close(self) -> None:
        """Stops serving; open event streams end their responses cleanly, so a browser
        sees the end of a stream rather than a reset."""
        if self.closing.is_set():
            return
        self.closing.set()
        self._unlisten()
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join()
        else:
            self._sock.close()
            self._loop.close()

    def connections(self) -> int:
        """Open client connections now (for the load measurements)."""
        return self._open

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve(ready))
        finally:
            self._loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        accepting = asyncio.create_task(self._accept())
        ready.set()
        try:
            await self._stopped.wait()
        finally:
            accepting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await accepting
            self._sock.close()
            self._changed.set()  # streams see `closing` and end
            for task in list(self._pending):
                task.cancel()
            waited = time.monotonic()
            while self._open and time.monotonic() - waited < 1.0:
                await asyncio.sleep(0.02)
            for writer in list(self._active):
                writer.close()

    async def _accept(self) -> None:
        """One connection at a time, and none past the cap: at the cap the oldest
        connection still sending its request is dropped, or, when every one is being
        served, the next waits in the kernel's queue. Out of files, it backs off instead
        of spinning on a socket that stays readable."""
        loop = asyncio.get_running_loop()
        backoff = FIRST_BACKOFF
        while True:
            while self._open >= self.max_connections:
                if self._pending:
                    oldest = min(self._pending, key=self._pending.__getitem__)
                    del self._pending[oldest]
                    oldest.cancel()
                self._freed.clear()
                await self._freed.wait()
            try:
                conn, _ = await loop.sock_accept(self._sock)
            except OSError as error:
                if error.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS,
                                       errno.ENOMEM):
                    raise
                if not self._out_of_files:
                    self._out_of_files = True
                    _LOGGER.warning("the captions screen is out of open files (%s); new "
                                    "pages wait", error.strerror)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, LONGEST_BACKOFF)
                continue
            backoff = FIRST_BACKOFF
            self._open += 1
            task = asyncio.create_task(self._connection(conn))
            self._pending[task] = time.monotonic()  # until its request has come
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._finished, conn))

    async def _connection(self, conn: socket.socket) -> None:
        try:
            reader, writer = await asyncio.open_connection(sock=conn, limit=MAX_HEAD)
            await self._client(reader, writer)
        except (OSError, asyncio.CancelledError):
            # Failed, or dropped to make room, perhaps before a transport owned it.
            conn.close()

    def _finished(self, conn: socket.socket, task: asyncio.Task[None]) -> None:
        """The books kept in a done callback, not a ``finally``: a task dropped before
        it first ran never runs its ``finally``."""
        self._tasks.discard(task)
        self._pending.pop(task, None)
        self._open -= 1
        self._freed.set()
        if task.cancelled():  # never started, so nothing else will close its socket
            conn.close()

    def _board_changed(self) -> None:
        # Called on the kiosk's thread: only hand the news to the loop.
        if self._thread is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(self._wake_streams)

    def _wake_streams(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------ one client

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                      ) -> None:
        try:
            try:
                request = await asyncio.wait_for(self._read(reader, writer),
                                                 self.head_seconds)
            finally:
                self._pending.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
            if request is None:
                return
            self._active.add(writer)
            await self._answer(request, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            _LOGGER.debug("a captions client was slow or went away")
        except Exception:
            _LOGGER.exception("the captions server failed")
        finally:
            self._active.discard(writer)
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                    ) -> Request | None:
        """The request, or None when it was refused (the reply already sent)."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            await self._plain(writer, "GET", Refused(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "The request is too big."))
            return None
        except asyncio.IncompleteReadError:
            return None  # a port scan, or a client that gave up
        request = _parse(head, writer.get_extra_info("peername"))
        if request is None:
            await self._plain(writer, "GET", Refused(HTTPStatus.BAD_REQUEST, "Bad request."))
            return None
        length = request.headers.get("content-length", "0")
        if request.method == "POST" and (not length.isdigit() or int(length) > MAX_BODY):
            await self._plain(writer, "POST", Refused(HTTPStatus.BAD_REQUEST,
                                                     "The buttons take no body."))
            return None
        if length.isdigit() and 0 < int(length) <= MAX_BODY:
            # Read and dropped: unread bytes would turn the close into a reset that
            # loses the reply.
            await reader.readexactly(int(length))
        return request

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> None:
        method = request.method
        try:
            self.access.check(request)
            path = request.path
            if path not in ROUTES:
                raise Refused(HTTPStatus.NOT_FOUND, "Not found.")
            allowed = "GET, HEAD" if ROUTES[path] == "GET" else ROUTES[path]
            if method not in allowed.split(", "):
                raise Refused(HTTPStatus.METHOD_NOT_ALLOWED, "Method not allowed.",
                             {"Allow": allowed})
            if path == "/":
                await self._page(request, writer)
            elif path == "/favicon.ico":
                await self._send(writer, method, HTTPStatus.NO_CONTENT, None, b"")
            elif path == "/state":
                await self._json(writer, method, self.board.snapshot())
            elif path == "/events":
                await self._events(writer, method)
            else:
                self.access.check_press(request)
                self.board.press(path[1:])
                await self._send(writer, method, HTTPStatus.NO_CONTENT, None, b"")
        except Refused as reply:
            await self._plain(writer, method, reply)
        except (TimeoutError, ConnectionError):
            raise
        except Exception:
            _LOGGER.exception("the captions server failed on %s %s", method, request.path)
            await self._plain(writer, method, Refused(HTTPStatus.INTERNAL_SERVER_ERROR,
                                                     "The guide hit an error."))

    async def _page(self, request: Request, writer: asyncio.StreamWriter) -> None:
        given = self.access.token_in_query(request)
        if given is not None:
            # Kept in a cookie for the page's own requests, and taken out of the
            # address bar and the browser's history.
            await self._send(writer, request.method, HTTPStatus.SEE_OTHER, None, b"", {
                "Location": "/", "Set-Cookie": self.access.cookie(given)})
            return
        await self._send(writer, request.method, HTTPStatus.OK, "text/html; charset=utf-8",
                         self.page)

    async def _events(self, writer: asyncio.StreamWriter, method: str) -> None:
        if self._streams >= MAX_STREAMS:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "Too many caption streams.",
                         {"Retry-After": "5"})
        self._streams += 1
        try:
            await self._write(writer, _head(HTTPStatus.OK, {
                "Content-Type": "text/event-stream; charset=utf-8"}) + b"retry: 1000\n\n")
            if method == "HEAD":
                return
            sent: object = -1
            shown: object = None
            while not self.closing.is_set():
                changed = self._changed
                state = self.board.snapshot()
                if state["seq"] != sent or state["brightness"] != shown:
                    sent, shown = state["seq"], state["brightness"]
                    payload = json.dumps(state, ensure_ascii=False)
                    await self._write(writer, f"id: {sent}\ndata: {payload}\n\n".encode())
                try:
                    await asyncio.wait_for(changed.wait(), self.keepalive)
                except TimeoutError:
                    await self._write(writer, b": keepalive\n\n")
        finally:
            self._streams -= 1

    # --------------------------------------------------------------- replies

    async def _json(self, writer: asyncio.StreamWriter, method: str, value: object) -> None:
        body = json.dumps(value, ensure_ascii=False).encode()
        await self._send(writer, method, HTTPStatus.OK, "application/json; charset=utf-8",
                         body)

    async def _plain(self, writer: asyncio.StreamWriter, method: str, reply: Refused) -> None:
        await self._send(writer, method, reply.status, "text/plain; charset=utf-8",
                         f"{reply.text}\n".encode(), reply.headers)

    async def _send(self, writer: asyncio.StreamWriter, method: str, status: HTTPStatus,
                    kind: str | None, body: bytes,
                    headers: Mapping[str, str] | None = None) -> None:
        fields = dict(headers or {})
        if kind is not None:
            fields["Content-Type"] = kind
        if status != HTTPStatus.NO_CONTENT:
            fields["Content-Length"] = str(len(body))
        await self._write(writer, _head(status, fields) + (b"" if method == "HEAD" else body))

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), self.write_seconds)


def _head(status: HTTPStatus, fields: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status.value} {status.phrase}", "Server: voiceguide-captions",
             "Connection: close", *(f"{k}: {v}" for k, v in fields.items()),
             *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse(head: bytes, peer: Any) -> Request | None:
    """The request line and headers; None when they are not HTTP/1.x."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:
        return None
    first, *rest = text.rstrip("\r\n").split("\r\n")
    parts = first.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        return None
    headers: dict[str, str] = {}
    for line in rest:
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or (name == "host" and name in headers):
            return None  # two Host headers are a trick, not a browser
        headers[name] = value.strip()
    target = urlsplit(parts[1])
    client = str(peer[0]) if isinstance(peer, tuple) and peer else ""
    return Request(parts[0], target.path, parse_qs(target.query), headers, client)


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that a taken port is known at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        raise VoiceguideError(
            f"cannot serve the captions screen on {host}:{port}: {error.strerror or error}; "
            "give another --captions HOST:PORT") from error
    sock.setblocking(False)
    return sock


def _loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # asyncio reports an accept() at the open-file limit here, once a second while it
    # lasts; that is a warning about load, not a traceback for the journal.
    _LOGGER.warning("captions server: %s", context.get("message", "error"))
    _LOGGER.debug("captions server error", exc_info=context.get("exception"))

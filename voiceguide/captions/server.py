"""The captions screen's web server: one page, its state, a live event stream and three
buttons, on the standard library alone.

What people say to the guide is health information, so by default the server answers
only this computer: the check is on the client's address, not on where the socket is
bound, and the Host header must name this computer too, so a web page elsewhere cannot
read the captions through a domain name that points here (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socketserver
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from socket import AF_INET6
from typing import Any
from urllib.parse import urlsplit

from voiceguide.captions.board import BUTTONS, CaptionBoard
from voiceguide.errors import VoiceguideError

_LOGGER = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
"""A comment line this often keeps proxies and the browser from dropping a quiet stream."""

POLL_SECONDS = 0.25
"""How often the server and a waiting event stream look up to see whether to close."""

MAX_STREAMS = 8
"""A page that reconnects in a loop must not pile up threads on a kiosk running all day."""

MAX_BODY = 4096
"""A button press carries no body; up to this much is read and dropped, because unread
bytes would turn the close into a reset that loses the reply."""

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": ("default-src 'self'; style-src 'unsafe-inline'; "
                                "script-src 'unsafe-inline'; connect-src 'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

ROUTES = {"/": "GET", "/state": "GET", "/events": "GET"} | dict.fromkeys(
    (f"/{name}" for name in BUTTONS), "POST")


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 hosts in brackets) as given on the command line."""
    host, colon, port = text.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        if ":" not in host:
            host = ""
    elif ":" in host:
        host = ""  # an IPv6 host without brackets cannot be told from its port
    if not colon or not host or " " in host or not port.isdigit() or int(port) > 65535:
        raise VoiceguideError(
            f"--captions {text!r} is not HOST:PORT; give for example 127.0.0.1:8765")
    return host, int(port)


def client_allowed(address: str, allow_remote: bool) -> bool:
    """Loopback is 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address, which is how
    a dual-stack socket reports a local IPv4 client."""
    if allow_remote:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def host_is_local(host_header: str | None) -> bool:
    """Whether a Host header names this computer by a loopback name or address."""
    if not host_header:
        return True  # HTTP/1.0 clients may leave it out; the client address was checked
    name = urlsplit(f"//{host_header}").hostname or ""
    return name == "localhost" or client_allowed(name, allow_remote=False)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: CaptionServer) -> None:
        if ":" in address[0]:
            self.address_family = AF_INET6
        self.owner = owner
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own looks the host's name up in DNS, which can hang offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; a browser closing a tab is no error.
        _LOGGER.debug("a captions request ended with an error", exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "voiceguide-captions"
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s\n"
    _replied = False

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def version_string(self) -> str:
        return self.server_version  # the Python version is nobody else's business

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("captions: " + format, *args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._replied = True
        super().send_response(code, message)

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def _dispatch(self, method: str) -> None:
        owner = self.server.owner
        try:
            if not owner.allow_remote and not (client_allowed(self.client_address[0], False)
                                               and host_is_local(self.headers.get("Host"))):
                _LOGGER.debug("refused a captions request from another computer")
                self._text(HTTPStatus.FORBIDDEN, "The captions screen answers only this "
                                                 "computer.")
                return
            path = urlsplit(self.path).path
            if path not in ROUTES:
                self._text(HTTPStatus.NOT_FOUND, "Not found.")
            elif ROUTES[path] != method:
                self._text(HTTPStatus.METHOD_NOT_ALLOWED, "Method not allowed.",
                           {"Allow": ROUTES[path]})
            elif path == "/":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", owner.page)
            elif path == "/state":
                self._json(owner.board.snapshot())
            elif path == "/events":
                self._events(owner)
            else:
                self._press(owner, path[1:])
        except (BrokenPipeError, ConnectionResetError):
            _LOGGER.debug("a captions client went away mid-reply")
        except Exception:
            _LOGGER.exception("the captions server failed on %s %s", method, self.path)
            if not self._replied:
                self._text(HTTPStatus.INTERNAL_SERVER_ERROR, "The guide hit an error.")

    def _press(self, owner: CaptionServer, name: str) -> None:
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            self._text(HTTPStatus.BAD_REQUEST, "The buttons take no body.")
            return
        self.rfile.read(int(length))
        origin = self.headers.get("Origin")
        if origin not in (None, f"http://{self.headers.get('Host')}"):
            self._text(HTTPStatus.FORBIDDEN, "Only the captions page can press its buttons.")
            return
        owner.board.press(name)
        self.send_response(HTTPStatus.NO_CONTENT)
        self.end_headers()

    def _events(self, owner: CaptionServer) -> None:
        if not owner.stream_opened():
            self._text(HTTPStatus.SERVICE_UNAVAILABLE, "Too many caption streams.",
                       {"Retry-After": "5"})
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            seq = -1
            quiet_since = time.monotonic()
            while not owner.closing.is_set():
                state = owner.board.wait(seq, POLL_SECONDS)
                if state is not None:
                    seq = int(state["seq"])  # type: ignore[call-overload]
                    payload = json.dumps(state, ensure_ascii=False)
                    self.wfile.write(f"id: {seq}\ndata: {payload}\n\n".encode())
                elif time.monotonic() - quiet_since >= owner.keepalive:
                    self.wfile.write(b": keepalive\n\n")
                else:
                    continue
                self.wfile.flush()
                quiet_since = time.monotonic()
        finally:
            owner.stream_closed()

    def _json(self, value: object) -> None:
        body = json.dumps(value, ensure_ascii=False).encode()
        self._send(HTTPStatus.OK, "application/json; charset=utf-8", body)

    def _text(self, status: HTTPStatus, text: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain; charset=utf-8", f"{text}\n".encode(), headers)

    def _send(self, status: HTTPStatus, kind: str, body: bytes,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class CaptionServer:
    """Serves a board's captions page on a daemon thread, so the kiosk loop never waits
    on a browser."""

    def __init__(self, board: CaptionBoard, host: str = "127.0.0.1", port: int = 0,
                 allow_remote: bool = False) -> None:
        self.board = board
        self.allow_remote = allow_remote
        self.keepalive = KEEPALIVE_SECONDS
        self.closing = threading.Event()
        self.page = resources.files("voiceguide.captions").joinpath("page.html").read_bytes()
        self._streams = 0
        self._streams_lock = threading.Condition()
        self._thread: threading.Thread | None = None
        try:
            self._httpd = _HTTPServer((host, port), self)
        except OSError as error:
            raise VoiceguideError(
                f"cannot serve the captions screen on {host}:{port}: {error.strerror or error}; "
                "give another --captions HOST:PORT") from error
        bound = ipaddress.ip_address(self._httpd.server_address[0])
        if allow_remote:
            _LOGGER.warning("the captions screen is open to other computers on the network; "
                            "anyone there can read what is said")
        elif not bound.is_loopback:
            _LOGGER.warning("the captions screen listens on %s but answers only this "
                            "computer; other computers get 403", host)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(POLL_SECONDS,),
                                        name="captions", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where this computer's browser finds the page; a wildcard bind is reached here
        through loopback, the only address it answers by default."""
        address = self._httpd.server_address
        ip = ipaddress.ip_address(address[0])
        if ip.is_unspecified:
            ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
        host = f"[{ip}]" if ip.version == 6 else str(ip)
        return f"http://{host}:{address[1]}/"

    def close(self) -> None:
        """Stops serving and gives open event streams a moment to end their responses, so
        a browser sees a clean end of stream rather than a reset."""
        self.closing.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()
        with self._streams_lock:
            self._streams_lock.wait_for(lambda: self._streams == 0, POLL_SECONDS * 4)

    def stream_opened(self) -> bool:
        with self._streams_lock:
            if self._streams >= MAX_STREAMS:
                return False
            self._streams += 1
            return True

    def stream_closed(self) -> None:
        with self._streams_lock:
            self._streams -= 1
            self._streams_lock.notify_all()

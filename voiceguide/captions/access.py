"""Who may read the captions screen and press its buttons.

By default only this computer. With ``allow_remote`` other computers may too, but the
Host check stays on: a web page elsewhere could otherwise read what people said through
a domain name that it points at the kiosk (DNS rebinding). So a remote screen must reach
the kiosk by an IP address or by a name the operator listed, and a token, when set, is
asked of every other computer; without one they may read but not press.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

COOKIE = "voiceguide_token"
MIN_TOKEN = 16
"""Characters: enough that guessing it over a care home's network is hopeless."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    """Lower-case names."""
    client: str
    """The peer's address as the socket reports it."""


class Refused(Exception):
    """A request answered early, with a status and one line of plain text."""

    def __init__(self, status: HTTPStatus, text: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(text)
        self.status, self.text, self.headers = status, text, dict(headers or {})


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
    name = _host_name(host_header)
    return name == "localhost" or client_allowed(name, allow_remote=False)


def _host_name(host_header: str) -> str:
    return (urlsplit(f"//{host_header}").hostname or "").rstrip(".").lower()


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


class Access:
    """The rules, given ``allow_remote`` and what lets other computers in."""

    def __init__(self, allow_remote: bool = False, token: str = "",
                 hosts: tuple[str, ...] = ()) -> None:
        if allow_remote and not token and not hosts:
            raise ValueError("serving other computers needs a token or a list of host "
                             "names; the Host check is never turned off")
        if token and len(token) < MIN_TOKEN:
            raise ValueError(f"a captions token needs at least {MIN_TOKEN} characters")
        self.allow_remote = allow_remote
        self._token = token
        self._hosts = frozenset(host.rstrip(".").lower() for host in hosts)

    def describe(self) -> str:
        parts = []
        if self._token:
            parts.append("a token is asked of them")
        if self._hosts:
            parts.append(f"by the names {', '.join(sorted(self._hosts))} or an address")
        return "; ".join(parts)

    def check(self, request: Request) -> None:
        """Raises ``Refused`` unless the request may read the screen."""
        local = client_allowed(request.client, allow_remote=False)
        host = request.headers.get("host")
        if not local and not self.allow_remote:
            raise Refused(HTTPStatus.FORBIDDEN, "The captions screen answers only this "
                                                "computer.")
        if not self._host_allowed(host, local):
            raise Refused(HTTPStatus.FORBIDDEN, "The captions screen does not answer to "
                                                "that name.")
        if not local and self._token and not self._has_token(request):
            raise Refused(HTTPStatus.UNAUTHORIZED, "Open the screen's address with "
                                                   "?token= and the token from kiosk.toml.")

    def check_press(self, request: Request) -> None:
        """Raises ``Refused`` unless the request may press a button: from the page itself,
        and from another computer only with the token."""
        origin = request.headers.get("origin")
        if origin not in (None, f"http://{request.headers.get('host')}"):
            raise Refused(HTTPStatus.FORBIDDEN, "Only the captions page can press its "
                                                "buttons.")
        local = client_allowed(request.client, allow_remote=False)
        if not local and not (self._token and self._has_token(request)):
            raise Refused(HTTPStatus.FORBIDDEN, "Buttons on another computer need the "
                                                "captions token.")

    def token_in_query(self, request: Request) -> str | None:
        """A right ``?token=`` on the page's address, to be turned into a cookie."""
        given = request.query.get("token", [""])[0]
        return given if self._token and self._matches(given) else None

    def cookie(self, token: str) -> str:
        return f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"

    def _host_allowed(self, host: str | None, local: bool) -> bool:
        if not host:
            return local  # HTTP/1.0 from this computer; another always names the host
        if host_is_local(host):
            return True
        if not self.allow_remote:
            return False
        # An address cannot be rebound to another site; a name must be listed.
        name = _host_name(host)
        return _is_ip(name) or name in self._hosts

    def _has_token(self, request: Request) -> bool:
        for part in request.headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and self._matches(value):
                return True
        return self._matches(request.query.get("token", [""])[0])

    def _matches(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self._token.encode())

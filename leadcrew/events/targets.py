"""Where a webhook may send: no server-side request forgery.

A URL target is https:// to a host whose every address is public, or, for a host listed in
LEADCREW_WEBHOOK_ALLOWED_HOSTS (tests, a private network), http:// or https:// to whatever
address it has. The check runs when the webhook is saved and again at each delivery, and the
connection goes to the address that was checked, so a name that changes its address between
the two (DNS rebinding) cannot turn a delivery inward."""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from leadcrew.core.errors import Code, InvalidParameter

MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query
    address: str  # the checked address to connect to


def allowed_hosts() -> set[str]:
    return {host.lower() for host in settings.LEADCREW_WEBHOOK_ALLOWED_HOSTS}


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> Target | None:
    """The target of a URL, or InvalidParameter on `target` saying why it is refused. Without
    `resolve`, only its form is checked (None is answered)."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidParameter("target", Code.TOO_LONG, max=MAX_URL_LENGTH)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_INVALID) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_INVALID)
    listed = host in allowed_hosts()
    if parts.scheme == "http" and not listed:
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_NOT_HTTPS)
    if not resolve:
        return None
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_UNRESOLVED) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_UNRESOLVED)
    if not listed and not all(_is_public(address) for address in addresses):
        raise InvalidParameter("target", Code.WEBHOOK_TARGET_PRIVATE)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])


def check_email(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidParameter("target", Code.INVALID_EMAIL) from None
    return address


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


MAX_ANSWER = 10_000


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POSTs to the checked address; redirects are not followed (a 3xx is an answer)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_ANSWER).decode("utf-8", "replace")
        return Answer(response.status, text)
    finally:
        connection.close()

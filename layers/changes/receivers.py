"""Where webhooks may go, and posting to a receiver at the address that was checked.

A receiver URL must start with a prefix an administrator allowed (WEBHOOK_ALLOWED_URLS), and its
host must resolve only to public addresses, or to networks the administrator allowed
(WEBHOOK_ALLOWED_NETWORKS): a webhook is not a way to reach the server's own or internal hosts.
The connection goes to the address checked, not to a second lookup of the name, so a name that
resolves to a public address at check time and to 127.0.0.1 a moment later (DNS rebinding) still
reaches the public one."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from layers.api.models import parse_networks

_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_RESPONSE_BYTES = 64 * 1024


class ReceiverRefused(ValueError):
    """The URL may not receive webhooks; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    address: str  # the IP address checked, connected to


def _origin(url: str):
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError as exc:
        raise ReceiverRefused(f"{url!r} has a bad port.") from exc
    return parts, scheme, (parts.hostname or "").lower(), port


def url_allowed(url: str) -> bool:
    """Whether `url` starts with one of WEBHOOK_ALLOWED_URLS (compared by scheme, host, port, path)."""
    parts, scheme, host, port = _origin(url)
    for prefix in settings.WEBHOOK_ALLOWED_URLS:
        allowed, a_scheme, a_host, a_port = _origin(prefix)
        if (scheme, host, port) == (a_scheme, a_host, a_port) and (parts.path or "/").startswith(allowed.path or "/"):
            return True
    return False


def _address_permitted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in parse_networks(",".join(settings.WEBHOOK_ALLOWED_NETWORKS))):
        return True
    return address.is_global and not address.is_multicast


def receiver_check(url: str) -> Target:
    """The target to post to, or ReceiverRefused."""
    parts, scheme, host, port = _origin(url)
    if scheme not in _DEFAULT_PORTS or not host:
        raise ReceiverRefused("A receiver is an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise ReceiverRefused("A receiver URL may not carry a user name or password; the signature authenticates "
                              "the sender.")
    if not url_allowed(url):
        raise ReceiverRefused(f"{url} is not among the receivers an administrator allowed; ask them to add its "
                              "prefix to WEBHOOK_ALLOWED_URLS.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ReceiverRefused(f"The host {host} cannot be resolved: {exc.strerror}.") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    for address in addresses:
        if not _address_permitted(address):
            raise ReceiverRefused(f"{host} resolves to {address}, a loopback, private or link-local address; "
                                  "an administrator may allow its network in WEBHOOK_ALLOWED_NETWORKS.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; the certificate is still verified for the host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    status: int
    duration_ms: float


def receiver_post(*, target: Target, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body`; redirects are not followed (a 3xx is a failed delivery). OSError or
    http.client.HTTPException when the receiver cannot be reached or answers garbage."""
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target, timeout)
    started = time.perf_counter()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return PostResult(response.status, (time.perf_counter() - started) * 1000)
    finally:
        connection.close()

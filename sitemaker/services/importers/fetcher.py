"""Fetching an image from a site being moved in, without letting a tenant reach inside our
network (SSRF): http(s) only; every address a name resolves to must be public, checked after
DNS resolution and again for each redirect; the connection goes to the checked address (no
second lookup a rebinding DNS server could answer differently); size and time are bounded.
The caller checks the bytes with Pillow (media.prepare)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

Resolver = Callable[[str, int], list[str]]
MAX_REDIRECTS = 5


class FetchRefused(Exception):
    """The URL was not fetched; the message says why (shown in the import report)."""


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(f"the name {host} does not resolve") from error
    return [info[4][0] for info in infos]


def refused_address(ip: str, port: int = 0, allow: str | None = None) -> str | None:
    """Why this address may not be fetched from, or None for a public one. `allow` names the
    one loopback "ip:port" a test server listens on (tests only)."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"{ip} is not an address"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow == f"{address}:{port}" else f"{ip} is a loopback address"
    if address.is_link_local:
        return f"{ip} is a link-local address (cloud metadata lives there)"
    if address.is_private or not address.is_global or address.is_multicast:
        return f"{ip} is a private or reserved address"
    return None


def _connection(scheme: str, host: str, ip: str, port: int, timeout: float):
    if scheme == "http":
        return http.client.HTTPConnection(ip, port, timeout=timeout)
    context = ssl.create_default_context()

    class Pinned(http.client.HTTPSConnection):
        def connect(self) -> None:  # to the checked address, with the name for SNI and the cert
            sock = socket.create_connection((ip, port), timeout)
            self.sock = context.wrap_socket(sock, server_hostname=host)

    return Pinned(host, port, timeout=timeout, context=context)


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 10.0,
    resolver: Resolver | None = None,
    allow_loopback: str | None = None,
) -> tuple[bytes, str]:
    """(body, final URL) of a GET, or FetchRefused."""
    resolve = resolver or system_resolver
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchRefused(f"only http and https addresses are fetched, not {url[:80]}")
        if not parts.hostname or parts.username or parts.password:
            raise FetchRefused("the address has no host, or carries a password")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("the address has an impossible port") from None
        addresses = resolve(parts.hostname, port)
        if not addresses:
            raise FetchRefused(f"the name {parts.hostname} does not resolve")
        for ip in addresses:
            if (why := refused_address(ip, port, allow_loopback)) is not None:
                raise FetchRefused(f"{parts.hostname} is not fetched from: {why}")
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchRefused("it took too long")
        conn = _connection(parts.scheme, parts.hostname, addresses[0], port, left)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", path, headers={"Host": parts.netloc.rsplit("@", 1)[-1],
                         "User-Agent": "sitemaker-import", "Accept": "image/*"})  # fmt: skip
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused(f"a redirect ({response.status}) without an address")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"the old site answered {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchRefused(f"it is larger than {max_bytes // 1024 // 1024} MB")
            body = bytearray()
            while chunk := response.read(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchRefused(f"it is larger than {max_bytes // 1024 // 1024} MB")
                if time.monotonic() > deadline:
                    raise FetchRefused("it took too long")
            return bytes(body), url
        except (OSError, http.client.HTTPException) as error:
            raise FetchRefused(
                f"the old site could not be reached ({type(error).__name__})"
            ) from None
        finally:
            conn.close()
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")

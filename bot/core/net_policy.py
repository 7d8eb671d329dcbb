"""Where the bot may fetch from: allow-listed https hosts on public addresses, no SSRF.

Links in chat messages come from the client side of the protocol, so every hop of a download
is checked: https, an allowed host, every resolved address public (the connection goes to the
very addresses checked, so a second DNS answer cannot swap in an internal one), and redirects
re-checked hop by hop. Credentials go only to the origin the caller gave them for.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from bot.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Origin = tuple[str, str, int]  # scheme, host (lower case), port
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"https": 443, "http": 80}
_HOSTNAME = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")
# RFC 6052's well-known NAT64 prefix: the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NOT_PLAIN = "the download link is not a plain web address, so I did not open it."
_PRIVATE = "the download link points into a private network, so I did not open it."
_NOT_HTTPS = "the download link is not https, so I did not open it."


class UnsafeUrl(InvalidInput):
    """A link the bot will not open: not https, not an allowed host, or not a public address."""


def is_public_address(address: str | IPAddress) -> bool:
    """True for a globally routable unicast address; IPv4 inside IPv6 is judged as IPv4."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """`host` is one of `patterns`: an exact name, or `*.example.com` for any name under it."""
    host = host.lower().rstrip(".")
    if not _HOSTNAME.fullmatch(host):
        return False
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None when it has no usable host or port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme]


@dataclass(frozen=True)
class FetchPolicy:
    """What may be fetched: https on `hosts` (exact or `*.suffix`).

    `local_origins` are development services (a local emulator, a test's fake) reachable over
    plain http on loopback; callers add them only outside production.
    """

    hosts: tuple[str, ...]
    local_origins: frozenset[Origin] = frozenset()
    max_redirects: int = 3

    def check(self, url: str) -> Origin:
        """The URL's origin if it may be fetched; else `UnsafeUrl` (nothing was contacted)."""
        origin = origin_of(url)
        if origin is None or "@" in (urlsplit(url).netloc or ""):
            raise UnsafeUrl(_NOT_PLAIN)
        scheme, host, _port = origin
        literal = _ip(host)
        if origin in self.local_origins:
            if literal is not None and not (literal.is_loopback or is_public_address(literal)):
                raise UnsafeUrl(_PRIVATE)
            return origin
        if scheme != "https":
            raise UnsafeUrl(_NOT_HTTPS)
        if literal is not None and not is_public_address(literal):
            raise UnsafeUrl(_PRIVATE)
        if not host_allowed(host, self.hosts):
            raise UnsafeUrl(
                f"I only download from the chat service's own file hosts, not from {host}."
            )
        return origin

    def loopback_allowed(self, host: str, port: int) -> bool:
        return any(h == host.lower().rstrip(".") and p == port for _, h, p in self.local_origins)


class GuardedResolver(AbstractResolver):
    """The system resolver, refusing a name if any of its addresses is not public."""

    def __init__(self, policy: FetchPolicy) -> None:
        self._inner = ThreadedResolver()
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        loopback_ok = self._policy.loopback_allowed(host, port)
        for result in results:
            ip = _ip(result["host"])
            allowed = ip is not None and (is_public_address(ip) or (loopback_ok and ip.is_loopback))
            if not allowed:
                raise UnsafeUrl(f"{host} points into a private network, so I did not open it.")
        return results

    async def close(self) -> None:
        await self._inner.close()


@asynccontextmanager
async def guarded_get(
    url: str,
    *,
    policy: FetchPolicy,
    headers: Mapping[str, str] | None = None,
    timeout: aiohttp.ClientTimeout | None = None,
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET `url` under `policy`, following redirects hop by hop (each one checked).

    `headers` (credentials) go only to the first URL's origin, never to a redirect elsewhere.
    The connector resolves through `GuardedResolver` and connects to the addresses it checked.
    """
    first = policy.check(url)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy), use_dns_cache=False)
    # trust_env stays off: no proxy from the environment stands between the check and the host.
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        for _hop in range(policy.max_redirects + 1):
            sent = dict(headers or {}) if policy.check(url) == first else {}
            response = await http.get(url, headers=sent, allow_redirects=False)
            if response.status not in REDIRECTS:
                try:
                    yield response
                finally:
                    response.release()
                return
            location = response.headers.get("Location", "")
            response.release()
            if not location:
                raise UnsafeUrl("the file host redirected nowhere, so I stopped.")
            url = urljoin(url, location)
        raise UnsafeUrl("the file host redirected too many times, so I stopped.")


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None

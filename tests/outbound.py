"""The outside network as tests see it: a fake DNS, and no connection beyond loopback.

Tests of link checks name internal addresses (10.0.0.1, 169.254.169.254). Even if a check
regressed, no packet may leave this machine: every connection to a non-loopback address is
recorded and refused here, at the socket, before it is made.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Outbound:
    """Names the fake DNS knows; every connection made, and those refused beyond loopback."""

    names: dict[str, str] = field(default_factory=dict)
    connections: list[tuple[str, int]] = field(default_factory=list)
    blocked: list[tuple[str, int]] = field(default_factory=list)

    def reached(self, port: int) -> bool:
        """Whether anything connected to this port (on any address)."""
        return any(p == port for _, p in self.connections)


@contextmanager
def outbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbound]:
    state = Outbound()
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".") in state.names:
            return real_getaddrinfo(state.names[name.lower().rstrip(".")], port, *args, **kwargs)
        if name in (None, "localhost") or _is_ip(name):
            return real_getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"fake DNS: no such name {name!r}")

    def guard(sock: socket.socket, address: Any) -> None:
        if not isinstance(address, tuple):  # a Unix socket
            return
        host, port = str(address[0]), int(address[1])
        state.connections.append((host, port))
        if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            state.blocked.append((host, port))
            raise ConnectionRefusedError(f"tests never leave this machine ({host}:{port})")

    def connect(sock: socket.socket, address: Any) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield state


def _is_ip(name: object) -> bool:
    try:
        ipaddress.ip_address(str(name).split("%")[0])
    except ValueError:
        return False
    return True

"""A base for local fakes of vendors' JSON APIs: a real HTTP server on 127.0.0.1, in a thread.

Each fake (GitHub, Okta, Graph…) subclasses `FakeApi` and answers in `handle`; the base adds
what every real API does to a client: latency, throttling (429 with Retry-After), outages,
and a log of every request so tests can assert what was asked and with which credentials.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    """One request the client made: method, path, query (last value wins), lower-case headers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Reply:
    """What the fake answers: a status, a JSON body (or raw bytes) and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


class FakeApi(contextlib.AbstractContextManager["FakeApi"]):
    """A JSON API on 127.0.0.1; subclasses implement `handle`. Use as a context manager."""

    def __init__(self) -> None:
        self.latency = 0.0  # seconds before every answer
        self.requests: list[Request] = []
        # Retry-After values to answer with (429), one per request, before serving again.
        self.throttles: list[str] = []
        self.outage: int | None = None  # answer every request with this status (e.g. 503)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, request: Request) -> Reply:  # pragma: no cover - subclasses answer
        raise NotImplementedError

    def paths(self, prefix: str = "") -> list[str]:
        """The paths requested so far (optionally only those starting with `prefix`)."""
        return [r.path for r in self.requests if r.path.startswith(prefix)]

    def _answer(self, request: Request) -> Reply:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.requests.append(request)
            throttle = self.throttles.pop(0) if self.throttles else None
        if throttle is not None:
            return Reply(429, {"message": "Too Many Requests"}, {"Retry-After": throttle})
        if self.outage is not None:
            return Reply(self.outage, {"message": "Service Unavailable"})
        return self.handle(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes: with Nagle on, each answer would wait
            # for the client's delayed ACK (about 40 ms), which no real API makes it do.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = fake._answer(request)
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers: Mapping[str, str] = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    return

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
                return

        return Handler


def link_header(base: str, path: str, page: int, last: int, query: Mapping[str, str]) -> str:
    """A GitHub/Okta style Link header for `page` of `last` (1-based)."""

    def at(n: int) -> str:
        q = "&".join(f"{k}={v}" for k, v in {**query, "page": str(n)}.items())
        return f"<{base}{path}?{q}>"

    links = []
    if page < last:
        links += [f'{at(page + 1)}; rel="next"', f'{at(last)}; rel="last"']
    if page > 1:
        links += [f'{at(1)}; rel="first"', f'{at(page - 1)}; rel="prev"']
    return ", ".join(links)

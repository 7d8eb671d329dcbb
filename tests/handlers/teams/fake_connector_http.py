"""The fake connector's wire: the calls it records, its error bodies and its HTTP handler."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

Payload = dict[str, Any]
Answer = tuple[int, Any, dict[str, str]]  # status, JSON body (None: empty), extra headers
Download = tuple[int, bytes, str, dict[str, str]]  # status, bytes, content type, extra headers
ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    412: "PreconditionFailed",
    429: "TooManyRequests",
}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Call:
    """One request: HTTP method, URL-decoded path, JSON body, headers (lower-case), our status."""

    method: str
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    status: int = 200


def error(status: int, code: str | None = None, message: str = "") -> Payload:
    """The connector's error body: `{"error": {"code", "message"}}`."""
    return {"error": {"code": code or ERROR_CODES.get(status, "ServiceError"), "message": message}}


class Served(Protocol):
    """What the handler needs of the fake connector it serves."""

    _lock: threading.Lock
    calls: list[Call]

    def handle(
        self, method: str, path: str, body: Payload | None, headers: dict[str, str], query: str = ""
    ) -> Answer: ...

    def download(self, path: str, headers: dict[str, str]) -> Download: ...


class ConnectorHandler(BaseHTTPRequestHandler):
    fake: Served  # set on a subclass per fake

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _route(self) -> None:
        # Split before decoding: conversation ids carry ':', '@' and ';' (clients quote them).
        raw_path, query = urlsplit(self.path).path, urlsplit(self.path).query
        path = "/".join(unquote(part) for part in raw_path.split("/"))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path.startswith("/v3/"):
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self._send(
                    400, json.dumps(error(400, message="Bad JSON")).encode(), "application/json"
                )
                return
            status, payload, extra = self.fake.handle(self.command, path, body, headers, query)
            data = b"" if payload is None else json.dumps(payload).encode()
            self._send(status, data, "application/json; charset=utf-8", extra)
            return
        status, data, kind, extra = self.fake.download(path, headers)
        with self.fake._lock:
            self.fake.calls.append(Call(self.command, path, None, headers, status))
        self._send(status, data, kind, extra)

    do_GET = do_POST = do_PUT = do_DELETE = _route

    def _send(
        self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in {
            "Content-Type": kind,
            "Content-Length": str(len(body)),
            **(extra or {}),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        # In chunks, as a large file is streamed; a client may hang up at its size limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for start in range(0, len(body), CHUNK):
                self.wfile.write(body[start : start + CHUNK])

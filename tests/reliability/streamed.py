"""One request sent straight to the app's ASGI interface, as a server would pass it on.

The TestClient reads a whole streamed body before the app sees any of it, and re-encodes
header values as UTF-8; uvicorn passes chunks on as they arrive and header bytes as sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

from tests.reliability.world import World

Headers = dict[str, str] | list[tuple[str, str | bytes]]


class Streamed:
    """POST `path` with raw header bytes; `pulled` counts the body chunks the app asked for."""

    def __init__(self, world: World, path: str, headers: Headers) -> None:
        self.app, self.path = world.client.app, path
        pairs = headers.items() if isinstance(headers, dict) else headers
        self.headers = [
            (k.lower().encode(), v if isinstance(v, bytes) else v.encode()) for k, v in pairs
        ]
        self.pulled = 0
        self.status = 0
        self.body = b""

    def post(self, chunks: Iterable[bytes]) -> Streamed:
        asyncio.run(self._post(iter(chunks)))
        return self

    async def _post(self, chunks: Iterator[bytes]) -> None:
        scope = {"type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
                 "path": self.path, "raw_path": self.path.encode(), "root_path": "",
                 "query_string": b"", "headers": self.headers, "client": ("127.0.0.1", 1),
                 "server": ("testserver", 80)}  # fmt: skip
        done = False

        async def receive() -> dict[str, Any]:
            nonlocal done
            chunk = None if done else next(chunks, None)
            if chunk is None:
                if done:
                    return {"type": "http.disconnect"}
                done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            self.pulled += 1
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            self.status = message.get("status", self.status)
            self.body += message.get("body", b"")

        await self.app(scope, receive, send)  # type: ignore[operator]

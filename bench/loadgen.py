"""A small load generator: signed Slack requests over keep-alive HTTP/1.1, latencies recorded.

A raw asyncio client, not aiohttp or httpx: on a 2-core machine their per-request cost
(~0.4 ms) caps a client near 2,500 requests/s, below what a bare endpoint serves, so the
"ceiling" would measure the client. This one costs ~0.1 ms a request. Bounded: it runs
`clients` connections for `seconds`, to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from benchlib import percentile

Body = Callable[[int], bytes]


@dataclass
class Load:
    """What one load run saw."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    samples: list[bytes] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        ok = self.statuses.get(200, 0)
        ms = [x * 1000 for x in self.latencies]
        return {
            "requests": len(self.latencies),
            "ok": ok,
            "errors": len(self.latencies) - ok,
            "rps": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1) if ms else 0.0,
        }


def slash_body(text: str, user_id: str, n: int) -> bytes:
    """A `/soc2` slash command's form body, as Slack sends it."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T1",
            "team_domain": "bench",
            "channel_id": f"D{user_id[1:]}",
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/soc2",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/T1/{n}/bench",
            "trigger_id": f"{n}.42",
        }
    ).encode()


def signed_request(body: bytes, secret: bytes, host: str) -> bytes:
    """The HTTP request Slack makes: v0 HMAC-SHA256 signature over `v0:timestamp:body`."""
    ts = str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + body
    signature = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _client(
    port: int, body: Body, secret: bytes, until: float, out: Load, measure_from: float
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while (started := time.perf_counter()) < until:
            n += 1
            writer.write(signed_request(body(n), secret, f"127.0.0.1:{port}"))
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                elif name.strip().lower() == b"transfer-encoding":
                    raise RuntimeError("chunked answers are not supported by this client")
            payload = await reader.readexactly(length) if length else b""
            if started < measure_from:
                continue  # warm-up
            status = int(head[9:12])
            out.latencies.append(time.perf_counter() - started)
            out.statuses[status] = out.statuses.get(status, 0) + 1
            if len(out.samples) < 3 or status != 200 and len(out.samples) < 10:
                out.samples.append(head[:12] + b" " + payload[:300])
    finally:
        writer.close()


async def run_load(
    port: int, body: Body, *, secret: str, clients: int, seconds: float, warmup: float
) -> Load:
    """`clients` keep-alive connections sending signed requests for `warmup` + `seconds`."""
    load = Load()
    start = time.perf_counter()
    measure_from, until = start + warmup, start + warmup + seconds
    key = secret.encode()
    await asyncio.gather(
        *(_client(port, body, key, until, load, measure_from) for _ in range(clients))
    )
    load.seconds = time.perf_counter() - measure_from
    return load

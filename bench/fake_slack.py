"""A fake Slack Web API for benchmarks, with Slack's per-channel limit on chat.postMessage.

    .venv/bin/python bench/fake_slack.py --port 0 --per-channel 1 --latency-ms 100

It runs in its own process (so that it does not share a core's time with what it measures),
prints `listening on PORT` once ready, and answers:

- `chat.postMessage`: a token bucket per channel (`--per-channel` messages a second, bursts
  of `--burst`); over it, HTTP 429 with `Retry-After` and `{"ok": false, "error":
  "ratelimited"}`, as Slack does. A user id is answered with that user's DM channel.
- `conversations.open`, `conversations.history` (empty), `auth.test`: what Slack answers.
- `users.info` and `users.lookupByEmail`: `users_not_found` (benchmarks pre-link everyone,
  so a call to these means the command path went to Slack).
- `GET /stats`: calls per method, 429s, the busiest channel's count; `POST /reset` clears them.

Every answer waits `--latency-ms` first (Slack's own latency, seen from a server).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

Payload = dict[str, Any]


@dataclass
class Bucket:
    tokens: float
    stamp: float


@dataclass
class Fake:
    per_channel: float
    burst: float
    latency: float
    calls: Counter[str] = field(default_factory=Counter)
    posts: Counter[str] = field(default_factory=Counter)
    limited: int = 0
    buckets: dict[str, Bucket] = field(default_factory=dict)
    ts: itertools.count[int] = field(default_factory=itertools.count)

    def admit(self, channel: str) -> float:
        """0 when the channel may post now (a token is taken), else seconds until it may."""
        now = time.monotonic()
        bucket = self.buckets.setdefault(channel, Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.per_channel)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_channel

    def stats(self) -> Payload:
        busiest = self.posts.most_common(1)
        return {
            "calls": dict(self.calls),
            "rate_limited": self.limited,
            "channels": len(self.posts),
            "busiest_channel_posts": busiest[0][1] if busiest else 0,
        }


def dm(channel: str) -> str:
    """The DM conversation of a user id; other channels as given."""
    return f"D{channel[1:]}" if channel[:1] in ("U", "W") else channel


async def api(request: web.Request) -> web.Response:
    fake: Fake = request.app["fake"]
    method = request.match_info["method"]
    args = await _args(request)
    fake.calls[method] += 1
    if fake.latency:
        await asyncio.sleep(fake.latency)
    if method == "chat.postMessage":
        channel = dm(str(args.get("channel") or ""))
        wait = fake.admit(channel)
        if wait:
            fake.limited += 1
            body = {"ok": False, "error": "ratelimited"}
            headers = {"Retry-After": str(max(1, math.ceil(wait)))}
            return web.json_response(body, status=429, headers=headers)
        fake.posts[channel] += 1
        ts = f"{1700000000 + next(fake.ts)}.000100"
        return web.json_response({"ok": True, "channel": channel, "ts": ts, "message": {}})
    answers: dict[str, Payload] = {
        "conversations.open": {"ok": True, "channel": {"id": dm(str(args.get("users") or ""))}},
        "conversations.history": {"ok": True, "messages": [], "has_more": False},
        "auth.test": {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"},
        "users.info": {"ok": False, "error": "user_not_found"},
        "users.lookupByEmail": {"ok": False, "error": "users_not_found"},
    }
    return web.json_response(answers.get(method, {"ok": True}))


async def _args(request: web.Request) -> Payload:
    body = await request.read()
    args: Payload = dict(request.query)
    kind = request.headers.get("Content-Type", "")
    if kind.startswith("application/json") and body:
        args.update(json.loads(body))
    elif body:
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    return args


async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app["fake"].stats())


async def reset(request: web.Request) -> web.Response:
    fake: Fake = request.app["fake"]
    fake.calls.clear()
    fake.posts.clear()
    fake.buckets.clear()
    fake.limited = 0
    return web.json_response({"ok": True})


async def serve(port: int, fake: Fake) -> None:
    app = web.Application()
    app["fake"] = fake
    app.router.add_post("/api/{method}", api)
    app.router.add_get("/api/{method}", api)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    server = site._server
    bound = server.sockets[0].getsockname()[1] if server is not None else port
    print(f"listening on {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--per-channel", type=float, default=1.0, help="messages/s per channel")
    parser.add_argument("--burst", type=float, default=1.0, help="messages a channel may burst")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay of every answer")
    args = parser.parse_args()
    fake = Fake(per_channel=args.per_channel, burst=args.burst, latency=args.latency_ms / 1000)
    try:
        import uvloop

        uvloop.run(serve(args.port, fake))
    except ImportError:
        asyncio.run(serve(args.port, fake))


if __name__ == "__main__":
    main()

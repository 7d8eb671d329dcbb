"""Load shedding: a saturated process tells Slack "busy" at once instead of missing its 3 s."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request, Response
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook.async_client import AsyncWebhookClient

from handlers.slack.background import FollowUps, checked
from handlers.slack.errors import MODAL_ERROR_BLOCK

log = logging.getLogger("soc2bot.slack")
BUSY = "soc2bot is busy, try again in a moment."
# Well above what one process serves inside Slack's deadline at the measured cost per request
# (see docs/performance.md): past it, queued requests would answer late anyway.
MAX_IN_FLIGHT = 64
# The event loop's delay in running a ready task; past it every answer is already late.
MAX_LAG_SECONDS = 0.5
PROBE_SECONDS = 0.1


class Pressure:
    """Requests in flight and the event loop's lag, read on every Slack request."""

    def __init__(
        self, *, max_in_flight: int = MAX_IN_FLIGHT, max_lag: float = MAX_LAG_SECONDS
    ) -> None:
        self.max_in_flight, self.max_lag = max_in_flight, max_lag
        self.in_flight = 0
        self.lag = 0.0
        self.shed = 0
        self._saturated = False
        self._episode = 0  # requests shed since the process became saturated this time
        self._probe: asyncio.Task[None] | None = None

    def saturated(self) -> bool:
        """Whether to shed this request; each episode is logged once, when it starts and ends."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._measure())
        busy = self.in_flight >= self.max_in_flight or self.lag >= self.max_lag
        if busy and not self._saturated:
            log.info(
                "Saturated (%d requests in flight, event loop %.0f ms late): answering 'busy'",
                self.in_flight,
                self.lag * 1000,
            )
        elif not busy and self._saturated:
            log.info("No longer saturated: %d request(s) were answered 'busy'", self._episode)
            self._episode = 0
        self._saturated = busy
        return busy

    def count_shed(self) -> None:
        self.shed += 1
        self._episode += 1

    async def _measure(self) -> None:
        """How late a short sleep wakes up is how long a ready request waits for the loop."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            self.lag = max(0.0, loop.time() - started - PROBE_SECONDS)


async def busy_answer(request: Request, secret: str, follow_ups: FollowUps) -> Response | None:
    """The cheap answer for a signed interaction or command; None for what is not shed.

    Events are not shed (Slack re-sends those it got no answer for); a click's "busy" goes to
    its response_url after the answer, as a click's answer body is not shown.
    """
    body = await request.body()
    headers = request.headers
    verifier = SignatureVerifier(secret)
    timestamp, signature = (
        headers.get("x-slack-request-timestamp"),
        headers.get("x-slack-signature"),
    )
    if not verifier.is_valid(body, timestamp or "", signature or ""):
        return Response(status_code=401, content="invalid request")
    if "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
        return None
    fields = parse_qs(body.decode("utf-8", "replace"))
    if "command" in fields:
        return _json({"response_type": "ephemeral", "text": BUSY})
    payload = _payload(fields)
    kind = payload.get("type")
    if kind == "view_submission":
        view = payload["view"] if isinstance(payload.get("view"), dict) else {}
        block = MODAL_ERROR_BLOCK.get(str(view.get("callback_id") or ""))
        if block:  # the modal stays open with its input, and says why
            return _json({"response_action": "errors", "errors": {block: BUSY}})
    elif kind == "block_actions" and isinstance(payload.get("response_url"), str):
        hook = AsyncWebhookClient(payload["response_url"])
        busy = {"response_type": "ephemeral", "replace_original": False, "text": BUSY}
        follow_ups.start([lambda: _send(hook, busy)], once=True)
    return Response(status_code=200)


async def _send(hook: AsyncWebhookClient, message: dict[str, Any]) -> None:
    checked(await hook.send_dict(message))


def _payload(fields: dict[str, list[str]]) -> dict[str, Any]:
    try:
        payload = json.loads(fields.get("payload", ["{}"])[0])
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _json(payload: dict[str, Any]) -> Response:
    return Response(status_code=200, content=json.dumps(payload), media_type="application/json")

"""Only the installed workspace is served: its ids (auth.test) and the gate on every request."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import NotServed

log = logging.getLogger("soc2bot.slack")
# Slack's marks of a guest (multi- and single-channel) and of a Slack Connect stranger.
GUEST_FLAGS = ("is_restricted", "is_ultra_restricted", "is_stranger")
FOREIGN = NotServed("this request came from another Slack workspace or organisation")


@dataclass(frozen=True)
class Home:
    """The bot token's workspace, and its Enterprise Grid organisation when it has one."""

    team_id: str
    enterprise_id: str | None = None

    def admits(self, teams: set[str], enterprises: set[str]) -> bool:
        """Whether the ids one request carries all point home (on Grid, the organisation's)."""
        if not teams and not enterprises:
            return False  # Slack names the team in every request: one without is not served
        if self.enterprise_id and enterprises:
            return enterprises == {self.enterprise_id}
        return not enterprises and teams <= {self.team_id}

    def is_home_user(self, user: dict[str, Any]) -> bool:
        """A users.info user of this workspace, or of its Grid organisation."""
        grid = user.get("enterprise_user")
        grid_id = grid.get("enterprise_id") if isinstance(grid, dict) else None
        if self.enterprise_id and grid_id == self.enterprise_id:
            return True
        team = user.get("team_id")
        return isinstance(team, str) and team == self.team_id


# The home of the request being served, set by the gate before any listener runs: listeners
# (and their lazy tasks, which copy the context) judge users against it without asking again.
_serving: ContextVar[Home | None] = ContextVar("slack_home", default=None)


def is_guest(user: dict[str, Any]) -> bool:
    """A guest (multi- or single-channel) or a Slack Connect stranger."""
    return any(user.get(flag) is True for flag in GUEST_FLAGS)


async def fetch_home(client: AsyncWebClient) -> Home:
    """Ask Slack which workspace the bot token belongs to (auth.test)."""
    found = await client.auth_test()
    team, enterprise = found.get("team_id"), found.get("enterprise_id")
    if not isinstance(team, str) or not team:
        raise RuntimeError("Slack's auth.test named no team for the bot token")
    return Home(team, enterprise if isinstance(enterprise, str) and enterprise else None)


async def home_of(client: AsyncWebClient) -> Home:
    """The home of the request being served; outside a request (start-up), asked of Slack."""
    return _serving.get() or await fetch_home(client)


class HomeWorkspace:
    """auth.test asked once, on first need, then kept: a bot token never changes workspace."""

    def __init__(self) -> None:
        self._home: Home | None = None
        self._lock = asyncio.Lock()

    async def get(self, client: AsyncWebClient) -> Home:
        if self._home is None:
            async with self._lock:
                if self._home is None:
                    self._home = await fetch_home(client)
        return self._home


def payload_ids(body: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The team and enterprise ids a request carries, wherever Slack puts them."""
    teams = {
        body.get("team_id"),
        _at(body, "team", "id"),
        _at(body, "user", "team_id"),
        _at(body, "event", "team"),
        _at(body, "event", "user_team"),
    }
    enterprises = {body.get("enterprise_id"), _at(body, "enterprise", "id")}
    return _ids(teams), _ids(enterprises)


def _at(body: dict[str, Any], key: str, field: str) -> Any:
    inner = body.get(key)
    return inner.get(field) if isinstance(inner, dict) else None


def _ids(values: set[Any]) -> set[str]:
    return {v for v in values if isinstance(v, str) and v}


class HomeTeamOnly(AsyncMiddleware):
    """Bolt global middleware: a request from another team or organisation stops here.

    It runs after Bolt's signature check and before every listener, so a refused request
    records nothing; the person gets the polite refusal where Slack lets us answer.
    """

    def __init__(self) -> None:
        self.workspace = HomeWorkspace()

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # noqa: A002 (Bolt's name)
    ) -> BoltResponse | None:
        home = await self.workspace.get(req.context.client)
        teams, enterprises = payload_ids(req.body)
        if home.admits(teams, enterprises):
            _serving.set(home)
            return await next()
        seen = ",".join(sorted(teams | enterprises))[:80]
        log.warning("Refused a Slack request from outside the home workspace (%r)", seen)
        return await _refuse(req)


async def _refuse(req: AsyncBoltRequest) -> BoltResponse:
    body, text = req.body, FOREIGN.user_text()
    kind = body.get("type")
    if "command" in body:
        return _json({"response_type": "ephemeral", "text": text})
    if kind == "view_submission":
        return _json({"response_action": "update", "view": _notice(text)})
    if kind == "block_suggestion":
        return _json({"options": []})
    respond = req.context.respond
    if respond is not None and kind in ("block_actions", "message_action", "interactive_message"):
        try:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        except Exception as failure:  # Slack unreachable: the refusal stands, untold
            log.warning("Could not tell a foreign Slack user (%s)", type(failure).__name__)
    return BoltResponse(status=200, body="")  # events: acknowledged and dropped


def _notice(text: str) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "plain_text", "text": text[:3000]}}
    title = {"type": "plain_text", "text": "soc2bot"}
    return {"type": "modal", "title": title, "blocks": [section]}


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )

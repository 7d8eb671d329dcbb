"""The Teams endpoint: POST /api/messages through a Bot Framework adapter (JWT when configured)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import jwt
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.runtime import Runtime
from bot.settings import Settings
from handlers.teams.bot import Soc2TeamsBot
from handlers.teams.errors import on_turn_error

log = logging.getLogger("soc2bot.teams")


class _BotConfig:
    """The attribute names botbuilder's configuration factories read."""

    def __init__(self, settings: Settings) -> None:
        password = settings.microsoft_app_password
        self.APP_ID = settings.microsoft_app_id or ""
        self.APP_PASSWORD = password.get_secret_value() if password else ""
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id or ""


@dataclass
class TeamsEndpoint:
    adapter: CloudAdapter
    bot: Soc2TeamsBot

    async def handle(self, request: Request) -> Response:
        if "application/json" not in request.headers.get("content-type", ""):
            return JSONResponse({"error": "expected application/json"}, status_code=415)
        try:
            body: Any = await request.json()
            activity = Activity().deserialize(body)
        except (ValueError, TypeError, AttributeError):
            return JSONResponse({"error": "not a Bot Framework activity"}, status_code=400)
        try:
            invoke = await self.adapter.process_activity(
                request.headers.get("Authorization", ""), activity, self.bot.on_turn
            )
        except (PermissionError, jwt.PyJWTError):  # missing, malformed or invalid token
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if invoke is not None:
            return JSONResponse(invoke.body, status_code=invoke.status)
        return Response(status_code=201)


def build_teams(runtime: Runtime) -> TeamsEndpoint:
    """Adapter and bot from settings; no credentials means anonymous (emulator/tests only)."""
    auth = ConfigurationBotFrameworkAuthentication(_BotConfig(runtime.settings))
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    return TeamsEndpoint(adapter, Soc2TeamsBot(runtime))


def teams_router() -> APIRouter:
    router = APIRouter()

    @router.post("/api/messages", include_in_schema=False)
    async def messages(request: Request) -> Response:
        endpoint: TeamsEndpoint | None = getattr(request.app.state, "teams", None)
        if endpoint is None:
            return Response(status_code=503, content="Teams is starting")
        return await endpoint.handle(request)

    return router

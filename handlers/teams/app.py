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
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import AuthenticationConstants
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.chat.runtime import Runtime
from bot.core.settings import Settings
from bot.web.limits import DEPTH_VERDICT, TOO_DEEP
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
        if settings.teams_openid_metadata_url:
            # Any one of these switches botbuilder to its parameterized mode, which then needs
            # them all: the public cloud's values, with the signing keys read elsewhere.
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.teams_openid_metadata_url
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = (
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            )
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = (
                AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            )
            self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            self.CALLER_ID = CallerIdConstants.public_azure_channel


@dataclass
class TeamsEndpoint:
    adapter: CloudAdapter
    bot: Soc2TeamsBot
    authenticated: bool = True

    async def handle(self, request: Request) -> Response:
        auth_header = request.headers.get("Authorization", "")
        # The token first: with credentials set, nobody without one gets the body parsed.
        if self.authenticated and not await self._token_valid(auth_header):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        activity = await _read_activity(request)
        if isinstance(activity, Response):
            return activity
        started = False

        async def turn(context: Any) -> None:
            nonlocal started
            started = True
            await self.bot.on_turn(context)

        try:
            # Authenticates again, now against the activity: channel endorsement, serviceUrl.
            invoke = await self.adapter.process_activity(auth_header, activity, turn)
        except (PermissionError, jwt.PyJWTError):  # a token for another channel or service
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        except Exception as exc:
            if started or not self.authenticated:
                raise
            # botbuilder fails in its own ways on some bad tokens (a token without `iss` is a
            # KeyError): whatever breaks before the turn starts is a refused token.
            log.warning("Token refused (%s)", type(exc).__name__)
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if invoke is not None:
            return JSONResponse(invoke.body, status_code=invoke.status)
        return Response(status_code=201)

    async def _token_valid(self, auth_header: str) -> bool:
        """Signature, issuer, audience and expiry of the Bot Framework token, body unread.

        An empty activity leaves out the checks that need the body (which channel endorses
        the key, the serviceUrl claim): `process_activity` makes those once the body is read.
        """
        scheme, _, token = auth_header.partition(" ")
        if scheme != "Bearer" or not token.strip():
            # botbuilder's parameterized mode crashes on a missing token instead of refusing it.
            return False
        auth = self.adapter.bot_framework_authentication
        try:
            result = await auth.authenticate_request(Activity(), auth_header)
        except Exception as exc:  # PermissionError, PyJWTError, and botbuilder's own KeyErrors
            log.warning("Token refused (%s)", type(exc).__name__)
            return False
        identity = getattr(result, "claims_identity", None)
        return bool(identity is not None and identity.is_authenticated and identity.claims)


def build_adapter(settings: Settings) -> CloudAdapter:
    """A Bot Framework adapter from settings; no credentials means anonymous (emulator/tests)."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_BotConfig(settings)))
    adapter.on_turn_error = on_turn_error
    return adapter


def build_teams(runtime: Runtime) -> TeamsEndpoint:
    """Adapter and bot from settings; no credentials means anonymous (emulator/tests only)."""
    adapter = build_adapter(runtime.settings)
    authenticated = bool(runtime.settings.microsoft_app_id)
    if not runtime.settings.teams_tenants:  # refused by the settings in production
        log.warning(
            "Teams: no MICROSOFT_APP_TENANT_ID or SOC2BOT_TEAMS_ALLOWED_TENANTS set, so users "
            "of any tenant are served (development only)"
        )
    return TeamsEndpoint(adapter, Soc2TeamsBot(runtime), authenticated)


async def _read_activity(request: Request) -> Activity | Response:
    """The body as an activity (read only once the token passed), or the 4xx saying why not."""
    if "application/json" not in request.headers.get("content-type", ""):
        return JSONResponse({"error": "expected application/json"}, status_code=415)
    if getattr(request.state, DEPTH_VERDICT, False):
        return JSONResponse({"error": TOO_DEEP}, status_code=400)
    try:
        body: Any = await request.json()
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except (ValueError, TypeError, AttributeError, RecursionError):
        activity = None
    if activity is None:  # `null`, a list, a string: botbuilder would crash on them later
        return JSONResponse({"error": "not a Bot Framework activity"}, status_code=400)
    return activity


TEAMS_ROUTE = "/api/messages"


def teams_router() -> APIRouter:
    router = APIRouter()

    @router.post(TEAMS_ROUTE, include_in_schema=False)
    async def messages(request: Request) -> Response:
        endpoint: TeamsEndpoint | None = getattr(request.app.state, "teams", None)
        if endpoint is None:
            return Response(status_code=503, content="Teams is starting")
        return await endpoint.handle(request)

    return router

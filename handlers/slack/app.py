"""The Slack app: built from settings by a factory, served at POST /slack/events or Socket Mode."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.runtime import Runtime
from handlers.slack import actions, commands, comments, events, snooze, views
from handlers.slack.background import FollowUps
from handlers.slack.errors import error_handler
from handlers.slack.files import slack_token
from handlers.slack.identity import link_owners
from handlers.slack.request_time import has_wellformed_timestamp
from handlers.slack.shedding import Pressure, busy_answer
from handlers.slack.workspace import HomeTeamOnly

log = logging.getLogger("soc2bot.slack")


class SlackApp(AsyncApp):
    """The Bolt app, with the follow-ups it starts after its answers and its load gauge."""

    follow_ups: FollowUps
    pressure: Pressure
    secret: str


def build_slack_app(deps: Runtime) -> AsyncApp:
    """A new Bolt app with every listener; nothing Slack-related lives at module level."""
    settings = deps.settings
    client = AsyncWebClient(
        token=slack_token(deps.settings),
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    secret = settings.slack_signing_secret
    app = SlackApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else "",
        # Bolt answers when the listener returns: listeners commit and return, and every Slack
        # call they need is a follow-up (handlers/slack/background.py) or a lazy listener.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=log,
    )
    app.follow_ups, app.pressure = FollowUps(), Pressure()
    app.secret = secret.get_secret_value() if secret else ""
    app.use(HomeTeamOnly())  # only the installed workspace is served (spec §7)
    # Bolt tries listeners in order of registration: the clicks, the hottest, first.
    for module in (actions, snooze, comments, commands, views):
        module.register(app, deps, app.follow_ups)
    events.register(app, deps)
    actions.register_fallback(app)  # after every other action listener: Bolt takes the first match
    app.error(error_handler(app.follow_ups))
    return app


async def finish_follow_ups(app: AsyncApp, timeout: float = 5.0) -> None:
    """At shutdown: let the Slack calls that follow answers already given go out first."""
    if isinstance(app, SlackApp):
        await app.follow_ups.drain(timeout)


def slack_router() -> APIRouter:
    """POST /slack/events, served by the handler the lifespan puts on `app.state`."""
    router = APIRouter()

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        handler: AsyncSlackRequestHandler | None = getattr(request.app.state, "slack", None)
        if handler is None:
            return Response(status_code=503, content="Slack is starting")
        if not has_wellformed_timestamp(request):
            # Bolt's verifier calls int() on it and, when that raises, answers 200 with an
            # error; a malformed one is refused here as Bolt refuses the other forgeries.
            return Response(status_code=401, content="invalid request")
        bolt = handler.app if isinstance(handler.app, SlackApp) else None
        pressure = bolt.pressure if bolt is not None else None
        if bolt is not None and bolt.pressure.saturated():
            busy = await busy_answer(request, bolt.secret, bolt.follow_ups)
            if busy is not None:
                bolt.pressure.count_shed()
                metrics = getattr(request.app.state, "metrics", None)
                if metrics is not None:
                    metrics.count_shed("slack")
                return busy
        if pressure is not None:
            pressure.in_flight += 1
        try:
            return await handler.handle(request)
        except Exception as exc:  # noqa: BLE001
            # Listener errors never get here (Bolt hands them to `on_error`); what does is Bolt
            # itself failing on a body of the wrong shape, e.g. `"event": null`.
            log.warning("Malformed Slack request refused (%s)", type(exc).__name__, exc_info=exc)
            return Response(status_code=400, content="malformed Slack request")
        finally:
            if pressure is not None:
                pressure.in_flight -= 1

    return router


def request_handler(app: AsyncApp) -> AsyncSlackRequestHandler:
    return AsyncSlackRequestHandler(app)


class SocketModeLink:
    """An open Socket Mode connection; `close` ends it on shutdown."""

    def __init__(self, handler: AsyncSocketModeHandler) -> None:
        self._handler = handler

    async def close(self) -> None:
        await self._handler.close_async()  # type: ignore[no-untyped-call]


async def start_socket_mode(app: AsyncApp, app_token: str) -> SocketModeLink:
    """Run the same listeners over Socket Mode (no public URL needed)."""
    handler = AsyncSocketModeHandler(app, app_token, web_client=app.client)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return SocketModeLink(handler)


def start_owner_linking(app: AsyncApp, deps: Runtime) -> asyncio.Task[None]:
    """Link catalog owners to Slack accounts in the background; failures are only logged."""

    async def run() -> None:
        try:
            linked = await link_owners(deps, app.client)
            log.info("Linked %d catalog owner(s) to Slack by email", linked)
        except Exception:  # a Slack outage at start must not stop the service
            log.exception("Linking catalog owners to Slack failed; they link on first contact")

    return asyncio.create_task(run())

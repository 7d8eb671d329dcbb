"""Composition root: builds the FastAPI app, opens the database and stores, says what is on."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from socket import gethostname

from fastapi import FastAPI
from slack_sdk.web.async_client import AsyncWebClient

from bot import __version__
from bot.catalog import bootstrap
from bot.chat.port import ChatPort
from bot.chat.runtime import Runtime
from bot.core.db import Database
from bot.core.logs import configure_logging
from bot.core.settings import Settings, connector_env, load_settings
from bot.core.signing import load_signer
from bot.evidence.store import EvidenceStore
from bot.evidence.stores import open_evidence_store
from bot.outbox.channels import StoredChannelBook
from bot.status.summary import count_placeholder_owned
from bot.web.errors import install_error_handlers
from bot.web.metrics import Metrics
from bot.web.routes import RequestContext, router
from handlers.slack.app import (
    SocketModeLink,
    build_slack_app,
    finish_follow_ups,
    request_handler,
    slack_router,
    start_owner_linking,
    start_socket_mode,
)
from handlers.slack.files import slack_token
from handlers.slack.port import SlackChatPort
from handlers.teams.app import TEAMS_ROUTE, build_teams, teams_router
from handlers.teams.port import TeamsChatPort
from models import utcnow
from schedules.decisions import pulled_reviews
from schedules.leader import elector_for, exclusively
from schedules.scheduler import Cadence, Tickers
from schedules.sender import OutboxSender, SenderPolicy

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, prepare_database: bool = True) -> FastAPI:
    """A new, unstarted app; uvicorn builds it with factory=True so importing has no effects."""
    # No generated API docs: the endpoints are for Slack, Teams and probes, not for browsing.
    app = FastAPI(
        title="soc2bot",
        version=__version__,
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings or load_settings()
    app.state.prepare_database = prepare_database
    app.state.db = None
    app.state.scheduler = None
    app.state.metrics = Metrics(lambda: app.state.db)
    app.include_router(router)
    if app.state.settings.slack_enabled and not app.state.settings.slack_app_token:
        app.include_router(slack_router())
    if app.state.settings.teams_enabled:
        app.include_router(teams_router())
    app.add_middleware(RequestContext, metrics=app.state.metrics, auth_first=(TEAMS_ROUTE,))
    install_error_handlers(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    db = Database(settings.database_url)
    app.state.db = db
    try:
        app.state.evidence_store = store = open_evidence_store(settings)
        log.info(
            "soc2bot %s starting: %s database, %s",
            __version__,
            db.engine.dialect.name,
            store.describe(),
        )
        # At first start this creates the key that signs bundles and digest heads (and warns).
        log.info("Signing key: Ed25519, public key %s", load_signer(settings).public_hex)
        if app.state.prepare_database:
            # Migrations and catalog sync are blocking I/O; the event loop stays free meanwhile.
            await asyncio.to_thread(_prepare, settings, db, store)
        runtime = Runtime(db=db, store=store, settings=settings, clock=_clock(settings))
        socket = await _start_slack(app, runtime)
        if settings.teams_enabled:
            app.state.teams = build_teams(runtime)
            app.state.teams_port = TeamsChatPort(runtime, app.state.teams.adapter)
        for level, line in platform_lines(settings):
            log.log(level, line)
        app.state.scheduler = tickers = await _start_scheduler(app, runtime)
        yield
        if tickers is not None:
            await tickers.stop()
        if socket is not None:
            await socket.close()
        linking = getattr(app.state, "slack_owner_linking", None)
        if linking is not None:
            linking.cancel()
        if getattr(app.state, "slack_app", None) is not None:
            await finish_follow_ups(app.state.slack_app)  # redraws of clicks already answered
    finally:
        app.state.metrics.close()
        db.dispose()


async def _start_slack(app: FastAPI, runtime: Runtime) -> SocketModeLink | None:
    """Build the Slack app when configured: HTTP handler on app.state, or a Socket Mode link."""
    settings = runtime.settings
    if not settings.slack_enabled:
        return None
    app.state.slack_app = slack = build_slack_app(runtime)
    app.state.slack_owner_linking = start_owner_linking(slack, runtime)
    if settings.slack_app_token:
        return await start_socket_mode(slack, settings.slack_app_token.get_secret_value())
    app.state.slack = request_handler(slack)
    return None


async def _start_scheduler(app: FastAPI, runtime: Runtime) -> Tickers | None:
    """The tickers, with a sender for every platform that is on; None when switched off."""
    settings = runtime.settings
    if not settings.scheduler:
        log.info("Scheduler: off (SOC2BOT_SCHEDULER=false or serve --no-scheduler)")
        return None
    lease = settings.outbox_lease_seconds
    sender = OutboxSender(
        runtime.db,
        _chat_ports(app, settings, runtime.db),
        worker_id=f"{gethostname()}:{os.getpid()}",
        batch=settings.outbox_batch,
        lease=dt.timedelta(seconds=lease),
        clock=runtime.clock,
        # Claims are sized to the lease and renewed while they are sent (schedules/claims.py).
        policy=SenderPolicy(),
        observer=app.state.metrics,
    )
    tickers = Tickers(
        db=runtime.db,
        elector=elector_for(settings.database_url),
        sender=sender,
        cadence=Cadence.from_settings(settings),
        horizon_days=settings.horizon_days,
        observer=app.state.metrics,
        clock=runtime.clock,
        reviews=pulled_reviews(runtime.db, runtime.store, connector_env),
    )
    await tickers.start()
    return tickers


def _clock(settings: Settings) -> Callable[[], dt.datetime]:
    offset = dt.timedelta(seconds=settings.test_clock_offset_seconds)
    if not offset:
        return utcnow
    log.warning("Clock shifted by %s (SOC2BOT_TEST_CLOCK_OFFSET_SECONDS: tests only)", offset)
    return lambda: utcnow() + offset


def _chat_ports(app: FastAPI, settings: Settings, db: Database) -> dict[str, ChatPort]:
    ports: dict[str, ChatPort] = {}
    if settings.slack_enabled:
        client = AsyncWebClient(token=slack_token(settings), base_url=settings.slack_api_url)
        # Channel names resolved once, kept in the database: shared by replicas, rename-proof.
        ports["slack"] = SlackChatPort(client, channels=StoredChannelBook(db))
    teams = getattr(app.state, "teams_port", None)
    if teams is not None:
        ports["teams"] = teams
    return ports


def _prepare(settings: Settings, db: Database, store: EvidenceStore) -> None:
    # Replicas starting together migrate and sync one at a time (an advisory lock).
    with exclusively(settings.database_url):
        prepared = bootstrap.prepare(settings, db, store=store)
    log.info(
        "Catalog: %s (%d change(s), %d occurrence(s) created)",
        prepared.catalog,
        len(prepared.sync.changes),
        prepared.occurrences_created,
    )
    if prepared.placeholders:
        with db.session() as session:
            owned = count_placeholder_owned(session=session)
        log.warning(
            "%d controls are owned by placeholder people (%s): replace them in your catalog "
            "and run `soc2bot catalog sync`",
            owned,
            ", ".join(prepared.placeholders),
        )


def platform_lines(settings: Settings) -> list[tuple[int, str]]:
    """One (level, line) per chat platform saying whether it is on, and how."""
    slack = (logging.INFO, "Slack: off (SLACK_BOT_TOKEN not set)")
    if settings.slack_app_token is not None and settings.slack_enabled:
        slack = (logging.INFO, "Slack: on (Socket Mode, SLACK_APP_TOKEN set)")
    elif settings.slack_enabled:
        slack = (logging.INFO, "Slack: on (HTTP mode at POST /slack/events)")
    teams = (logging.INFO, "Teams: off (MICROSOFT_APP_ID not set)")
    if settings.microsoft_app_id:
        teams = (logging.INFO, "Teams: on (Bot Framework at POST /api/messages, JWT checked)")
    elif settings.teams_allow_unauthenticated:
        teams = (
            logging.WARNING,
            "Teams: on WITHOUT authentication at POST /api/messages "
            "(SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED is for the local emulator and tests only)",
        )
    return [slack, teams]

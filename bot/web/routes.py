"""HTTP edge of the service: front page, health, readiness, metrics, request middleware, errors."""

from __future__ import annotations

import hmac
import logging
import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import __version__
from bot.core.db import DATABASE_UNAVAILABLE, Database, is_database_outage
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SoC2BotError
from bot.core.logs import correlation_id, new_correlation_id
from bot.core.settings import Settings
from bot.evidence.store import EvidenceStoreUnavailable
from bot.export.links import download_response
from bot.web.home import home_page, service_summary
from bot.web.limits import RequestLimits
from bot.web.metrics import CONTENT_TYPE, Metrics
from models import utcnow

log = logging.getLogger(__name__)
router = APIRouter()

# A caller's id is reused only when it cannot smuggle anything into logs or headers.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_STATUS = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (InvalidInput, 400),
    (Conflict, 409),
    (EvidenceStoreUnavailable, 503),
]


@router.api_route("/", methods=["GET", "HEAD"])  # HEAD: uptime checkers knock that way
def home(request: Request) -> Response:
    """Says what this service is and where its probes are, to whoever opens the bare address."""
    settings: Settings = request.app.state.settings
    summary = service_summary(
        root_path=request.scope.get("root_path", ""),
        metrics_token=settings.metrics_token is not None,
    )
    if "text/html" in request.headers.get("accept", ""):  # a browser
        return HTMLResponse(home_page(summary))
    return JSONResponse(summary)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """The database answers; load balancers hold traffic back until it does."""
    db: Database = request.app.state.db
    try:
        db.ping()
    except Exception as exc:
        # The exception text can carry the DSN, so neither the answer nor the log repeats it.
        log.warning("Readiness check failed: database unreachable (%s)", type(exc).__name__)
        return JSONResponse(
            {"status": "unavailable", "reason": "database unreachable"}, status_code=503
        )
    return JSONResponse({"status": "ready"})


@router.get("/exports/{name}")
def export_download(
    name: str, request: Request, expires: str | None = None, sig: str | None = None
) -> StreamingResponse:
    """A bundle built on request from chat, for whoever holds its signed, unexpired link.

    The query is taken as text: a malformed or missing part is the same 404 as a wrong one.
    """
    settings: Settings = request.app.state.settings
    return download_response(settings, name=name, expires=expires, signature=sig, now=utcnow())


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus scrape endpoint (a sync route: the gauges query the database).

    With SOC2BOT_METRICS_TOKEN set, only `Authorization: Bearer <token>` gets the numbers.
    """
    settings: Settings = request.app.state.settings
    if settings.metrics_token is not None and not _bearer_matches(
        request.headers.get("authorization", ""), settings.metrics_token.get_secret_value()
    ):
        return JSONResponse(
            {"error": "A valid bearer token is required."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE)


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    # Compared as bytes in constant time: the comparison must not reveal how much matched.
    return (
        scheme.lower() == "bearer"
        and bool(given.strip())
        and hmac.compare_digest(given.strip().encode(), token.encode())
    )


def error_response(request: Request, exc: Exception) -> JSONResponse:
    """The one funnel from an exception to an HTTP answer; details stay in the logs."""
    if isinstance(exc, SoC2BotError):
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        where = f"{request.method} {route_label(request.scope)}"
        if status >= 500:
            log.error("%s failed: %s", where, type(exc).__name__, exc_info=exc)
        else:
            log.info("%s refused: %s", where, type(exc).__name__)
        return JSONResponse({"error": exc.message}, status_code=status)
    if is_database_outage(exc):
        log.warning("%s %s: database unreachable (%s)", request.method, route_label(request.scope),
                    type(exc).__name__)  # fmt: skip
        return JSONResponse(
            {"error": DATABASE_UNAVAILABLE}, status_code=503, headers={"Retry-After": "30"}
        )
    reference = correlation_id.get() or new_correlation_id()
    log.error("Unhandled error on %s %s", request.method, route_label(request.scope), exc_info=exc)
    return JSONResponse(
        {"error": f"Something went wrong on our side. Reference: {reference}"}, status_code=500
    )


def route_label(scope: Scope) -> str:
    """The matched route's template ("/x/{id}"), so metric labels stay few; else "unmatched"."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class RequestContext:
    """Per request: a correlation id, the X-Request-ID header, metrics, and a last-resort 500.

    Inside it, before any route, `RequestLimits` refuses oversized bodies and deep JSON: so
    those refusals are counted and correlated too.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, auth_first: tuple[str, ...] = ()) -> None:
        self.app = RequestLimits(app, auth_first=auth_first)
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        cid = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else new_correlation_id()
        token = correlation_id.set(cid)
        status, responded, started = 500, False, time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                MutableHeaders(scope=message)["X-Request-ID"] = cid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Handled here rather than by Starlette's outermost handler, which re-raises to
            # the server (a second, uncorrelated traceback) and runs after this middleware.
            if responded:
                raise
            await error_response(Request(scope), exc)(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe_request(
                method=scope["method"], route=route_label(scope), status=status, seconds=seconds
            )
            correlation_id.reset(token)

"""HTTP refusals worded for people: one `{"error": …}` line, never FastAPI's own blobs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from bot.core.errors import SoC2BotError
from bot.web.routes import error_response, route_label

log = logging.getLogger(__name__)

NOT_FOUND = "Nothing here. GET / says what this service answers."
_PLACES = {"path": "path part", "query": "query parameter", "header": "header", "cookie": "cookie"}


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal the app makes, in the one shape: domain errors, HTTP errors, bad input."""
    app.add_exception_handler(SoC2BotError, error_response)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def http_error(request: Request, exc: Exception) -> Response:
    """Unknown path, wrong method and the like: the status stays, the words become ours."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for that type only
        raise exc
    status, headers = exc.status_code, dict(exc.headers or {})
    if status in (204, 304):  # these answers carry no body
        return Response(status_code=status, headers=headers)
    stock = _phrase(status)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != stock else None
    if detail is None and status == 404:
        detail = NOT_FOUND
    elif detail is None and status == 405:
        allowed = headers.get("allow") or headers.get("Allow") or "other methods"
        detail = f"{request.method} is not answered here (allowed: {allowed})."
    return JSONResponse({"error": detail or stock}, status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Refused."


def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """A request the route could not read: a 400 naming where, never what was sent.

    FastAPI's own 422 lists pydantic's report, which echoes the refused input back: that can
    be a token or a person's data, and it reads as a stack of internals to a person.
    """
    if not isinstance(exc, RequestValidationError):  # pragma: no cover - as above
        raise exc
    where = describe_locations(error.get("loc", ()) for error in _errors(exc.errors()))
    log.info("%s %s refused: malformed %s", request.method, route_label(request.scope), where)
    text = f"This request is not valid: check the {where}."
    return JSONResponse({"error": text}, status_code=400)


def _errors(errors: Sequence[Any]) -> Iterable[Mapping[str, Any]]:
    return (error for error in errors if isinstance(error, Mapping))


def describe_locations(locations: Iterable[Sequence[Any]]) -> str:
    """("query", "expires"), ("body", …) → "query parameter 'expires' and body"."""
    places: list[str] = []
    for loc in locations:
        kind = str(loc[0]) if loc else "body"
        if kind in _PLACES and len(loc) > 1:
            place = f"{_PLACES[kind]} '{loc[1]}'"
        else:
            place = "body" if kind == "body" else "request"
        if place not in places:
            places.append(place)
    if not places:
        return "request"
    shown = places[:3] + (["others"] if len(places) > 3 else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

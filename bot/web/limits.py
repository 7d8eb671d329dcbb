"""Request limits checked before any route runs: body size (413) and JSON nesting depth (400)."""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
# Real payloads stay far below this (the deepest in the test suites, a Slack click carrying
# the message's blocks with a confirm dialog, is about 8); Python's json recurses once per
# level and raises RecursionError near 1,000, which would otherwise surface as a 500.
MAX_JSON_DEPTH = 64

TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB."
TOO_DEEP = f"The JSON in the request is nested more than {MAX_JSON_DEPTH} levels deep."
BAD_LENGTH = "The Content-Length header is not a number."
DEPTH_VERDICT = "json_too_deep"

# A JSON string, escapes included. Possessive (no backtracking), and an unterminated string
# runs to the end (`\Z`): the pattern never fails part-way, so re.sub stays linear on
# hostile input such as `"\"\"\"…` without a closing quote.
_STRING = re.compile(rb'"[^"\\]*+(?:\\[\s\S]?[^"\\]*+)*+(?:"|\Z)')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_PAYLOAD = re.compile(rb"(?:^|&)payload=([^&]*)")
# Form escapes of the characters `json_depth` reads, in either case of hex digit.
_FORM_ESCAPES = {
    b"%22": b'"', b"%5C": b"\\", b"%5c": b"\\", b"%5B": b"[", b"%5b": b"[", b"%5D": b"]",
    b"%5d": b"]", b"%7B": b"{", b"%7b": b"{", b"%7D": b"}", b"%7d": b"}",
}  # fmt: skip
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw`, brackets inside strings ignored.

    Counts every opener, closed or not: an unclosed `[[[[…` recurses in json just as deep.
    Runs at C speed (regex, translate, accumulate), so a 1 MB body costs milliseconds.
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    return max(accumulate(array("b", brackets.translate(_STEPS))), default=0)


def too_deep(raw: bytes) -> bool:
    """Whether `raw` nests deeper than MAX_JSON_DEPTH (a body with few brackets is not read)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return False
    return json_depth(raw) > MAX_JSON_DEPTH


def _json_parts(content_type: str, body: bytes) -> list[bytes]:
    """The parts of the body a route parses as JSON: all of it, or Slack's `payload` field."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return [body]
    if kind == "application/x-www-form-urlencoded":
        return [_json_syntax(m[1]) for m in _PAYLOAD.finditer(body)]
    return []


def _json_syntax(field: bytes) -> bytes:
    """A form field with the escapes of `"`, `\\` and brackets decoded, the rest left as is.

    Enough for `json_depth`, and exact: in a form body every `%` starts its own `%XX`, so
    decoding some escapes cannot create or hide another. On a 20 KB Slack click this takes
    ~0.2 ms, a full unquote (a Python loop over every escape) ~0.65 ms.
    """
    for escaped, char in _FORM_ESCAPES.items():
        field = field.replace(escaped, char)
    return field


async def _refuse(send: Send, status: int, text: str) -> None:
    body = json.dumps({"error": text}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of an oversized body is not read: the client must not reuse this
                # connection for another request.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Reads each request body (at most MAX_BODY_BYTES) before the app, then replays it.

    A declared Content-Length over the limit is refused before reading anything; a chunked
    body is counted as it arrives and refused as soon as it passes the limit, so no more than
    the limit is ever held. JSON bodies, and the JSON in a form's `payload` field, are refused
    when nested deeper than MAX_JSON_DEPTH, before any parser sees them.
    """

    def __init__(self, app: ASGIApp, *, auth_first: tuple[str, ...] = ()) -> None:
        self.app = app
        # Routes that authenticate from the headers before anything reads the body (Teams):
        # for them the depth verdict waits in the request state (`json_too_deep`), so an
        # unauthenticated caller gets the route's 401 whatever the body.
        self.auth_first = auth_first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"0").strip() or b"0"
        if not declared.isdigit():  # bytes.isdigit is ASCII-only, unlike str.isdigit
            await _refuse(send, 400, BAD_LENGTH)
            return
        if len(declared) > 15 or int(declared) > MAX_BODY_BYTES:  # int() refuses 4,300+ digits
            await _refuse(send, 413, TOO_LARGE)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nobody is waiting for an answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _refuse(send, 413, TOO_LARGE)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if any(too_deep(part) for part in _json_parts(content_type, body)):
            if scope["path"] not in self.auth_first:
                await _refuse(send, 400, TOO_DEEP)
                return
            scope.setdefault("state", {})[DEPTH_VERDICT] = True
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then defers to the server (disconnect)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed

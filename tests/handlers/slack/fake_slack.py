"""A local fake of the Slack Web API for tests: records calls, answers like Slack, serves files."""

from __future__ import annotations

import contextlib
import itertools
import json
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from handlers.slack.manifest import BOT_SCOPES
from tests.handlers.slack.fake_slack_workspace import (
    BOT_ID,
    BOT_USER,
    TEAM_ID,
    FakeWorkspace,
    Payload,
    ok,
)
from tests.handlers.slack.slack_rules import refusal

Responder = Payload | Callable[["Call"], Payload]
# slack_sdk form-encodes these as JSON strings; tests want the structures back.
JSON_ARGS = frozenset({"attachments", "blocks", "files", "metadata", "profile", "view"})
FILE_PATH = re.compile(r"^/files-pri/[^/]+?-(F[^/]+)/(?:download/)?[^/]+$")
UPLOAD_PATH = re.compile(r"^/upload/v1/(F[^/]+)/([^/]+)$")
CHUNK = 64 * 1024
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body></body></html>"


@dataclass(frozen=True)
class Call:
    """One request the app made: API method name, merged args, headers (lower-case names)."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]


class FakeSlack(FakeWorkspace, contextlib.AbstractContextManager["FakeSlack"]):
    """A Slack Web API on 127.0.0.1 in a daemon thread; point a client's `base_url` at it."""

    def __init__(self, token: str = "xoxb-test-token", *, enterprise_id: str | None = None) -> None:
        self.token, self.app_token = token, "xapp-test-token"
        # The bot token's workspace is TEAM_ID; on Enterprise Grid, also an organisation.
        self.enterprise_id = enterprise_id
        self.files_forbidden = False  # True: downloads get the sign-in page, as without files:read
        self.latency = 0.0  # seconds before each Web API call (and response_url post) answers
        self.scopes = frozenset(BOT_SCOPES)  # what the app's manifest grants, as Slack enforces
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self.redirects: dict[str, str] = {}  # file id → where its download is sent on (a 302)
        self._users: dict[str, Payload] = {}
        self._files: dict[str, tuple[Payload, bytes]] = {}
        self._overrides: dict[str, Responder] = {}
        self._failures: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()  # for lists and counters; single dict reads/writes are atomic
        self._ids, self._ts = itertools.count(1), itertools.count(0)
        self._history: dict[str, list[Payload]] = {}  # posted messages per channel, oldest first
        self._channels: dict[str, Payload] = {}  # id → channel, as conversations.list shows it
        handler = type("FakeSlackHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = f"{self.url}/api/"
        # A short poll interval: stop() waits for it, and every scenario test stops a fake.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,))
        self._thread.daemon = True
        self._thread.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut the server down and close its socket; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def last(self, method: str) -> Call:
        calls, called = self.calls_to(method), sorted({c.method for c in self.calls})
        assert calls, f"{method} was never called (called: {called})"
        return calls[-1]

    def clear(self) -> None:
        """Forget recorded calls and downloads; users, files and overrides stay."""
        with self._lock:
            self.calls.clear()
            self.downloads.clear()

    def respond(self, method: str, payload: Responder) -> None:
        """Answer `method` with this payload, or with what the callable returns for the Call."""
        with self._lock:
            self._overrides[method] = payload

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (429, 500 or 503)."""
        with self._lock:
            self._failures[method] = (status, retry_after, times)

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.token}"

    def answer(self, call: Call) -> tuple[int, Payload, dict[str, str]]:
        """Record the call and pick Slack's answer: status, JSON body, extra headers."""
        with self._lock:
            self.calls.append(call)
        # A response_url is a pre-signed webhook: Slack takes posts to it without a token.
        token = self.app_token if call.method == "apps.connections.open" else self.token
        if call.method != "response_url" and call.headers.get("authorization") != f"Bearer {token}":
            error = "invalid_auth" if "authorization" in call.headers else "not_authed"
            return 200, {"ok": False, "error": error}, {}
        private = [i for i, c in self._channels.items() if c["is_private"]]
        refused = refusal(call.method, call.args, self.scopes, private)
        if refused is not None:  # as Slack: a missing scope, or a name where an id is needed
            return 200, refused, {}
        with self._lock:
            status, retry_after, times = self._failures.pop(call.method, (200, 0, 0))
            if times > 1:
                self._failures[call.method] = (status, retry_after, times - 1)
            override = self._overrides.get(call.method)
        if status != 200:  # a 429 (Slack's rate limit) or a 5xx (Slack's own trouble)
            error = "ratelimited" if status == 429 else "internal_error"
            return status, {"ok": False, "error": error}, {"Retry-After": str(retry_after)}
        if override is not None:
            return 200, override(call) if callable(override) else dict(override), {}
        default = ANSWERS.get(call.method)
        return 200, default(self, call.args) if default else ok(), {}


AUTH = {"url": "https://acme.slack.com/", "team": "Acme", "user": "soc2bot", "team_id": TEAM_ID}
# What Slack answers by default, per method; any other method gets {"ok": true}.
ANSWERS: dict[str, Callable[[FakeSlack, Payload], Payload]] = {
    "auth.test": lambda f, a: ok(
        **AUTH,
        user_id=BOT_USER,
        bot_id=BOT_ID,
        **({"enterprise_id": f.enterprise_id} if f.enterprise_id else {}),
    ),
    "chat.postMessage": FakeSlack._post,
    "conversations.history": FakeSlack._conversation_history,
    "conversations.list": FakeSlack._channels_page,
    "chat.update": lambda f, a: f._message(a, a.get("channel"), str(a.get("ts"))),
    "chat.postEphemeral": lambda f, a: ok(message_ts=f.new_ts()),
    "chat.getPermalink": FakeSlack._permalink,
    **dict.fromkeys(["views.open", "views.update", "views.publish"], FakeSlack._view),
    "conversations.open": lambda f, a: ok(channel={"id": f._dm(a.get("users"))}),
    "users.info": lambda f, a: f._user("id", a.get("user"), "user_not_found"),
    "users.lookupByEmail": lambda f, a: f._user("email", a.get("email"), "users_not_found"),
    "users.list": FakeSlack._users_page,
    "files.info": FakeSlack._files_info,
    "files.getUploadURLExternal": FakeSlack._upload_url,
    "files.completeUploadExternal": FakeSlack._complete_upload,
}


def _maybe_json(key: str, value: Any) -> Any:
    if key in JSON_ARGS and isinstance(value, str) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def parse_args(query: str, body: bytes, content_type: str) -> Payload:
    """Merge the query string with a form or JSON body, as Slack reads arguments."""
    args: Payload = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json") and body:
        args.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {k: _maybe_json(k, v) for k, v in args.items()}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack  # set on a subclass per fake

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        may_download = self.fake.authorized(headers) and not self.fake.files_forbidden
        if url.path.startswith("/api/"):
            args = parse_args(url.query, body, headers.get("content-type", ""))
            if self.fake.latency:  # a slow Slack: each call takes this long to act on and answer
                time.sleep(self.fake.latency)
            status, payload, extra = self.fake.answer(Call(url.path[5:], args, headers))
            self._send(status, json.dumps(payload).encode(), "application/json", extra)
        elif (match := FILE_PATH.match(url.path)) and not may_download:
            # What Slack does without a valid token or files:read: 200 and its sign-in page.
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8", {})
        elif match and (moved := self.fake.redirects.get(match.group(1))):
            self._send(302, b"", "text/plain", {"Location": moved})
        elif match and (found := self.fake.file(match.group(1))):
            with self.fake._lock:  # before sending, so a client holding the bytes sees it
                self.fake.downloads.append(match.group(1))
            self._send(200, found[1], str(found[0]["mimetype"]), {})
        elif (match := UPLOAD_PATH.match(url.path)) and self.command == "POST":
            # Slack's upload URLs are pre-signed: no token, the raw bytes as the body.
            file_id, name = match.group(1), unquote(match.group(2))
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.fake.add_file(body, name=name, mimetype=kind, file_id=file_id, user=BOT_USER)
            self._send(200, f"OK - {len(body)}".encode(), "text/plain", {})
        else:
            self._send(404, b"Not Found", "text/plain", {})

    do_GET = do_POST = _route

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        extra = {"Content-Type": kind, "Content-Length": str(len(body)), **extra}
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        # In chunks, as a large file is streamed; a client may hang up at its size limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for start in range(0, len(body), CHUNK):
                self.wfile.write(body[start : start + CHUNK])

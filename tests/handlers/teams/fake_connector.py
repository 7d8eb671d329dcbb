"""A local fake of the Bot Framework connector for tests: records calls, answers like Teams."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote

from tests.handlers.teams.fake_connector_http import (
    Answer,
    Call,
    ConnectorHandler,
    Download,
    Payload,
    error,
)

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
ACTIVITY = re.compile(r"^/v3/conversations/([^/]+)/activities(?:/([^/]+))?$")
MEMBER = re.compile(r"^/v3/conversations/([^/]+)/members/([^/]+)$")
MEMBERS = re.compile(r"^/v3/conversations/([^/]+)/(?:paged)?members$")
DOWNLOAD = re.compile(r"^/(files|inline)/([^/]+)(?:/.+)?$", re.S)  # a file name may hold "/"


class FakeConnector(contextlib.AbstractContextManager["FakeConnector"]):
    """A connector service on 127.0.0.1 in a daemon thread; put `service_url` in activities."""

    def __init__(
        self, *, tenant_id: str = "tenant-1", token: str | None = None, emulator: bool = False
    ) -> None:
        # token=None takes any caller (the anonymous, no-app-id mode); a string demands that token.
        # emulator=True serves inline images without a token, as the local Emulator does.
        self.tenant_id, self.token, self.emulator = tenant_id, token, emulator
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self._members: dict[str, Payload] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._redirects: dict[str, tuple[int, str]] = {}
        self._failures: list[list[Any]] = []  # [method, path_prefix, status, retry_after, times]
        self._stalls: list[list[Any]] = []  # [method, path_prefix, seconds, lands, times]
        self._lock = threading.Lock()
        self._ids, self._conversations = itertools.count(1), itertools.count(1)
        self.issued_ids: list[str] = []  # activity ids handed out, in order
        handler = type("FakeConnectorHandler", (ConnectorHandler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.service_url = f"{self.url}/"
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

    def calls_to(self, method: str, path_prefix: str = "/") -> list[Call]:
        """Recorded calls with this HTTP method whose decoded path starts with `path_prefix`."""
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path_prefix)]

    def sent_activities(self) -> list[Payload]:
        """Activities the service accepted (sends, replies, updates, create-with-activity)."""
        with self._lock:
            calls = [c for c in self.calls if c.status < 300 and c.body is not None]
        sent: list[Payload] = []
        for call in calls:
            if call.method in ("POST", "PUT") and ACTIVITY.match(call.path):
                sent.append(call.body)  # type: ignore[arg-type]
            elif call.method == "POST" and call.path == "/v3/conversations":
                activity = call.body.get("activity")  # type: ignore[union-attr]
                if activity:
                    sent.append(activity)
        return sent

    def clear(self) -> None:
        """Forget recorded calls and downloads; members, files and failures stay."""
        with self._lock:
            self.calls.clear()
            self.downloads.clear()

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching calls with `status` (429, 412, 502, 504…)."""
        with self._lock:
            self._failures.append([method.upper(), path_prefix, status, retry_after, times])

    def stall_next(
        self, method: str, path_prefix: str, *, seconds: float, lands: bool, times: int = 1
    ) -> None:
        """Answer the next `times` matching calls only after `seconds`: as a request that
        Teams accepted (`lands`) or failed with a 504 before it was accepted."""
        with self._lock:
            self._stalls.append([method.upper(), path_prefix, seconds, lands, times])

    def add_member(
        self,
        *,
        aad_object_id: str,
        user_id: str,
        name: str,
        email: str,
        upn: str | None = None,
        tenant_id: str | None = None,
        user_role: str = "user",
    ) -> Payload:
        """Register a member, found by Teams id or AAD object id, as Teams describes one.

        `user_role` is Teams' own: "user", "guest" (invited from another tenant) or "anonymous".
        """
        given, _, surname = name.partition(" ")
        member = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad_object_id,
            "email": email,
            "userPrincipalName": upn or email,
            "givenName": given,
            "surname": surname,
            "tenantId": tenant_id or self.tenant_id,
            "userRole": user_role,
        }
        with self._lock:
            self._members[user_id] = self._members[aad_object_id] = member
        return dict(member)

    def remove_member(self, user_id: str) -> None:
        """Take a member out of the roster (they left the team or the company)."""
        with self._lock:
            member = self._members.pop(user_id)
            self._members.pop(member["aadObjectId"], None)

    def add_file(
        self, content: bytes, *, name: str = "evidence.pdf", file_type: str = "pdf"
    ) -> Payload:
        """A file attachment as Teams sends it; its pre-authenticated downloadUrl serves it."""
        unique_id = str(uuid.uuid4()).upper()
        with self._lock:
            self._files[f"files/{unique_id}"] = (content, "application/octet-stream")
        download = f"{self.url}/files/{unique_id}/{quote(name, safe='')}"
        return {
            "contentType": FILE_INFO,
            # Only downloadUrl works for the bot; contentUrl is SharePoint's (answered 401).
            "contentUrl": f"{self.url}/sharepoint/{unique_id}/{quote(name)}",
            "name": name,
            "content": {"downloadUrl": download, "uniqueId": unique_id, "fileType": file_type},
        }

    def add_inline_image(self, content: bytes, content_type: str = "image/png") -> Payload:
        """An image pasted into a message; like Teams, fetching it needs the bot's bearer token."""
        image_id = uuid.uuid4().hex
        with self._lock:
            self._files[f"inline/{image_id}"] = (content, content_type)
        return {"contentType": content_type, "contentUrl": f"{self.url}/inline/{image_id}"}

    def add_redirect(self, location: str, *, status: int = 302) -> str:
        """A URL on this service that answers with a redirect to `location`."""
        redirect_id = uuid.uuid4().hex
        with self._lock:
            self._redirects[redirect_id] = (status, location)
        return f"{self.url}/redirect/{redirect_id}"

    def new_activity_id(self) -> str:
        activity_id = str(1700000000000 + next(self._ids))
        self.issued_ids.append(activity_id)
        return activity_id

    def authorized(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        if self.token is None:
            return given.startswith("Bearer ") and len(given) > len("Bearer ")
        return given == f"Bearer {self.token}"

    def handle(
        self, method: str, path: str, body: Payload | None, headers: dict[str, str], query: str = ""
    ) -> Answer:
        """Pick the answer, then record the call with its status."""
        stall = self._stall(method, path)
        if stall is not None:
            time.sleep(stall[0])
            if not stall[1]:
                answer: Answer = 504, error(504, message="Injected by stall_next"), {}
                with self._lock:
                    self.calls.append(Call(method, path, body, headers, 504))
                return answer
        answer = self._failure(method, path) or self._answer(method, path, body, headers, query)
        status, payload, extra = answer
        with self._lock:
            self.calls.append(Call(method, path, body, headers, status))
        return status, payload, extra

    def _stall(self, method: str, path: str) -> tuple[float, bool] | None:
        with self._lock:
            for stall in self._stalls:
                if stall[0] == method and path.startswith(stall[1]) and stall[4] > 0:
                    stall[4] -= 1
                    return float(stall[2]), bool(stall[3])
        return None

    def _failure(self, method: str, path: str) -> Answer | None:
        with self._lock:
            for failure in self._failures:
                if failure[0] == method and path.startswith(failure[1]) and failure[4] > 0:
                    failure[4] -= 1
                    status, retry_after = failure[2], failure[3]
                    break
            else:
                return None
        extra = {"Retry-After": str(retry_after)} if status in (429, 503) else {}
        return status, error(status, message="Injected by FakeConnector.fail_next"), extra

    def _answer(
        self, method: str, path: str, body: Payload | None, headers: dict[str, str], query: str
    ) -> Answer:
        if self.token is not None and not self.authorized(headers):
            return 401, {"message": "Authorization has been denied for this request."}, {}
        if (match := ACTIVITY.match(path)) and method in ("POST", "PUT", "DELETE"):
            if body is None and method != "DELETE":
                return 400, error(400, message="Missing activity"), {}
            activity_id = match.group(2)
            if method == "POST" or activity_id is None:  # a send, or a reply to any activity
                return 200, {"id": self.new_activity_id()}, {}
            return 200, ({"id": activity_id} if method == "PUT" else None), {}
        if method == "POST" and path == "/v3/conversations":
            conversation = f"a:new-conversation-{next(self._conversations)}"
            answer = {"id": conversation, "activityId": self.new_activity_id()}
            return 200, {**answer, "serviceUrl": self.service_url}, {}
        if method == "GET" and (match := MEMBER.match(path)):
            member = self._members.get(match.group(2))
            if member is None:
                return 404, error(404, "MemberNotFoundInConversation", "Member not found"), {}
            return 200, dict(member), {}
        if method == "GET" and (match := MEMBERS.match(path)):
            members = list({m["id"]: m for m in self._members.values()}.values())
            if path.endswith("/pagedmembers"):
                return 200, _page(members, parse_qs(query)), {}
            return 200, members, {}
        return 404, error(404, message=f"No route for {method} {path}"), {}

    def download(self, path: str, headers: dict[str, str]) -> Download:
        """Serve a file (pre-authenticated) or an inline image (bot token needed); else 401/404."""
        if path.startswith("/redirect/"):
            with self._lock:
                redirect = self._redirects.get(path.removeprefix("/redirect/"))
            if redirect is None:
                return 404, b"Not Found", "text/plain", {}
            return redirect[0], b"", "text/plain", {"Location": redirect[1]}
        match = DOWNLOAD.match(path)
        if path.startswith("/sharepoint/"):  # wants a Graph token the bot does not have
            return 401, json.dumps(error(401)).encode(), "application/json", {}
        found = self._files.get(f"{match.group(1)}/{match.group(2)}") if match else None
        if match is None or found is None:
            return 404, b"Not Found", "text/plain", {}
        if match.group(1) == "inline" and not (self.emulator or self.authorized(headers)):
            return 401, json.dumps(error(401)).encode(), "application/json", {}
        with self._lock:  # before sending, so a client holding the bytes sees it
            self.downloads.append(match.group(2))
        return 200, found[0], found[1], {}


def _page(members: list[Payload], query: dict[str, list[str]]) -> Payload:
    """One page of /pagedmembers: `pageSize` members from `continuationToken` (an offset)."""
    start = int((query.get("continuationToken") or ["0"])[0])
    size = int((query.get("pageSize") or [str(len(members) or 1)])[0])
    end = start + size
    return {
        "members": members[start:end],
        "continuationToken": str(end) if end < len(members) else None,
    }

"""A local fake of Okta's management API: users, admin role assignees, factors, app users."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.bot.connectors.fake_api import FakeApi, Reply, Request

TOKEN = "00okta-read-only-admin-token-7f3a"
# What a token may read; a read-only administrator's token has all of them.
READ_ONLY_ADMIN = frozenset({"users", "apps", "roles", "factors"})
CAPS = {"users": 200, "app_users": 500, "assignees": 100}  # Okta's page size maximums


@dataclass
class OktaUser:
    id: str
    login: str
    email: str | None
    status: str = "ACTIVE"
    last_login: str | None = None
    admin: bool = False
    factors: list[str] = field(default_factory=list)  # each factor's status, e.g. "ACTIVE"


def _error(status: int, code: str, summary: str) -> Reply:
    body = {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorCauses": []}
    return Reply(status, body)


class FakeOkta(FakeApi):
    """Okta as one read-only admin token sees it; `tokens` maps each token to its permissions."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, frozenset[str]] = {TOKEN: READ_ONLY_ADMIN}
        self.users: dict[str, OktaUser] = {}
        self.apps: dict[str, dict[str, dict[str, Any]]] = {}  # app id → user id → assignment
        self.reset_throttles: list[int] = []  # Okta-style 429s: seconds until X-Rate-Limit-Reset
        self._ids = itertools.count(1)

    def add_user(
        self,
        login: str,
        *,
        email: str | None = None,
        status: str = "ACTIVE",
        last_login: str | None = None,
        admin: bool = False,
        factors: Iterable[str] = (),
    ) -> str:
        user_id = f"00u{next(self._ids):014d}x7"
        self.users[user_id] = OktaUser(
            user_id, login, email or login, status, last_login, admin, list(factors)
        )
        return user_id

    def remove(self, user_id: str) -> None:
        """The user is deleted from the org (and from every app)."""
        del self.users[user_id]
        for members in self.apps.values():
            members.pop(user_id, None)

    def add_app(self, app_id: str) -> None:
        self.apps[app_id] = {}

    def assign(
        self,
        app_id: str,
        user_id: str,
        user_name: str,
        *,
        status: str = "ACTIVE",
        scope: str = "USER",
    ) -> None:
        user = self.users[user_id]
        self.apps[app_id][user_id] = {
            "id": user_id,
            "externalId": None,
            "created": "2024-01-02T03:04:05.000Z",
            "scope": scope,
            "status": status,
            "credentials": {"userName": user_name},
            "profile": {"email": user.email} if user.email else {},
            "_links": {"user": {"href": f"{self.url}/api/v1/users/{user_id}"}},
        }

    def _answer(self, request: Request) -> Reply:
        if self.reset_throttles:  # Okta's own 429: rate-limit headers only, no Retry-After
            self.requests.append(request)
            reset = int(time.time()) + self.reset_throttles.pop(0)
            return self._throttled(str(reset))
        reply = super()._answer(request)
        if reply.status == 429:  # the base's throttle: add Okta's headers to its Retry-After
            wait = int(float(reply.headers.get("Retry-After", "1")))
            throttled = self._throttled(str(int(time.time()) + wait))
            throttled.headers["Retry-After"] = reply.headers.get("Retry-After", "1")
            return throttled
        return reply

    @staticmethod
    def _throttled(reset: str) -> Reply:
        reply = _error(429, "E0000047", "API call exceeded rate limit due to too many requests.")
        reply.headers.update(
            {
                "X-Rate-Limit-Limit": "600",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": reset,
            }
        )
        return reply

    def handle(self, request: Request) -> Reply:
        auth = request.headers.get("authorization", "")
        granted = self.tokens.get(auth.removeprefix("SSWS ")) if auth.startswith("SSWS ") else None
        if granted is None:
            return _error(401, "E0000011", "Invalid token provided")
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or parts[:2] != ["api", "v1"]:
            return _error(404, "E0000022", "The endpoint does not support the provided HTTP method")
        route = parts[2:]
        if route == ["users"]:
            return self._guarded(granted, "users") or self._users(request)
        if route == ["iam", "assignees", "users"]:
            return self._guarded(granted, "roles") or self._assignees(request)
        if len(route) == 3 and route[0] == "users" and route[2] == "factors":
            return self._guarded(granted, "factors") or self._factors(route[1])
        if len(route) == 3 and route[0] == "apps" and route[2] == "users":
            return self._guarded(granted, "apps") or self._app_users(request, route[1])
        return _error(404, "E0000007", f"Not found: Resource not found: {request.path}")

    @staticmethod
    def _guarded(granted: frozenset[str], needs: str) -> Reply | None:
        if needs in granted:
            return None
        return _error(403, "E0000006", "You do not have permission to perform the requested action")

    def _page(
        self, request: Request, rows: list[dict[str, Any]], cap: str, default: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Rows after the `after` cursor (the last id of the previous page), and the next link.

        Ids sort in creation order, so a cursor still works when its user was deleted since.
        """
        limit = min(int(request.query.get("limit", default)), CAPS[cap])
        after = request.query.get("after")
        start = sum(1 for row in rows if row["id"] <= after) if after else 0
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        cursor = page[-1]["id"] if more and page else None
        if cursor is None:
            return page, None
        return page, f"{self.url}{request.path}?after={cursor}&limit={limit}"

    def _users(self, request: Request) -> Reply:
        rows = [self._user_json(u) for u in self.users.values() if u.status != "DEPROVISIONED"]
        page, following = self._page(request, rows, "users", 200)
        links = [f'<{self.url}{request.path}?limit={request.query.get("limit", 200)}>; rel="self"']
        if following:
            links.append(f'<{following}>; rel="next"')
        return Reply(200, page, {"Link": ", ".join(links)})

    def _user_json(self, user: OktaUser) -> dict[str, Any]:
        return {
            "id": user.id,
            "status": user.status,
            "created": "2023-05-01T10:00:00.000Z",
            "activated": None,
            "statusChanged": "2023-05-01T10:00:00.000Z",
            "lastLogin": user.last_login,
            "lastUpdated": "2024-02-01T10:00:00.000Z",
            "passwordChanged": None,
            "type": {"id": "oty1"},
            "profile": {
                "login": user.login,
                "email": user.email,
                "firstName": "A",
                "lastName": "B",
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": f"{self.url}/api/v1/users/{user.id}"}},
        }

    def _assignees(self, request: Request) -> Reply:
        rows = [
            {"id": u.id, "orn": f"orn:okta:directory:org:users:{u.id}"}
            for u in self.users.values()
            if u.admin
        ]
        page, following = self._page(request, rows, "assignees", 100)
        body: dict[str, Any] = {"value": page, "_links": {}}
        if following:  # this endpoint pages in its body, not in a Link header
            body["_links"]["next"] = {"href": following}
        return Reply(200, body)

    def _factors(self, user_id: str) -> Reply:
        user = self.users.get(user_id)
        if user is None:
            return _error(404, "E0000007", f"Not found: Resource not found: {user_id} (User)")
        factors = [
            {
                "id": f"mfa{n}",
                "factorType": "token:software:totp",
                "provider": "GOOGLE",
                "status": s,
            }
            for n, s in enumerate(user.factors)
        ]
        return Reply(200, factors)

    def _app_users(self, request: Request, app_id: str) -> Reply:
        members = self.apps.get(app_id)
        if members is None:
            return _error(404, "E0000007", f"Not found: Resource not found: {app_id} (AppInstance)")
        page, following = self._page(request, list(members.values()), "app_users", 50)
        return Reply(200, page, {"Link": f'<{following}>; rel="next"'} if following else {})

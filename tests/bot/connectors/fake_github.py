"""A local fake of GitHub's REST API for an organization's members and outside collaborators.

As strict as github.com where a connector can go wrong: the token must be sent as
`Authorization: Bearer …` (or `token …`) and known (else 401 "Bad credentials"), it needs
read:org (else 403), only an owner's token may use `filter=2fa_disabled` (else 422), pages
are capped at 100 with Link headers pointing at `/organizations/{id}/…` as GitHub does, and
both of GitHub's rate limits (secondary: 403 + Retry-After; primary: 403 + spent quota).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from tests.bot.connectors.fake_api import FakeApi, Reply, Request, link_header

DOCS = "https://docs.github.com/rest"
LISTS = ("members", "outside_collaborators")
# Classic scopes that may read memberships, and the fine-grained "Members: read" permission.
READ_MEMBERS = frozenset({"read:org", "write:org", "admin:org", "members:read"})
ROLES = ("all", "admin", "member")
FILTERS = ("all", "2fa_disabled")


@dataclass
class FakeUser:
    """One user of the organization, as the fake keeps it."""

    login: str
    id: int
    admin: bool = False
    two_factor: bool = True
    outside: bool = False  # an outside collaborator rather than a member


@dataclass(frozen=True)
class Token:
    """What a token may do: its scopes, and whether its user is an owner of the org."""

    scopes: frozenset[str]
    owner: bool = False


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS}, headers or {})


class FakeGitHub(FakeApi):
    """One organization on a fake github.com (or a GitHub Enterprise Server with `prefix`)."""

    def __init__(
        self, org: str = "acme", token: str = "ghp_test", *, org_id: int = 4242, prefix: str = ""
    ) -> None:
        super().__init__()
        self.org, self.org_id = org, org_id
        self.prefix = prefix.rstrip("/")  # "/api/v3" for GitHub Enterprise Server
        self.tokens: dict[str, Token] = {token: Token(frozenset({"read:org"}), owner=True)}
        self.users: dict[str, FakeUser] = {}  # by lower-case login: logins ignore case
        self.secondary_limits: list[int] = []  # Retry-After seconds, one 403 per request
        self.primary_resets: list[int] = []  # x-ratelimit-reset epochs, one 403 per request
        self.filter_refusal = 422  # the status a non-owner's 2FA filter gets
        self._next_id = 1000

    def __enter__(self) -> FakeGitHub:
        super().__enter__()
        return self

    @property
    def api_url(self) -> str:
        """What the catalog's `api_url` should be for this fake."""
        return self.url + self.prefix

    # --- the organization, as tests shape it -------------------------------------------

    def add_token(
        self, token: str, *, scopes: Iterable[str] = ("read:org",), owner: bool = False
    ) -> None:
        self.tokens[token] = Token(frozenset(scopes), owner)

    def add_member(
        self,
        login: str,
        *,
        admin: bool = False,
        two_factor: bool = True,
        user_id: int | None = None,
    ) -> FakeUser:
        return self._add(FakeUser(login, self._id(user_id), admin, two_factor))

    def add_outside_collaborator(
        self, login: str, *, two_factor: bool = True, user_id: int | None = None
    ) -> FakeUser:
        return self._add(FakeUser(login, self._id(user_id), False, two_factor, outside=True))

    def remove(self, login: str) -> None:
        del self.users[login.lower()]

    def set_admin(self, login: str, admin: bool) -> None:
        user = self.users[login.lower()]
        if user.outside:
            raise ValueError(f"{login} is an outside collaborator: it cannot be an owner")
        user.admin = admin

    def set_two_factor(self, login: str, enabled: bool) -> None:
        self.users[login.lower()].two_factor = enabled

    def _id(self, user_id: int | None) -> int:
        if user_id is None:
            self._next_id += 1
            return self._next_id
        return user_id

    def _add(self, user: FakeUser) -> FakeUser:
        if user.login.lower() in self.users:
            raise ValueError(f"{user.login} is already in the organization")
        self.users[user.login.lower()] = user
        return user

    # --- the API -------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if not header:
            return _error(401, "Requires authentication")
        token = self.tokens.get(secret) if scheme.lower() in ("bearer", "token") else None
        if token is None:
            return _error(401, "Bad credentials")
        limited = self._rate_limited()
        if limited is not None:
            return limited
        what = self._route(request.path)
        if what is None:
            return _error(404, "Not Found")
        if not token.scopes & READ_MEMBERS:
            return _error(403, "Resource not accessible by personal access token")
        role, filter_ = request.query.get("role", "all"), request.query.get("filter", "all")
        if filter_ not in FILTERS or role not in ROLES or (what != "members" and role != "all"):
            return _error(422, "Validation Failed")
        if filter_ == "2fa_disabled" and not token.owner:
            return _error(self.filter_refusal, "Only owners can use this filter.")
        return self._page(request, what, self._select(what, role, filter_))

    def _rate_limited(self) -> Reply | None:
        with self._lock:
            secondary = self.secondary_limits.pop(0) if self.secondary_limits else None
            primary = self.primary_resets.pop(0) if self.primary_resets else None
        if secondary is not None:
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again."
            )
            return _error(403, message, {"Retry-After": str(secondary)})
        if primary is not None:
            quota = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0"}
            quota |= {"x-ratelimit-used": "5000", "x-ratelimit-reset": str(primary)}
            return _error(403, "API rate limit exceeded for user ID 1.", quota)
        return None

    def _route(self, path: str) -> str | None:
        """ "members" or "outside_collaborators" when the path names this org's list."""
        if self.prefix:
            if not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[2] not in LISTS:
            return None
        by_name = parts[0] == "orgs" and parts[1].lower() == self.org.lower()
        by_id = parts[0] == "organizations" and parts[1] == str(self.org_id)
        return parts[2] if by_name or by_id else None

    def _select(self, what: str, role: str, filter_: str) -> list[FakeUser]:
        found = [u for u in list(self.users.values()) if u.outside == (what != "members")]
        if role != "all":
            found = [u for u in found if u.admin == (role == "admin")]
        if filter_ == "2fa_disabled":
            found = [u for u in found if not u.two_factor]
        return found

    def _page(self, request: Request, what: str, users: list[FakeUser]) -> Reply:
        per_page = min(max(_number(request.query.get("per_page"), 30), 1), 100)
        page = max(_number(request.query.get("page"), 1), 1)
        last = max(1, math.ceil(len(users) / per_page))
        chunk = users[(page - 1) * per_page : page * per_page]
        # GitHub echoes the query it was given and rewrites the org to its numeric id.
        query = {k: v for k, v in request.query.items() if k != "page"}
        path = f"/organizations/{self.org_id}/{what}"
        link = link_header(self.api_url, path, page, last, query)
        return Reply(200, [self._json(u) for u in chunk], {"Link": link} if link else {})

    def _json(self, user: FakeUser) -> dict[str, object]:
        return {
            "login": user.login,
            "id": user.id,
            "node_id": f"U_kgDO{user.id:08d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "url": f"{self.api_url}/users/{user.login}",
            "html_url": f"https://github.com/{user.login}",
            "type": "User",
            "site_admin": False,
        }


def _number(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() else default

"""A local fake of Google's OAuth token endpoint (JWT bearer grant) and Directory users API."""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from google.auth import jwt

from tests.bot.connectors.fake_api import FakeApi, Reply, Request

TOKEN_PATH = "/token"
USERS_PATH = "/admin/directory/v1/users"
# google-auth always signs its assertion for this audience, whatever the key's token_uri says.
AUDIENCE = "https://oauth2.googleapis.com/token"
USER_READONLY = "https://www.googleapis.com/auth/admin.directory.user.readonly"
DIRECTORY_SCOPES = frozenset(
    {USER_READONLY, "https://www.googleapis.com/auth/admin.directory.user"}
)
NEVER = "1970-01-01T00:00:00.000Z"
MAX_RESULTS = 500
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
UNAUTHORIZED_CLIENT = (
    "Client is unauthorized to retrieve access tokens using this method, "
    "or client not authorized for any of the scopes requested."
)


@dataclass
class Grant:
    subject: str
    scopes: frozenset[str]
    expires: float


@dataclass
class Delegation:
    """A service account's public key, and the scopes the admin console delegated to it."""

    public_pem: bytes
    scopes: frozenset[str]


def _google_error(status: int, message: str, reason: str, state: str) -> Reply:
    errors = [{"message": message, "domain": "global", "reason": reason}]
    return Reply(
        status, {"error": {"code": status, "message": message, "errors": errors, "status": state}}
    )


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error": error, "error_description": description})


class FakeGoogle(FakeApi):
    """One Workspace customer: its users, its service accounts' delegations, the tokens issued."""

    def __init__(self, *, domain: str = "acme.com", customer_id: str = "C03az79cb") -> None:
        super().__init__()
        self.domain, self.customer_id = domain, customer_id
        self.users: dict[str, dict[str, Any]] = {}  # primary email → Directory user resource
        self.delegations: dict[str, Delegation] = {}  # client_email → its delegation
        self.tokens: dict[str, Grant] = {}
        self.token_ttl = 3600  # negative: tokens are issued already expired (a skewed clock)
        self.grant_scopes: frozenset[str] | None = None  # set: tokens carry these scopes instead
        self.quota_errors = 0  # Directory answers this many 403 userRateLimitExceeded first
        self._ids = itertools.count(100000000000000000001)

    @property
    def token_uri(self) -> str:
        return self.url + TOKEN_PATH

    def delegate(self, client_email: str, public_pem: bytes, *scopes: str) -> None:
        """The admin console grants the service account domain-wide delegation for `scopes`."""
        self.delegations[client_email] = Delegation(
            public_pem, frozenset(scopes or {USER_READONLY})
        )

    def add_user(
        self,
        email: str,
        *,
        admin: bool = False,
        delegated_admin: bool = False,
        suspended: bool = False,
        archived: bool = False,
        mfa: bool = False,
        last_login: str | None = NEVER,
        org_unit: str = "/",
    ) -> str:
        user_id = str(next(self._ids))
        given = email.split("@")[0].title()
        self.users[email] = {
            "kind": "admin#directory#user",
            "id": user_id,
            "etag": f'"{secrets.token_hex(8)}"',
            "primaryEmail": email,
            "name": {"givenName": given, "familyName": "Doe", "fullName": f"{given} Doe"},
            "isAdmin": admin,
            "isDelegatedAdmin": delegated_admin,
            "lastLoginTime": last_login,
            "creationTime": "2022-01-10T09:00:00.000Z",
            "agreedToTerms": True,
            "suspended": suspended,
            "archived": archived,
            "changePasswordAtNextLogin": False,
            "ipWhitelisted": False,
            "emails": [{"address": email, "primary": True}],
            "customerId": self.customer_id,
            "orgUnitPath": org_unit,
            "isMailboxSetup": True,
            "isEnrolledIn2Sv": mfa,
            "isEnforcedIn2Sv": False,
            "includeInGlobalAddressList": True,
            **({"suspensionReason": "ADMIN"} if suspended else {}),
        }
        return user_id

    def remove(self, email: str) -> None:
        del self.users[email]

    def _answer(self, request: Request) -> Reply:
        # The token endpoint is another Google service (oauth2.googleapis.com): the Directory's
        # throttles and outages do not touch it.
        if request.path == TOKEN_PATH:
            self.requests.append(request)
            return self._token(request)
        return super()._answer(request)

    def handle(self, request: Request) -> Reply:
        if request.path != USERS_PATH or request.method != "GET":
            return _google_error(404, "Not Found", "notFound", "NOT_FOUND")
        grant = self._grant(request.headers.get("authorization", ""))
        if grant is None:
            message = (
                "Request had invalid authentication credentials. Expected OAuth 2 access token."
            )
            return _google_error(401, message, "authError", "UNAUTHENTICATED")
        if not grant.scopes & DIRECTORY_SCOPES:
            message = "Request had insufficient authentication scopes."
            return _google_error(403, message, "insufficientPermissions", "PERMISSION_DENIED")
        subject = self.users.get(grant.subject, {})
        if not (subject.get("isAdmin") or subject.get("isDelegatedAdmin")):
            message = "Not Authorized to access this resource/api"
            return _google_error(403, message, "forbidden", "PERMISSION_DENIED")
        if self.quota_errors:
            self.quota_errors -= 1
            message = "Quota exceeded for quota metric 'Queries' of service 'admin.googleapis.com'"
            return _google_error(403, message, "userRateLimitExceeded", "PERMISSION_DENIED")
        return self._list(request)

    def _grant(self, authorization: str) -> Grant | None:
        if not authorization.startswith("Bearer "):
            return None
        grant = self.tokens.get(authorization.removeprefix("Bearer "))
        return grant if grant is not None and grant.expires > time.time() else None

    def _list(self, request: Request) -> Reply:
        query = request.query
        if query.get("domain"):
            if query["domain"] != self.domain:
                message = "Not Authorized to access this resource/api"
                return _google_error(403, message, "forbidden", "PERMISSION_DENIED")
        elif query.get("customer") not in ("my_customer", self.customer_id):
            return _google_error(400, "Bad Request", "badRequest", "INVALID_ARGUMENT")
        limit = min(int(query.get("maxResults", "100")), MAX_RESULTS)
        start = _offset(query.get("pageToken"))
        if start is None:
            return _google_error(400, "Invalid Input: pageToken", "invalid", "INVALID_ARGUMENT")
        users = list(self.users.values())
        page = users[start : start + limit]
        body: dict[str, Any] = {"kind": "admin#directory#users", "etag": '"e1"'}
        if page:  # Google leaves `users` out of an empty answer
            body["users"] = page
        if start + limit < len(users):
            body["nextPageToken"] = base64.urlsafe_b64encode(f"o:{start + limit}".encode()).decode()
        return Reply(200, body)

    def _token(self, request: Request) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        if request.method != "POST" or form.get("grant_type") != JWT_BEARER:
            return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, verify=False)
        except ValueError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT: not a JWT.")
        delegation = self.delegations.get(str(unverified.get("iss")))
        if delegation is None:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        try:
            claims = jwt.decode(assertion, certs=delegation.public_pem, audience=AUDIENCE)
        except ValueError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        scopes = frozenset(str(claims.get("scope", "")).split())
        subject = self.users.get(str(claims.get("sub")))
        if subject is None or subject["suspended"] or not scopes <= delegation.scopes:
            return _oauth_error(401, "unauthorized_client", UNAUTHORIZED_CLIENT)
        token = "ya29." + secrets.token_urlsafe(32)
        granted = self.grant_scopes if self.grant_scopes is not None else scopes
        self.tokens[token] = Grant(subject["primaryEmail"], granted, time.time() + self.token_ttl)
        return Reply(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})


def _offset(page_token: str | None) -> int | None:
    if not page_token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(page_token.encode()).decode().partition(":")
    except ValueError:
        return None
    return int(value) if kind == "o" and value.isdigit() else None

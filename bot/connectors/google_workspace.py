"""Google Workspace accounts from the Directory API, read through domain-wide delegation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import google.auth.transport.requests
import httpx
from google.auth import exceptions
from google.oauth2 import service_account

from bot.connectors.facts import Account, FailureKind, SourceError
from bot.connectors.http import Budget, JsonApi, parse_instant
from bot.connectors.registry import SourceConfig, SourceType

SYSTEM = "Google Workspace"
KEY_FILE = "GOOGLE_APPLICATION_CREDENTIALS"
SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
API_URL = "https://admin.googleapis.com"
USERS_PATH = "/admin/directory/v1/users"
PAGE = 500  # the Directory API's maximum
TOKEN_TIMEOUT = 20.0  # google-auth would wait 120 s on a silent token endpoint
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # Google's lastLoginTime for "never signed in"
QUOTA_WAIT = "10"  # seconds: Google asks for backoff on its quota 403s, without Retry-After
QUOTA_REASONS = ('"rateLimitExceeded"', '"userRateLimitExceeded"', '"quotaExceeded"')
FORBIDDEN_HINT = (
    f"; the service account needs domain-wide delegation for {SCOPE}, "
    "and admin_email must be an administrator allowed to read users"
)


class _TokenRequest(google.auth.transport.requests.Request):
    """google-auth's requests transport, with a timeout we choose instead of its 120 s."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: float | None = TOKEN_TIMEOUT,
        **kwargs: Any,
    ) -> Any:
        return super().__call__(url, method, body, headers, timeout, **kwargs)  # type: ignore[no-untyped-call]


class _DirectoryApi(JsonApi):
    """JsonApi that waits out the Directory API's quota errors, which Google sends as 403s."""

    def _attempt(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[httpx.Response | None, tuple[FailureKind, str]]:
        response, trouble = super()._attempt(path, params)
        if (
            response is not None
            and response.status_code == 403
            and "retry-after" not in response.headers
            and any(reason in response.text for reason in QUOTA_REASONS)
        ):
            response.headers["Retry-After"] = QUOTA_WAIT  # the base then waits and asks again
        return response, trouble


def _describe(settings: Mapping[str, str]) -> str:
    scope = settings.get("domain", "").strip() or settings.get("customer", "").strip()
    return f"Google Workspace ({scope or 'my_customer'})"


def _pull(config: SourceConfig) -> list[Account]:
    settings = config.settings
    admin = settings.get("admin_email", "").strip()
    token = _access_token(config.env[KEY_FILE], admin)
    domain = settings.get("domain", "").strip()
    params: dict[str, Any] = {"maxResults": PAGE, "projection": "basic"}
    if domain:  # only this domain's users, in a customer that holds several
        params["domain"] = domain
    else:
        params["customer"] = settings.get("customer", "").strip() or "my_customer"
    api = _DirectoryApi(
        settings.get("api_url", "").strip() or API_URL,
        system=SYSTEM,
        headers={"Authorization": f"Bearer {token}"},
        client=config.client,
        budget=Budget(max_wait=config.max_wait),
        sleep=config.sleep,
    )
    try:
        with api:
            return [_account(api, user) for user in _users(api, params)]
    except SourceError as exc:
        if exc.kind == "forbidden":
            raise SourceError(SYSTEM, exc.reason + FORBIDDEN_HINT, kind="forbidden") from None
        raise


def _access_token(key_file: str, admin: str) -> str:
    """A Directory access token for `admin`, from the service account's key; else SourceError.

    Reasons never quote google-auth's messages whole: they may echo the key file's content.
    """
    try:
        credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            key_file, scopes=[SCOPE], subject=admin
        )
    except OSError:
        reason = f"{KEY_FILE} does not name a readable file"
        raise SourceError(SYSTEM, reason, kind="missing_setting") from None
    except (ValueError, KeyError, exceptions.GoogleAuthError):
        reason = f"{KEY_FILE} is not a service-account JSON key (client_email, private_key, …)"
        raise SourceError(SYSTEM, reason, kind="missing_setting") from None
    request = _TokenRequest()
    try:
        credentials.refresh(request)
    except exceptions.RefreshError as exc:
        raise _refused(exc, admin) from None
    except exceptions.TransportError as exc:
        if "Timeout" in type(exc.__cause__).__name__:
            raise SourceError(
                SYSTEM, "the token endpoint did not answer in time", kind="timeout"
            ) from None
        raise SourceError(
            SYSTEM, "the token endpoint was unreachable", kind="unreachable"
        ) from None
    finally:
        request.session.close()
    token = credentials.token
    if not isinstance(token, str) or not token:
        raise SourceError(SYSTEM, "the token endpoint gave no access token", kind="bad_response")
    return token


def _refused(exc: exceptions.RefreshError, admin: str) -> SourceError:
    """Why no token was issued: OAuth's error code only (it is safe), with what to check."""
    if exc.retryable:
        return SourceError(SYSTEM, "the token endpoint kept failing", kind="unreachable")
    data = exc.args[1] if len(exc.args) > 1 else None
    code = data.get("error") if isinstance(data, dict) else None
    safe = code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else "refused"
    if safe in ("invalid_grant", "invalid_client"):  # the key itself: deleted, or a bad clock
        check = f"that the key in {KEY_FILE} is still active and this machine's clock is right"
    else:
        check = (
            f"the service account's domain-wide delegation for {SCOPE} "
            "and that admin_email is an active administrator"
        )
    reason = f"no access token to act as {admin} ({safe}): check {check}"
    return SourceError(SYSTEM, reason, kind="unauthorized")


def _users(api: JsonApi, params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every user, page by page through `nextPageToken`."""
    seen: set[str] = set()
    token: str | None = None
    while True:
        body = api.get_json(USERS_PATH, {**params, "pageToken": token} if token else params)
        if not isinstance(body, dict):
            raise api.fail("bad_response", "answered a user list that is not an object")
        users = body.get("users", [])  # absent, not empty, when there are none
        if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
            raise api.fail("bad_response", "answered a user list we cannot read")
        yield from users
        following = body.get("nextPageToken")
        if not following:
            return
        if not isinstance(following, str) or following in seen:
            raise api.fail("bad_response", "answered a page token that leads nowhere new")
        seen.add(following)
        token = following


def _account(api: JsonApi, user: Mapping[str, Any]) -> Account:
    user_id, email = user.get("id"), user.get("primaryEmail")
    if not isinstance(user_id, str) or not user_id or not isinstance(email, str):
        raise api.fail("bad_response", "listed a user without an id or primary email")
    privileges: tuple[str, ...] = ("super_admin",) if user.get("isAdmin") is True else ()
    if user.get("isDelegatedAdmin") is True:
        privileges += ("delegated_admin",)
    suspended, archived = user.get("suspended") is True, user.get("archived") is True
    last_login = parse_instant(user.get("lastLoginTime"))
    attributes = {"status": "suspended" if suspended else "archived" if archived else "active"}
    org_unit = user.get("orgUnitPath")
    if isinstance(org_unit, str) and org_unit:
        attributes["org_unit"] = org_unit
    mfa = user.get("isEnrolledIn2Sv")
    return Account(
        id=user_id,
        name=email,
        email=email,
        privileges=privileges,
        mfa=mfa if isinstance(mfa, bool) else None,
        last_active=None if last_login is None or last_login <= NEVER else last_login,
        active=not (suspended or archived),
        attributes=attributes,
    )


SOURCE = SourceType(
    name="google_workspace",
    system=SYSTEM,
    required=("admin_email",),
    optional=("customer", "domain", "api_url"),
    credentials=((KEY_FILE,),),
    describe=_describe,
    pull=_pull,
)

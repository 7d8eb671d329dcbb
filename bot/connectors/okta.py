"""Okta accounts: every user of an org (or one app's assignments), admins and optionally MFA."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from bot.connectors.facts import Account, FailureKind, SourceError
from bot.connectors.http import Budget, JsonApi, parse_instant
from bot.connectors.registry import SourceConfig, SourceType

SYSTEM = "Okta"
TOKEN = "OKTA_API_TOKEN"
USERS_PAGE = 200  # Okta's maximum for /api/v1/users
APP_USERS_PAGE = 500  # Okta's maximum for /api/v1/apps/{id}/users
ASSIGNEES_PAGE = 100  # the documented default of /api/v1/iam/assignees/users; no larger max is
# documented, so asking for more could silently be ignored or refused.
# Statuses in which the person can still sign in (or is about to): everything but SUSPENDED,
# DEPROVISIONED and STAGED (created, never activated).
ACTIVE_STATUSES = frozenset({"ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY", "PROVISIONED"})
# An app assignment keeps access unless the app says it was turned off or taken back.
INACTIVE_APP_STATUSES = frozenset({"INACTIVE", "DEPROVISIONED", "SUSPENDED", "UNASSIGNED"})
FORBIDDEN_HINT = (
    f"; {TOKEN} must be created by an administrator who can read users, apps and admin roles "
    "(a read-only administrator is enough)"
)


class _OktaApi(JsonApi):
    """JsonApi that also understands Okta's 429s, which carry X-Rate-Limit-Reset, no Retry-After."""

    def _attempt(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[httpx.Response | None, tuple[FailureKind, str]]:
        response, trouble = super()._attempt(path, params)
        if response is not None and response.status_code == 429:
            reset = response.headers.get("x-rate-limit-reset", "")
            if "retry-after" not in response.headers and reset.isdigit():
                # One second more than asked: Okta's reset is rounded down to the second.
                wait = max(0, int(reset) - int(time.time())) + 1
                response.headers["Retry-After"] = str(wait)
        return response, trouble


def _host(settings: Mapping[str, str]) -> str:
    """The org's host from `domain`, forgiving a pasted https:// or trailing slash."""
    domain = settings.get("domain", "").strip()
    domain = domain.removeprefix("https://").removeprefix("http://").rstrip("/")
    if not domain or "/" in domain or " " in domain:
        raise SourceError(
            SYSTEM,
            "`domain` must be the org's host name, like acme.okta.com",
            kind="missing_setting",
        )
    return domain


def _describe(settings: Mapping[str, str]) -> str:
    domain = settings.get("domain", "").strip().removeprefix("https://").rstrip("/")
    app = settings.get("app_id", "").strip()
    return f"Okta app {app} at {domain}" if app else f"Okta {domain}"


def _wants_mfa(settings: Mapping[str, str]) -> bool:
    return settings.get("check_mfa", "").strip().lower() in {"yes", "true", "on", "1"}


def _pull(config: SourceConfig) -> list[Account]:
    settings = config.settings
    base = settings.get("api_url", "").strip() or f"https://{_host(settings)}"
    app = settings.get("app_id", "").strip()
    api = _OktaApi(
        base,
        system=SYSTEM,
        headers={"Authorization": f"SSWS {config.env[TOKEN]}"},
        client=config.client,
        budget=Budget(max_wait=config.max_wait),
        sleep=config.sleep,
    )
    try:
        with api:
            accounts = _app_accounts(api, app) if app else _org_accounts(api)
            if not _wants_mfa(settings):
                return accounts
            return [_with_mfa(api, account) for account in accounts]
    except SourceError as exc:
        if exc.kind == "forbidden":
            raise SourceError(SYSTEM, exc.reason + FORBIDDEN_HINT, kind="forbidden") from None
        raise


def _org_accounts(api: JsonApi) -> list[Account]:
    users = list(_items(api, api.pages_by_link("/api/v1/users", {"limit": USERS_PAGE})))
    admins = _admin_ids(api)
    return [_user_account(api, user, admins) for user in users]


def _app_accounts(api: JsonApi, app: str) -> list[Account]:
    pages = api.pages_by_link(
        f"/api/v1/apps/{quote(app, safe='')}/users", {"limit": APP_USERS_PAGE}
    )
    return [_assignment_account(api, item) for item in _items(api, pages)]


def _items(api: JsonApi, pages: Iterator[Any]) -> Iterator[dict[str, Any]]:
    """The objects of Okta's list pages (each a JSON array), or bad_response."""
    for page in pages:
        if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
            raise api.fail("bad_response", "answered a list page that is not a list of objects")
        yield from page


def _admin_ids(api: JsonApi) -> set[str]:
    """Ids of users holding an admin role; this endpoint pages by `_links.next` in its body."""
    ids: set[str] = set()
    next_url: str | None = "/api/v1/iam/assignees/users"
    params: dict[str, Any] | None = {"limit": ASSIGNEES_PAGE}
    while next_url:
        body = api.get_json(next_url, params)
        params = None  # the next link already carries the cursor and the limit
        values = body.get("value") if isinstance(body, dict) else None
        if not isinstance(values, list):
            raise api.fail("bad_response", "answered an admin list without `value`")
        ids.update(str(item["id"]) for item in values if isinstance(item, dict) and item.get("id"))
        next_url = _next_href(body)
    return ids


def _next_href(body: Mapping[str, Any]) -> str | None:
    links = body.get("_links")
    following = links.get("next") if isinstance(links, dict) else None
    href = following.get("href") if isinstance(following, dict) else None
    return href if isinstance(href, str) and href else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _required_id(api: JsonApi, item: Mapping[str, Any]) -> str:
    found = _text(item.get("id"))
    if found is None:
        raise api.fail("bad_response", "listed an account without an id")
    return found


def _user_account(api: JsonApi, user: Mapping[str, Any], admins: set[str]) -> Account:
    user_id = _required_id(api, user)
    raw_profile = user.get("profile")
    profile: Mapping[str, Any] = raw_profile if isinstance(raw_profile, dict) else {}
    status = _text(user.get("status")) or "UNKNOWN"
    return Account(
        id=user_id,
        name=_text(profile.get("login")) or user_id,
        email=_text(profile.get("email")),
        privileges=("admin",) if user_id in admins else (),
        last_active=parse_instant(user.get("lastLogin")),
        active=status in ACTIVE_STATUSES,
        attributes={"status": status},
    )


def _assignment_account(api: JsonApi, item: Mapping[str, Any]) -> Account:
    """One app assignment; its id is the Okta user's id, its name the app's user name."""
    user_id = _required_id(api, item)
    raw_credentials, raw_profile = item.get("credentials"), item.get("profile")
    credentials: Mapping[str, Any] = raw_credentials if isinstance(raw_credentials, dict) else {}
    profile: Mapping[str, Any] = raw_profile if isinstance(raw_profile, dict) else {}
    status = _text(item.get("status")) or "UNKNOWN"
    attributes = {"status": status}
    scope = _text(item.get("scope"))
    if scope:  # USER: assigned directly; GROUP: through a group, reviewed on the group
        attributes["assigned"] = scope.lower()
    return Account(
        id=user_id,
        name=_text(credentials.get("userName")) or user_id,
        email=_text(profile.get("email")),
        active=status not in INACTIVE_APP_STATUSES,
        attributes=attributes,
    )


def _with_mfa(api: JsonApi, account: Account) -> Account:
    """`account` with `mfa`: whether the user has any active factor (one call per user)."""
    factors = api.get_json(f"/api/v1/users/{account.id}/factors")
    if not isinstance(factors, list):
        raise api.fail("bad_response", "answered a factor list that is not a list")
    enrolled = any(isinstance(f, dict) and f.get("status") == "ACTIVE" for f in factors)
    return dataclasses.replace(account, mfa=enrolled)


SOURCE = SourceType(
    name="okta",
    system=SYSTEM,
    required=("domain",),
    optional=("app_id", "api_url", "check_mfa"),
    credentials=((TOKEN,),),
    describe=_describe,
    pull=_pull,
)

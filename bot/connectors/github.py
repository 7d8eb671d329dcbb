"""The GitHub source: an organization's members, owners, 2FA status and outside collaborators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.connectors.facts import Account, SourceError
from bot.connectors.http import Budget, JsonApi
from bot.connectors.registry import SourceConfig, SourceType

SYSTEM = "GitHub"
DEFAULT_API = "https://api.github.com"  # GitHub Enterprise Server: https://HOST/api/v3
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
PER_PAGE = 100  # GitHub's maximum: fewest requests against the hourly quota

User = dict[str, Any]


def pull(config: SourceConfig) -> list[Account]:
    """Every member (owners flagged) and outside collaborator of the organization."""
    org = quote(config.settings["org"], safe="")
    api = JsonApi(
        config.settings.get("api_url") or DEFAULT_API,
        system=SYSTEM,
        headers={**HEADERS, "Authorization": f"Bearer {config.env['GITHUB_TOKEN']}"},
        client=config.client,
        budget=Budget(max_wait=config.max_wait),
        sleep=config.sleep,
    )
    with api:
        members = _users(api, f"orgs/{org}/members")
        owners = {user["id"] for user in _users(api, f"orgs/{org}/members", role="admin")}
        members_without_2fa = _without_2fa(api, f"orgs/{org}/members")
        outside = _users(api, f"orgs/{org}/outside_collaborators")
        # Only owners may filter by 2FA: when the members' filter was refused, so is this one.
        outside_without_2fa = (
            None
            if members_without_2fa is None
            else _without_2fa(api, f"orgs/{org}/outside_collaborators")
        )
    accounts = [_account(u, "member", owners, members_without_2fa) for u in members]
    accounts += [_account(u, "outside_collaborator", set(), outside_without_2fa) for u in outside]
    return accounts


def _users(api: JsonApi, path: str, **params: str) -> list[User]:
    """Every user of a paginated list, checked to carry the id and login we rely on."""
    found: list[User] = []
    for page in api.pages_by_link(path, {**params, "per_page": PER_PAGE}):
        if not isinstance(page, list):
            raise api.fail("bad_response", "answered a page that is not a list of users")
        for user in page:
            if not _is_user(user):
                raise api.fail("bad_response", "listed a user without a numeric id or a login")
            found.append(user)
    return found


def _is_user(user: object) -> bool:
    return (
        isinstance(user, dict)
        and isinstance(user.get("id"), int)
        and not isinstance(user.get("id"), bool)
        and isinstance(user.get("login"), str)
    )


def _without_2fa(api: JsonApi, path: str) -> set[int] | None:
    """Ids of the users without two-factor authentication; None when we may not know.

    GitHub lets only an organization owner use `filter=2fa_disabled`; any other token gets a
    422 (or a 403). That is no reason to fail the review: MFA is then reported as unknown.
    """
    try:
        return {user["id"] for user in _users(api, path, filter="2fa_disabled")}
    except SourceError as exc:
        if _filter_refused(exc):
            return None
        raise


def _filter_refused(exc: SourceError) -> bool:
    # JsonApi reports a 422 as "bad_response" with the status in its reason; a 401 or a
    # rate limit we could not wait out still fails the pull.
    return exc.kind == "forbidden" or (exc.kind == "bad_response" and "(422)" in exc.reason)


def _account(user: User, kind: str, owners: set[int], without_2fa: set[int] | None) -> Account:
    profile = user.get("html_url")
    return Account(
        id=str(user["id"]),  # the login can be renamed; the numeric id cannot
        name=user["login"],
        email=None,  # the members API never gives one
        privileges=("owner",) if user["id"] in owners else (),
        mfa=None if without_2fa is None else user["id"] not in without_2fa,
        kind=kind,
        attributes={"profile": profile} if isinstance(profile, str) else {},
    )


def describe(settings: Mapping[str, str]) -> str:
    return f"GitHub organization {settings.get('org', '')}"


SOURCE = SourceType(
    name="github",
    system=SYSTEM,
    required=("org",),
    optional=("api_url",),
    # Least privilege: classic token with read:org, or fine-grained "Members: read" (org).
    credentials=(("GITHUB_TOKEN",),),
    describe=describe,
    pull=pull,
)

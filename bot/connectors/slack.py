"""The Slack source: a workspace's members, owners, admins and guests, from users.list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.connectors.facts import Account, FailureKind
from bot.connectors.http import Budget, JsonApi
from bot.connectors.registry import SourceConfig, SourceType

SYSTEM = "Slack"
DEFAULT_API = "https://slack.com/api"
LIMIT = 200  # Slack's advice for users.list: larger pages are cut short or time out
SLACKBOT = "USLACKBOT"  # Slack's own bot has is_bot false; it is nobody's account
# Slack answers HTTP 200 with {"ok": false, "error": …}: the errors that are about the token.
REFUSALS: dict[str, tuple[FailureKind, str]] = {
    **dict.fromkeys(
        ["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"],
        ("unauthorized", "the bot token was refused ({error}): check SLACK_BOT_TOKEN"),
    ),
    "not_allowed_token_type": (
        "unauthorized",
        "this token type may not list members ({error}): use the bot token (xoxb-…)",
    ),
    **dict.fromkeys(
        ["missing_scope", "no_permission", "team_access_not_granted"],
        ("forbidden", "the bot lacks a permission ({error}{needed}): reinstall the app"),
    ),
}

Member = dict[str, Any]


def pull(config: SourceConfig) -> list[Account]:
    """Every member of the workspace (deactivated ones flagged), bots left out."""
    api = JsonApi(
        config.settings.get("api_url") or DEFAULT_API,
        system=SYSTEM,
        headers={"Authorization": f"Bearer {config.env['SLACK_BOT_TOKEN'].strip()}"},
        client=config.client,
        budget=Budget(max_wait=config.max_wait),
        sleep=config.sleep,
    )
    members: list[Member] = []
    seen: set[str] = set()
    cursor = ""
    with api:
        while True:
            params = {"limit": LIMIT, **({"cursor": cursor} if cursor else {})}
            page = _answer(api, api.get_json("users.list", params))
            members += _members(api, page)
            cursor = _next_cursor(page)
            if not cursor:
                break
            if cursor in seen:  # a cursor handed out twice would loop for ever
                raise api.fail("bad_response", "users.list handed out the same cursor twice")
            seen.add(cursor)
    return [_account(m) for m in members if not m.get("is_bot") and m["id"] != SLACKBOT]


def _answer(api: JsonApi, body: Any) -> Mapping[str, Any]:
    """The body of a successful call; Slack's `ok: false` as SourceError."""
    if not isinstance(body, dict):
        raise api.fail("bad_response", "users.list answered something that is not an object")
    if body.get("ok") is True:
        return body
    error = str(body.get("error") or "")
    error = error if re.fullmatch(r"[a-z_]{1,60}", error) else "unknown_error"
    needed = str(body.get("needed") or "")  # missing_scope names the scope it wanted
    needed = f", needs {needed}" if re.fullmatch(r"[a-z:._]{1,60}", needed) else ""
    kind, reason = REFUSALS.get(error, ("bad_response", "users.list failed ({error})"))
    raise api.fail(kind, reason.format(error=error, needed=needed))


def _members(api: JsonApi, page: Mapping[str, Any]) -> list[Member]:
    members = page.get("members")
    if not isinstance(members, list):
        raise api.fail("bad_response", "users.list answered a page without members")
    for member in members:
        if not isinstance(member, dict) or not isinstance(member.get("id"), str):
            raise api.fail("bad_response", "users.list listed a member without an id")
    return members


def _next_cursor(page: Mapping[str, Any]) -> str:
    metadata = page.get("response_metadata")
    cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
    return cursor if isinstance(cursor, str) else ""


def _account(member: Member) -> Account:
    profile = member.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    name = _text(profile.get("display_name")) or _text(member.get("name")) or member["id"]
    email = _text(profile.get("email"))  # absent without users:read.email
    owner = member.get("is_owner") is True or member.get("is_primary_owner") is True
    admin = member.get("is_admin") is True
    guest = member.get("is_restricted") is True or member.get("is_ultra_restricted") is True
    real_name = _text(profile.get("real_name")) or _text(member.get("real_name"))
    attributes = {"real_name": real_name} if real_name else {}
    role = _role(member)
    if role:
        attributes["role"] = role
    has_2fa = member.get("has_2fa")
    return Account(
        id=member["id"],  # the display name and handle change; the member id does not
        name=name,
        email=email or None,
        privileges=("owner",) if owner else ("admin",) if admin else (),
        # Slack shows has_2fa only to an admin's token: for a bot it is usually unknown.
        mfa=has_2fa if isinstance(has_2fa, bool) else None,
        last_active=None,  # `updated` is the profile's last edit, not activity
        active=member.get("deleted") is not True,
        kind="guest" if guest else "member",
        attributes=attributes,
    )


def _role(member: Member) -> str:
    """The member's role as Slack's admin pages name it; "" for a plain member."""
    flags = [
        ("is_primary_owner", "Primary Owner"),
        ("is_owner", "Workspace Owner"),
        ("is_admin", "Workspace Admin"),
        ("is_ultra_restricted", "Single-Channel Guest"),
        ("is_restricted", "Multi-Channel Guest"),
    ]
    return next((label for flag, label in flags if member.get(flag) is True), "")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def describe(settings: Mapping[str, str]) -> str:
    return "Slack workspace"


SOURCE = SourceType(
    name="slack",
    system=SYSTEM,
    required=(),
    optional=("api_url",),
    # The bot's own token: users:read (members) and users:read.email (their emails), both
    # already in the app manifest (handlers/slack/manifest.py, BOT_SCOPES).
    credentials=(("SLACK_BOT_TOKEN",),),
    describe=describe,
    pull=pull,
)

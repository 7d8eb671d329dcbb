"""Teams user → person: the tenant gate, the linked identity, or member info on first contact."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from bot.chat.runtime import Runtime
from bot.core.actor import Actor, ChatAccount
from bot.core.errors import NotServed
from bot.core.settings import Settings
from bot.people.linking import refusal_for, resolve_chat_actor
from models import Platform

# Teams' userRole for people who are not full members of the tenant the chat lives in.
GUEST_ROLES = frozenset({"guest", "anonymous"})


def teams_user_id(context: TurnContext) -> str:
    """The stable id of the sender: the AAD object id when Teams gives it."""
    sender = context.activity.from_property
    return str(sender.aad_object_id or sender.id)


def activity_tenants(activity: Activity) -> set[str]:
    """Every tenant id the activity names (channelData.tenant.id, conversation.tenantId)."""
    found: set[str] = set()
    channel_data: Any = activity.channel_data
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        found.add(tenant["id"])
    conversation = activity.conversation
    extra = getattr(conversation, "additional_properties", None) or {}
    # botbuilder's schema reads `tenantID`; Teams sends `tenantId`, which lands in the extras.
    for value in (getattr(conversation, "tenant_id", None), extra.get("tenantId")):
        if isinstance(value, str):
            found.add(value)
    return {t.strip().lower() for t in found if t.strip()}


def tenant_served(settings: Settings, activity: Activity) -> bool:
    """The activity comes from a home tenant (spec §7); no tenant configured serves any."""
    allowed = settings.teams_tenants
    if not allowed:  # development only: settings refuse this in production
        return True
    named = activity_tenants(activity)
    # Both places must agree: an activity naming a home tenant and another one is refused.
    return bool(named) and named <= allowed


def refusal(settings: Settings, activity: Activity) -> NotServed | None:
    """The polite refusal for an activity from a foreign tenant; None when it is served."""
    if tenant_served(settings, activity):
        return None
    # The core gate words it, as for any other stranger.
    refused = refusal_for(_account(activity, email=None, home=False, guest=False))
    if refused is None:
        raise AssertionError("the core gate let a foreign tenant through")  # fail closed
    return refused


async def resolve_actor(runtime: Runtime, context: TurnContext) -> Actor:
    """The actor for the sender; links them by member email the first time they write."""

    async def account() -> ChatAccount:
        member = await TeamsInfo.get_member(context, context.activity.from_property.id)
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        role = str(getattr(member, "user_role", None) or "").strip().lower()
        return _account(
            context.activity,
            # A UPN without "@" is no email: the core then asks for one, as for none at all.
            email=email if email and "@" in email else None,
            home=tenant_served(runtime.settings, context.activity),
            guest=role in GUEST_ROLES,  # a guest is told so, not asked for an email it may lack
            name=member.name,
        )

    return await resolve_chat_actor(
        runtime.db,
        platform=Platform.TEAMS,
        external_id=teams_user_id(context),
        account=account,
        no_email="I could not read your email from Teams, so I cannot tell who you are.",
    )


def _account(
    activity: Activity, *, email: str | None, home: bool, guest: bool, name: str | None = None
) -> ChatAccount:
    sender = activity.from_property
    external_id = str(getattr(sender, "aad_object_id", None) or getattr(sender, "id", "") or "")
    return ChatAccount(
        platform=Platform.TEAMS,
        external_id=external_id,
        email=email,
        home=home,
        guest=guest,
        name=name,
        timezone=activity.local_timezone,
    )

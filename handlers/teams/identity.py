"""Teams user → person: the linked identity, or member info (email/UPN) on first contact."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.actor import Actor, ChatAccount
from bot.errors import InvalidInput
from bot.runtime import Runtime, in_thread
from bot.services.people import actor_for_chat_user, link_chat_identity
from models import Platform


def teams_user_id(context: TurnContext) -> str:
    """The stable id of the sender: the AAD object id when Teams gives it."""
    sender = context.activity.from_property
    return str(sender.aad_object_id or sender.id)


async def resolve_actor(runtime: Runtime, context: TurnContext) -> Actor:
    user_id = teams_user_id(context)
    actor = await in_thread(_linked, runtime, user_id)
    if actor is not None:
        return actor
    member = await TeamsInfo.get_member(context, context.activity.from_property.id)
    email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
    if not email or "@" not in email:
        raise InvalidInput("I could not read your email from Teams, so I cannot tell who you are.")
    timezone = context.activity.local_timezone
    return await in_thread(_link, runtime, user_id, email, member.name, timezone)


def _linked(runtime: Runtime, user_id: str) -> Actor | None:
    with runtime.db.session() as session:
        return actor_for_chat_user(session=session, platform=Platform.TEAMS, external_id=user_id)


def _link(
    runtime: Runtime, user_id: str, email: str, name: str | None, timezone: str | None
) -> Actor:
    with runtime.db.transaction() as session:
        account = ChatAccount(
            platform=Platform.TEAMS,
            external_id=user_id,
            email=email,
            home=True,  # TODO(issue 12): the tenant verdict
            name=name,
            timezone=timezone,
        )
        person = link_chat_identity(session=session, account=account)
        return Actor.for_person(person, platform=Platform.TEAMS, platform_id=user_id)

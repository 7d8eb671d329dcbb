"""`export` in Teams: answered where asked (nothing of the bundle), delivered in a personal chat.

Teams lets a bot hand over a file only through a consent card and the person's OneDrive, so
the delivery is the bundle's summary with a signed download link (when SOC2BOT_PUBLIC_URL and
SOC2BOT_SECRET_KEY are set) and its place on the server; Slack gets the file itself. Teams has
no ephemeral messages, so asked in a channel or group chat, the answer there says only that
the bundle is on its way, and the summary goes to the person's 1:1 chat with the bot.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.chat import commands as c
from bot.chat.conversations import stored_reference
from bot.chat.exports import ExportRequests, requests_on_this_loop, start_private_export
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.export.facts import BundleSummary
from bot.export.messages import export_started_view
from handlers.teams.errors import user_text
from handlers.teams.replies import card_activity

HERE = "here"
PERSONAL = "in our personal chat"
UNREACHABLE = (
    "I could not open a personal chat with you to send the evidence bundle. Open a chat "
    "with soc2bot (Apps, then soc2bot), then ask for the export again."
)


async def start_export(
    runtime: Runtime, context: TurnContext, actor: Actor, intent: c.Export
) -> None:
    """Refuse at once without the permission; else acknowledge and build in the background."""
    chat = TeamsPersonalChat(runtime, context)
    start_private_export(runtime, actor, intent, chat)
    where = HERE if chat.asked_in_personal_chat else PERSONAL
    started = export_started_view(intent.start, intent.end, where=where)
    await context.send_activity(started.text or "")


def export_requests(runtime: Runtime, context: TurnContext) -> ExportRequests:
    """Exports typed as text through dispatch (the More button): same private delivery."""
    chat = TeamsPersonalChat(runtime, context)

    def chat_for(actor: Actor) -> TeamsPersonalChat:
        if actor.platform_id != chat.user_key.removeprefix("teams:user:"):
            raise InvalidInput("Exports are sent in a personal chat: ask from your own account.")
        return chat

    return requests_on_this_loop(
        runtime, chat_for, HERE if chat.asked_in_personal_chat else PERSONAL
    )


class TeamsPersonalChat:
    """The 1:1 chat between the bot and the person who asked, whatever conversation they asked in.

    In that chat already: its reference. Elsewhere: the personal chat's stored reference (saved
    whenever the person writes to the bot), or a new 1:1 conversation created with them.
    """

    def __init__(
        self, runtime: Runtime, context: TurnContext, *, unreachable: str = UNREACHABLE
    ) -> None:
        activity = context.activity
        self.unreachable = unreachable  # said where asked, should the personal chat fail
        self.runtime, self.adapter = runtime, context.adapter
        self.app_id = runtime.settings.microsoft_app_id or ""
        sender = activity.from_property
        self.user_key = f"teams:user:{sender.aad_object_id or sender.id}"
        self.asked_in_personal_chat = (
            getattr(activity.conversation, "conversation_type", None) == "personal"
        )
        # Asked in the personal chat: that is where it goes. Elsewhere: the origin gets at most
        # one link-free note, should the personal chat be unreachable.
        here = TurnContext.get_conversation_reference(activity)
        personal = self.asked_in_personal_chat
        self._reference: ConversationReference | None = here if personal else None
        self._origin = None if personal else here
        tenant = _tenant(activity)
        self._new_chat = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=activity.recipient.id, name=activity.recipient.name),
            members=[ChannelAccount(id=sender.id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        self._service_url, self._channel_id = activity.service_url, activity.channel_id

    async def tell(self, message: Message) -> None:
        await self._send(MessageFactory.text(message.text or ""))

    async def failed(self, error: Exception) -> None:
        await self._send(MessageFactory.text(user_text(error)))

    async def hand_over(self, summary: BundleSummary, message: Message) -> None:
        await self._send(card_activity(message))

    async def show(self, message: Message) -> None:
        """The message as a card in the personal chat (a review's private page)."""
        await self._send(card_activity(message))

    async def _send(self, activity: Activity) -> None:
        async def post(turn: TurnContext) -> None:
            await turn.send_activity(activity)
            self._reference = TurnContext.get_conversation_reference(turn.activity)

        reference = self._reference or await in_thread(self._stored_reference)
        try:
            if reference is not None:
                await self.adapter.continue_conversation(reference, post, self.app_id)
            else:  # Teams answers 403 when the app is not installed for the person
                await self.adapter.create_conversation(
                    self.app_id, post, self._new_chat, self._channel_id, self._service_url
                )
        except Exception:
            await self._say_where_asked(self.unreachable)
            raise

    async def _say_where_asked(self, text: str) -> None:
        origin, self._origin = self._origin, None  # once

        async def say(turn: TurnContext) -> None:
            await turn.send_activity(text)

        if origin is not None:
            await self.adapter.continue_conversation(origin, say, self.app_id)

    def _stored_reference(self) -> ConversationReference | None:
        stored = stored_reference(self.runtime, self.user_key)
        return ConversationReference().deserialize(stored) if stored else None


def _tenant(activity: Activity) -> str | None:
    data: Any = activity.channel_data
    tenant = (data.get("tenant") or {}).get("id") if isinstance(data, dict) else None
    return str(tenant or getattr(activity.conversation, "tenant_id", None) or "") or None

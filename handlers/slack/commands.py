"""`/soc2 …`: acknowledge with the answer (fast, indexed queries) or open the right modal."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import actions
from bot.chat import commands as c
from bot.chat.front import answer_linked, ask_evidence, remember_task_card, task_card
from bot.chat.pulled import start_pulled_review
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.core.permissions import Action, is_allowed
from handlers.slack.background import FollowUps
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.exports import export_requests, start_export, started_text
from handlers.slack.identity import link_named, resolve_actor
from handlers.slack.modals import evidence_modal_for, review_start_modal
from handlers.slack.port import SlackChatPort
from models import Platform

MAX_BUTTON_VALUE = 2000
# Commands that talk to Slack (modals, mentions to link, uploads) besides answering.
_NEEDS_SLACK = (c.Evidence, c.Export, c.StartReview, c.Assign)


def more_value(text: str) -> Callable[[int], str] | None:
    """Previous and Next's value: the command and a page (None: no command, or too long)."""
    if not text.strip() or len(json.dumps({"t": text, "p": 999})) > MAX_BUTTON_VALUE:
        return None  # without its command, a page cannot be drawn again: show what fits
    return lambda page: json.dumps({"t": text, "p": page})


def answer(message: Message, *, text: str, page: int = 0) -> dict[str, Any]:
    """Slack response fields for a message (ephemeral unless the message is for the channel)."""
    return {
        "response_type": "ephemeral" if message.ephemeral else "in_channel",
        "text": render_text(message),
        "blocks": render_blocks(message, page=page, more_value=more_value(text)),
    }


async def run_text(deps: Runtime, actor: Actor, text: str) -> Message:
    """Parse and run a command as `actor` (database work off the event loop)."""
    exports = export_requests(deps)  # an export typed here is delivered in the caller's DM
    return await actions.run_text(deps, actor, text, exports=exports)


def register(app: AsyncApp, deps: Runtime, follow_ups: FollowUps) -> None:
    app.command("/soc2")(_on_soc2(deps, follow_ups))


def _on_soc2(deps: Runtime, follow_ups: FollowUps) -> Callable[..., Awaitable[None]]:
    async def on_soc2(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        text, user_id = command.get("text") or "", command["user_id"]
        intent = c.parse_command(text)
        if not isinstance(intent, _NEEDS_SLACK):
            # Nearly every command: a linked caller, answered in the ack from indexed queries
            # in one worker-thread trip. Exports never take this path (they are _NEEDS_SLACK).
            message = await answer_linked(
                deps, platform=Platform.SLACK, external_id=user_id, text=text
            )
            if message is None:
                # A caller seen for the first time (once per person): linking them asks Slack
                # (users.info) before the answer, because the answer is about who they are.
                message = await run_text(deps, await resolve_actor(deps, client, user_id), text)
            await ack(**answer(message, text=text))
            if any(i.data for i in message.images):
                pictures = message
                follow_ups.start([lambda: share_pictures(client, user_id, pictures)])
            return
        # Admin and modal commands. Slack is asked before the answer only for a caller or a
        # named person seen for the first time (users.info), as the answer depends on them.
        actor = await resolve_actor(deps, client, user_id)
        mentioned = intent.user.slack_id if isinstance(intent, c.Assign) else None
        if mentioned and is_allowed(actor, Action.ASSIGN_OWNER):
            await link_named(deps, client, mentioned)  # links them by email if new
        if isinstance(intent, c.Evidence):
            occurrence_id = intent.occurrence_id
            view = await evidence_view(deps, actor, occurrence_id, command)
            await ack()
            follow_ups.start(
                [
                    lambda: client.views_open(trigger_id=command["trigger_id"], view=view),
                    lambda: post_task_card(deps, client, user_id, occurrence_id),
                ],
                once=True,  # the card is a post: never twice
            )
        elif isinstance(intent, c.Export):
            start_export(deps, client, actor, intent, user_id)
            await ack(response_type="ephemeral", text=started_text(intent))
        elif isinstance(intent, c.StartReview) and (
            pulled := await start_pulled_review(deps, actor, intent)
        ):
            await ack(**answer(pulled, text=text))
        elif isinstance(intent, c.StartReview):
            channel = intent.channel.slack_id if intent.channel else command.get("channel_id")
            modal = review_start_modal(name=intent.name, channel_id=channel)
            await ack()
            follow_ups.start(
                [lambda: client.views_open(trigger_id=command["trigger_id"], view=modal)]
            )
        else:
            message = await run_text(deps, actor, text)
            await ack(**answer(message, text=text))

    return on_soc2


async def share_pictures(client: AsyncWebClient, user_id: str, message: Message) -> None:
    """Charts cannot ride in an ephemeral answer: they go to the person's DM with the bot."""
    pictures = tuple(i for i in message.images if i.data)
    if pictures:
        note = Message(text=f"The chart for “{message.title or 'your answer'}”.", images=pictures)
        await SlackChatPort(client).send(user_id, note)


async def evidence_view(
    deps: Runtime,
    actor: Actor,
    occurrence_id: int,
    where: dict[str, Any],
    message_ts: str | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """The evidence modal for an occurrence the actor may complete (refused otherwise)."""
    asked = await ask_evidence(deps, actor, occurrence_id)
    return evidence_modal_for(asked.subject, where.get("channel_id"), message_ts, response_url)


async def post_task_card(
    deps: Runtime, client: AsyncWebClient, channel: str, occurrence_id: int
) -> None:
    """DM a card for the occurrence and remember it, so files replied in its thread count."""
    card = await task_card(deps, occurrence_id)
    if card is None:
        return
    posted = await client.chat_postMessage(
        channel=channel, text=render_text(card), blocks=render_blocks(card)
    )
    where = (Platform.SLACK, str(posted["channel"]), str(posted["ts"]))
    await remember_task_card(deps, where, occurrence_id)

"""Events: files shared as evidence (in a task's thread or in a DM), mentions, App Home."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.inbound import first_delivery, occurrence_for_thread_file, occurrence_refs
from bot.chat.runtime import Runtime, in_thread
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.campaigns import certificate_target, store_certificates
from handlers.slack.commands import run_text
from handlers.slack.errors import user_text
from handlers.slack.files import attach_slack_file
from handlers.slack.home import publish_home
from handlers.slack.identity import resolve_actor
from handlers.slack.policies import policy_file_target, store_policy_file
from models import Platform

Handler = Callable[..., Awaitable[None]]
SLACK = Platform.SLACK.value
MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*")


def register(app: AsyncApp, deps: Runtime) -> None:
    app.event({"type": "message", "subtype": "file_share"})(
        ack=_ack_once(deps), lazy=[_on_file_share(deps)]
    )
    app.event("app_mention")(ack=_ack_once(deps), lazy=[_on_mention(deps)])
    app.event("app_home_opened")(_on_home(deps))
    app.event({"type": "message", "channel_type": "im", "subtype": None})(
        ack=_ack_once(deps), lazy=[_on_direct_message(deps)]
    )
    app.event("message")(_ignore)
    app.event("file_shared")(_ignore)


async def _ignore(ack: AsyncAck) -> None:
    await ack()


def _ack_once(deps: Runtime) -> Handler:
    """Acknowledge at once; a redelivered event (Slack retries) is dropped by its event id."""

    async def ack_once(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        event_id = str(body.get("event_id") or "")
        first = not event_id or await in_thread(
            first_delivery, deps, platform=SLACK, event_id=event_id
        )
        context["duplicate"] = not first
        await ack()

    return ack_once


def _on_file_share(deps: Runtime) -> Handler:
    async def on_file_share(
        body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        event = body["event"]
        if context.get("duplicate") or event.get("bot_id"):
            return
        reply = {"channel": event["channel"], "thread_ts": event.get("thread_ts") or event["ts"]}
        try:
            if (policy := await policy_file_target(deps, client, event)) is not None:
                message = await store_policy_file(deps, *policy, event.get("files") or [])
                await client.chat_postMessage(
                    **reply, text=render_text(message), blocks=render_blocks(message)
                )
                return
            if (certificate := await certificate_target(deps, client, event)) is not None:
                text = await store_certificates(deps, *certificate, event.get("files") or [])
                await client.chat_postMessage(**reply, text=text)
                return
            occurrence_id = await in_thread(
                occurrence_for_thread_file,
                deps,
                platform=SLACK,
                channel=event["channel"],
                thread=event.get("thread_ts"),
                text=event.get("text"),
                direct=event.get("channel_type") == "im",
            )
            if occurrence_id is None:
                await client.chat_postMessage(**reply, text=_which_one(event))
                return
            actor = await resolve_actor(deps, client, event["user"])
            lines = []
            for file in event.get("files") or []:
                ev = await attach_slack_file(deps, actor, occurrence_id, file, event.get("text"))
                lines.append(
                    f"Stored {ev.original_name} for #{occurrence_id}. SHA-256: `{ev.sha256}`"
                )
            text = "\n".join(lines)
        except Exception as exc:  # the funnel's wording, answered in the thread
            text = user_text(exc)
        await client.chat_postMessage(**reply, text=text)

    return on_file_share


def _which_one(event: dict[str, Any]) -> str:
    refs = occurrence_refs(event.get("text"))
    if len(refs) > 1:
        listed = ", ".join(f"#{r}" for r in refs)
        return f"You mentioned {listed}: which one is this file for? Send it again with just one."
    return (
        "Which task is this file for? Send it again with the task's number in the message "
        "(e.g. `#123` — `/soc2 mine` lists them), or reply in the thread of its reminder."
    )


def _on_mention(deps: Runtime) -> Handler:
    async def on_mention(
        body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        if context.get("duplicate"):
            return
        event = body["event"]
        text = MENTION.sub("", event.get("text") or "")
        try:
            actor = await resolve_actor(deps, client, event["user"])
            message = await run_text(deps, actor, text)
            await client.chat_postEphemeral(
                channel=event["channel"],
                user=event["user"],
                text=render_text(message),
                blocks=render_blocks(message),
            )
        except Exception as exc:
            await client.chat_postEphemeral(
                channel=event["channel"], user=event["user"], text=user_text(exc)
            )

    return on_mention


def _on_direct_message(deps: Runtime) -> Handler:
    """Text sent to the bot's DM is a command, as in Teams: `status`, `mine`…"""

    async def on_direct_message(
        body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        event = body["event"]
        if context.get("duplicate") or event.get("bot_id") or not event.get("user"):
            return
        try:
            actor = await resolve_actor(deps, client, event["user"])
            message = await run_text(deps, actor, event.get("text") or "")
            text, blocks = render_text(message), render_blocks(message)
        except Exception as exc:  # the funnel's wording, answered in the DM
            text, blocks = user_text(exc), []
        await client.chat_postMessage(channel=event["channel"], text=text, blocks=blocks or None)

    return on_direct_message


def _on_home(deps: Runtime) -> Handler:
    async def on_home(ack: AsyncAck, event: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            await publish_home(deps, client, event["user"])

    return on_home

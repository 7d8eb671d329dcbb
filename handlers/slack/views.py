"""Modal submissions: evidence files (stored after the modal closes) and starting a review."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.refs import parse_record_id
from bot.chat.runtime import Runtime
from bot.core.errors import InvalidInput
from handlers.slack.background import FollowUps
from handlers.slack.commands import answer, run_text
from handlers.slack.errors import user_text
from handlers.slack.files import attach_slack_file, precheck
from handlers.slack.identity import resolve_actor
from handlers.slack.modals import parse_view_values
from handlers.slack.reviews import post_review_prompt, start_from_modal

Handler = Callable[..., Awaitable[None]]


def register(app: AsyncApp, deps: Runtime, follow_ups: FollowUps) -> None:
    app.view("evidence_submit")(ack=_ack_evidence(deps), lazy=[_store_evidence(deps)])
    app.view("review_start_submit")(_on_review_start(deps, follow_ups))


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(body["view"].get("private_metadata") or "{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _ack_evidence(deps: Runtime) -> Handler:
    async def ack_evidence(ack: AsyncAck, body: dict[str, Any]) -> None:
        files = parse_view_values(body["view"]).get("files") or []
        if not files:
            raise InvalidInput("Attach at least one file.")
        for file in files:
            precheck(deps, file)  # size and type from Slack's metadata, before closing
        await ack()

    return ack_evidence


def _store_evidence(deps: Runtime) -> Handler:
    async def store_evidence(body: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        values = parse_view_values(body["view"])
        meta = _metadata(body)
        lines = []
        try:
            actor = await resolve_actor(deps, client, user_id)
            for file in values.get("files") or []:
                ev = await attach_slack_file(
                    deps, actor, parse_record_id(meta.get("occurrence")), file, values.get("note")
                )
                lines.append(f"• {ev.original_name}: SHA-256 `{ev.sha256}`")
            text = f"Evidence stored for #{meta['occurrence']}:\n" + "\n".join(lines)
            if meta.get("response_url"):
                message = await run_text(deps, actor, "mine")
                webhook = AsyncWebhookClient(meta["response_url"])
                await webhook.send(replace_original=True, **answer(message, text="mine"))
        except Exception as exc:  # reported to the person; the funnel formats and logs it
            text = "\n".join([*lines, user_text(exc)])
        await client.chat_postMessage(channel=user_id, text=text)

    return store_evidence


def _on_review_start(deps: Runtime, follow_ups: FollowUps) -> Handler:
    async def on_review_start(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        values = parse_view_values(body["view"])
        # The CSV's download (and a new reviewer's users.info) come before the answer: their
        # errors are shown under the modal's inputs, which only the answer can do.
        campaign_id, channel = await start_from_modal(deps, client, body["user"]["id"], values)
        await ack()
        prompt = [lambda: post_review_prompt(deps, client, campaign_id, channel)]
        follow_ups.start(prompt, once=True)  # a post: never twice

    return on_review_start

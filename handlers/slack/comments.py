"""A comment that goes with a decision ("Request changes"): the modal and its submission."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.actions import parse_press, press_button
from bot.chat.presses import CommentAsk
from bot.chat.runtime import Runtime
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from handlers.slack.background import FollowUps, Step
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.identity import resolve_actor
from handlers.slack.modals import modal, modal_input, parse_view_values, text_input

COMMENT_CALLBACK_ID = "comment_submit"
COMMENT_BLOCK = "comment_block"  # errors are shown under it
Handler = Callable[..., Awaitable[None]]


def comment_modal(ask: CommentAsk, channel: str | None, ts: str | None) -> dict[str, Any]:
    """The form; its metadata says what the answer is pressed as and which card it redraws."""
    comment = text_input("comment", multiline=True, min_length=3, max_length=2000)
    blocks = [modal_input(COMMENT_BLOCK, ask.label, comment)]
    meta = {"submit": ask.submit, "value": ask.value, "channel": channel, "ts": ts}
    view = modal(COMMENT_CALLBACK_ID, ask.title, blocks, meta)
    view["submit"] = {"type": "plain_text", "text": ask.button[:24]}
    return view


def register(app: AsyncApp, deps: Runtime, follow_ups: FollowUps) -> None:
    """The button that asks is in the core table (`bot.chat.buttons`); the answer comes here."""
    app.view(COMMENT_CALLBACK_ID)(_on_submit(deps, follow_ups))


def _on_submit(deps: Runtime, follow_ups: FollowUps) -> Handler:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            submit, value = str(meta["submit"]), str(meta.get("value") or "")
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("This form is out of date; press the button again.") from None
        comment = str(parse_view_values(view).get("comment") or "")
        user_id = body["user"]["id"]
        actor = await resolve_actor(deps, client, user_id)
        press = parse_press(submit, value=value, form={"comment": comment})
        outcome = await press_button(deps, actor, press)  # a refusal shows under the input
        await ack()  # closes the modal; the card and the confirmation follow Slack's answer
        steps: list[Step] = []
        channel, ts = meta.get("channel"), meta.get("ts")
        if outcome.card is not None and channel and ts:
            steps.append(_update(client, str(channel), str(ts), outcome.card))
        if outcome.reply is not None:
            text = render_text(outcome.reply)
            steps.append(lambda: client.chat_postMessage(channel=user_id, text=text))
        follow_ups.start(steps, once=True)  # posts: never twice

    return on_submit


def _update(client: AsyncWebClient, channel: str, ts: str, card: Message) -> Step:
    text, blocks = render_text(card), render_blocks(card)
    return lambda: client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

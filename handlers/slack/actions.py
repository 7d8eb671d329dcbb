"""Every button: one Bolt listener turns the click into a `Press` and renders the `Outcome`."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.chat.actions import parse_press, press_button, redrawn, writes
from bot.chat.buttons import BUTTONS
from bot.chat.presses import Ask, Outcome, Press, Redraw
from bot.chat.refs import STALE_BUTTON, parse_page
from bot.chat.reviews import page_of, review_prompt
from bot.core.errors import InvalidInput
from bot.core.paging import MORE_ACTION_ID
from handlers.slack.background import FollowUps, Step, one_redraw_at_a_time
from handlers.slack.blocks import render_text
from handlers.slack.clicks import Click, on_click
from handlers.slack.commands import answer
from handlers.slack.comments import comment_modal
from handlers.slack.exports import export_requests
from handlers.slack.home import publish_home
from handlers.slack.modals import evidence_modal_for
from handlers.slack.reviews import private_page, redraw_review, redraw_shared
from handlers.slack.snooze import snooze_modal


def register(app: AsyncApp, deps: Any, follow_ups: FollowUps) -> None:
    """One Bolt listener for every button of the core table.

    Bolt tries its listeners one by one, at a cost each (half of Bolt's dispatch of a click
    in a profile): one listener for all the buttons instead of one each saves most of it.
    A change is decided with the clicker looked up in its own transaction (one trip); a
    read is done after the acknowledgement.
    """
    change = on_click(deps, follow_ups, _decide, one_trip=True)
    read = on_click(deps, follow_ups, _decide)

    async def on_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any
    ) -> None:
        name = str(action["action_id"]).split(":", 1)[0].split("#", 1)[0]
        listener = change if BUTTONS[name].writes else read
        await listener(ack=ack, body=body, action=action, client=client, respond=respond)

    names = "|".join(re.escape(name) for name in BUTTONS)
    app.action(re.compile(rf"^(?:{names})(?::|#|$)"))(on_button)


def register_fallback(app: AsyncApp) -> None:
    """Last of all listeners: a click on a button no listener knows (an old message, a forged
    or mangled payload) is answered, not left to Bolt's 404 and Slack's error triangle."""
    app.action(re.compile(".*"))(_on_unknown_button)


async def _on_unknown_button(ack: AsyncAck) -> None:
    await ack()
    raise InvalidInput(STALE_BUTTON)


def _press(click: Click) -> Press:
    action = click.action
    value, page = str(action.get("value") or ""), None
    if str(action["action_id"]).startswith(MORE_ACTION_ID):
        try:  # the command to run again and its page, as Previous and Next carry them
            request = json.loads(value)
            value, page = str(request["t"]), parse_page(request["p"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(STALE_BUTTON) from None
    # Where it was pressed: a file awaited "here" (a policy's new document) comes in this chat.
    chat = str(click.container.get("channel_id") or "")
    return parse_press(action["action_id"], value=value, page=page, conversation=chat)


async def _decide(click: Click) -> list[Step]:
    """A change is committed here, before the ack; a read becomes a step after it."""
    press = _press(click)
    if writes(press):
        outcome = await press_button(click.deps, click.actor_in, press)
        return _shown(click, press, outcome)

    async def read() -> None:  # one step: a refusal is told, a timeout retries the read
        outcome = await press_button(click.deps, click.actor, press)
        for step in _shown(click, press, outcome):
            await step()

    return [read]


def _shown(click: Click, press: Press, outcome: Outcome) -> list[Step]:
    """The outcome as Slack calls: the carrying message first, then the private answer."""
    steps: list[Step] = []
    if outcome.card is not None:
        card = outcome.card
        steps.append(click.reply(replace_original=True, **answer(card, text="")))
    if outcome.redraw is not None:
        steps.append(_redraw(click, press, outcome))
    if outcome.reply is not None:
        said = render_text(outcome.reply)
        steps.append(click.reply(text=said, response_type="ephemeral", replace_original=False))
    if outcome.private_card is not None:
        steps.append(click.reply(**private_page(outcome.private_card, in_place=False)))
    if outcome.ask is Ask.EVIDENCE_FILE:
        steps.append(_open(click, _evidence_modal(click, outcome.subject)))
    if outcome.ask is Ask.SNOOZE:
        steps.append(_open(click, snooze_modal(outcome.ref)))
    if outcome.ask is Ask.COMMENT:
        steps.append(_open(click, _comment_modal(click, outcome.subject)))
    return steps


def _comment_modal(click: Click, ask: Any) -> dict[str, Any]:
    """The comment form; the card that carried the button is redrawn once it is answered."""
    container, ephemeral = click.container, click.container.get("is_ephemeral")
    ts = None if ephemeral else container.get("message_ts")
    return comment_modal(ask, container.get("channel_id"), ts)


def _evidence_modal(click: Click, item: Any) -> dict[str, Any]:
    """The "Attach evidence" modal; it says which message to redraw once the file is in."""
    container, ephemeral = click.container, click.container.get("is_ephemeral")
    return evidence_modal_for(
        item,
        container.get("channel_id"),
        None if ephemeral else container.get("message_ts"),
        click.body.get("response_url") if ephemeral else None,
    )


def _open(click: Click, view: dict[str, Any]) -> Step:
    trigger = click.body["trigger_id"]
    return lambda: click.client.views_open(trigger_id=trigger, view=view)


def _redraw(click: Click, press: Press, outcome: Outcome) -> Step:
    """Redraw what carried the button: the App Home tab, a review prompt, or the message."""
    deps, client = click.deps, click.client

    async def redraw() -> None:
        if outcome.redraw is Redraw.MINE and (click.body.get("view") or {}).get("type") == "home":
            async with one_redraw_at_a_time(f"home:{click.user_id}"):
                await publish_home(deps, client, click.user_id)
            return
        if outcome.redraw is Redraw.REVIEW:
            await _redraw_review(click, press, outcome)
            return
        async with one_redraw_at_a_time(click.message_key):
            exports = export_requests(deps)  # an export typed here is delivered in the DM
            message = await redrawn(deps, click.actor, outcome, exports=exports)
            shown = outcome.text or "mine"
            page = outcome.page or 0
            await click.reply(replace_original=True, **answer(message, text=shown, page=page))()

    return redraw


async def _redraw_review(click: Click, press: Press, outcome: Outcome) -> None:
    """The shared prompt in place, or the presser's private page: an ephemeral message, in
    place of the one that carried the button when it was one. A change made on a private page
    redraws the shared prompt too, wherever it was posted."""
    deps, client = click.deps, click.client
    if not outcome.private:
        channel, ts = click.container["channel_id"], click.container["message_ts"]
        async with one_redraw_at_a_time(click.message_key):
            await redraw_review(deps, client, outcome.ref, channel, ts)
        return
    page = await review_prompt(deps, outcome.ref, page_of(outcome), click.actor)
    in_place = outcome.on_private and bool(click.container.get("is_ephemeral"))
    await click.reply(**private_page(page, in_place=in_place))()
    if writes(press):
        await redraw_shared(deps, client, outcome.ref)

"""Button clicks: mark done, attach evidence, review decisions, paging, follow-ups."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.chat.refs import STALE_BUTTON, parse_page
from bot.chat.runtime import Runtime, in_thread
from bot.chat.views import evidence_recorded_view
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.evidence.services import complete_by_attestation
from bot.reviews.services import complete_follow_up, decide_review_item
from handlers.slack.background import FollowUps, Step, one_redraw_at_a_time
from handlers.slack.blocks import render_text
from handlers.slack.campaigns import on_certificate, on_press
from handlers.slack.clicks import Click, Decide, on_click
from handlers.slack.commands import answer, evidence_view, run_text
from handlers.slack.home import publish_home
from handlers.slack.reviews import page_review, redraw_review

Handler = Callable[..., Awaitable[None]]


def register(app: AsyncApp, deps: Runtime, follow_ups: FollowUps) -> None:
    """One Bolt listener for every button of ACTIONS, which picks the button's own listener.

    Bolt tries its listeners one by one, at a cost each (half of Bolt's dispatch of a click
    in a profile): one listener for all the buttons instead of one each saves most of it.
    """
    routes = [
        (re.compile(pattern), on_click(deps, follow_ups, decide, one_trip=decide in ONE_TRIP))
        for pattern, decide in ACTIONS.items()
    ]

    async def on_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any
    ) -> None:
        action_id = str(action["action_id"])
        listener = next(run for pattern, run in routes if pattern.match(action_id))
        await listener(ack=ack, body=body, action=action, client=client, respond=respond)

    app.action(re.compile("|".join(f"(?:{pattern})" for pattern in ACTIONS)))(on_button)


def register_fallback(app: AsyncApp) -> None:
    """Last of all listeners: a click on a button no listener knows (an old message, a forged
    or mangled payload) is answered, not left to Bolt's 404 and Slack's error triangle."""
    app.action(re.compile(".*"))(_on_unknown_button)


async def _on_unknown_button(ack: AsyncAck) -> None:
    await ack()
    raise InvalidInput(STALE_BUTTON)


async def _done(click: Click) -> list[Step]:
    occurrence_id = click.number()
    evidence = await in_thread(_attest, click, occurrence_id)
    message = evidence_recorded_view(evidence, occurrence_id, done=True)
    said = click.reply(text=render_text(message), response_type="ephemeral", replace_original=False)
    return [_redraw(click), said]


def _attest(click: Click, occurrence_id: int) -> Any:
    with click.deps.db.transaction() as session:  # the clicker is resolved in it (one trip)
        return complete_by_attestation(
            session=session,
            actor=click.actor_in(session),
            occurrence_id=occurrence_id,
            now=click.deps.clock(),
        )


def _redraw(click: Click) -> Step:
    """Redraw what carried the button: the App Home tab, or the message (a fresh `mine`)."""

    async def redraw() -> None:
        if (click.body.get("view") or {}).get("type") == "home":
            async with one_redraw_at_a_time(f"home:{click.user_id}"):
                await publish_home(click.deps, click.client, click.user_id)
            return
        async with one_redraw_at_a_time(click.message_key):
            message = await run_text(click.deps, click.actor, "mine")
            await click.reply(replace_original=True, **answer(message, text="mine"))()

    return redraw


async def _attach(click: Click) -> list[Step]:
    container = click.container
    where = {"trigger_id": click.body["trigger_id"], "channel_id": container.get("channel_id")}
    ephemeral = container.get("is_ephemeral")
    view = await evidence_view(
        click.deps,
        click.actor,
        click.number(),
        where,
        message_ts=None if ephemeral else container.get("message_ts"),
        response_url=click.body.get("response_url") if ephemeral else None,
    )
    return [lambda: click.client.views_open(trigger_id=where["trigger_id"], view=view)]


async def _review_decision(click: Click) -> list[Step]:
    decision = "keep" if click.action["action_id"].startswith("review_keep") else "revoke"
    outcome = await in_thread(_decide, click.deps, click.actor, click.number(), decision)
    channel, ts = click.container["channel_id"], click.container["message_ts"]
    campaign_id = outcome.campaign.id or 0

    async def redraw() -> None:
        async with one_redraw_at_a_time(click.message_key):
            await redraw_review(click.deps, click.client, campaign_id, channel, ts)

    return [redraw]


def _decide(deps: Runtime, actor: Actor, item_id: int, decision: str) -> Any:
    with deps.db.transaction() as session:
        return decide_review_item(
            session=session,
            actor=actor,
            item_id=item_id,
            decision=decision,  # type: ignore[arg-type]
            now=deps.clock(),
            store=deps.store,
        )


async def _review_page(click: Click) -> list[Step]:
    # A read: the whole turn of the page follows the ack (a refusal is told to the clicker).
    campaign_id, page = click.number(1), click.number(2)
    channel, ts = click.container["channel_id"], click.container["message_ts"]
    deps, client, actor = click.deps, click.client, click.actor
    return [lambda: page_review(deps, client, actor, campaign_id, channel, ts, page)]


async def _more(click: Click) -> list[Step]:
    try:
        request = json.loads(click.action.get("value") or "")
        text, page = str(request["t"]), parse_page(request["p"])
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(STALE_BUTTON) from None

    async def more() -> None:  # a read: run and drawn after the ack
        message = await run_text(click.deps, click.actor, text)
        await click.reply(replace_original=True, **answer(message, text=text, page=page))()

    return [more]


async def _follow_up_done(click: Click) -> list[Step]:
    await in_thread(_complete_follow_up, click.deps, click.actor, click.number())
    return [_redraw(click)]


def _complete_follow_up(deps: Runtime, actor: Actor, follow_up_id: int) -> None:
    with deps.db.transaction() as session:
        complete_follow_up(
            session=session, actor=actor, follow_up_id=follow_up_id, now=deps.clock()
        )


# Every action id the views produce, and the listener that handles it (a test checks both ways).
ACTIONS: dict[str, Decide] = {
    # Ids are at most 18 digits (they must fit a BIGINT); anything else is a mangled button
    # and goes to the fallback listener.
    r"^occ_done:\d{1,18}(#\d+)?$": _done,
    r"^occ_attach:\d{1,18}(#\d+)?$": _attach,
    r"^review_(keep|revoke):\d{1,18}(#\d+)?$": _review_decision,
    r"^review_page:\d{1,18}:\d{1,5}(#\d+)?$": _review_page,
    r"^page_more(#\d+)?$": _more,
    r"^fu_done:\d{1,18}(#\d+)?$": _follow_up_done,
    r"^camp_(ack|done):\d{1,18}(#\d+)?$": on_press,
    r"^camp_cert:\d{1,18}(#\d+)?$": on_certificate,
}
# The hot buttons: their decision resolves the clicker in its own transaction (one trip).
ONE_TRIP: set[Decide] = {_done, on_press}

"""Button clicks: mark done, attach evidence, review decisions, paging, follow-ups."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor
from bot.command_refs import STALE_BUTTON, parse_page
from bot.errors import InvalidInput
from bot.runtime import Runtime, in_thread
from bot.services.evidence import complete_by_attestation
from bot.services.reviews import complete_follow_up, decide_review_item
from bot.views import evidence_recorded_view
from handlers.slack.blocks import render_text
from handlers.slack.campaigns import on_certificate, on_press
from handlers.slack.commands import answer, open_evidence_modal, run_text
from handlers.slack.home import publish_home
from handlers.slack.identity import resolve_actor
from handlers.slack.reviews import page_review, redraw_review

Handler = Callable[..., Awaitable[None]]


def register(app: AsyncApp, deps: Runtime) -> None:
    for pattern, factory in ACTIONS.items():
        app.action(re.compile(pattern))(factory(deps))


def register_fallback(app: AsyncApp) -> None:
    """Last of all listeners: a click on a button no listener knows (an old message, a forged
    or mangled payload) is answered, not left to Bolt's 404 and Slack's error triangle."""
    app.action(re.compile(".*"))(_on_unknown_button)


async def _on_unknown_button(ack: AsyncAck) -> None:
    await ack()
    raise InvalidInput(STALE_BUTTON)


def _number(action: dict[str, Any], position: int = 1) -> int:
    return int(action["action_id"].split("#", 1)[0].split(":")[position])


async def _clicker(deps: Runtime, client: AsyncWebClient, body: dict[str, Any]) -> Actor:
    return await resolve_actor(deps, client, body["user"]["id"])


def _on_done(deps: Runtime) -> Handler:
    async def on_done(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        await ack()
        actor = await _clicker(deps, client, body)
        occurrence_id = _number(action)
        evidence = await in_thread(_attest, deps, actor, occurrence_id)
        await _refresh(deps, client, actor, body, respond)
        message = evidence_recorded_view(evidence, occurrence_id, done=True)
        await respond(text=render_text(message), response_type="ephemeral", replace_original=False)

    return on_done


def _attest(deps: Runtime, actor: Actor, occurrence_id: int) -> Any:
    with deps.db.transaction() as session:
        return complete_by_attestation(
            session=session, actor=actor, occurrence_id=occurrence_id, now=deps.clock()
        )


async def _refresh(
    deps: Runtime, client: AsyncWebClient, actor: Actor, body: dict[str, Any], respond: Any
) -> None:
    """Redraw what carried the button: the App Home tab, or the message (a fresh `mine`)."""
    if (body.get("view") or {}).get("type") == "home":
        await publish_home(deps, client, body["user"]["id"])
        return
    message = await run_text(deps, actor, "mine")
    await respond(replace_original=True, **answer(message, text="mine"))


def _on_attach(deps: Runtime) -> Handler:
    async def on_attach(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        actor = await _clicker(deps, client, body)
        container = body.get("container") or {}
        where = {"trigger_id": body["trigger_id"], "channel_id": container.get("channel_id")}
        ts = None if container.get("is_ephemeral") else container.get("message_ts")
        await open_evidence_modal(
            deps,
            client,
            actor,
            _number(action),
            where,
            message_ts=ts,
            response_url=body.get("response_url") if container.get("is_ephemeral") else None,
        )

    return on_attach


def _on_review_decision(deps: Runtime) -> Handler:
    async def on_decision(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        actor = await _clicker(deps, client, body)
        decision = "keep" if action["action_id"].startswith("review_keep") else "revoke"
        outcome = await in_thread(_decide, deps, actor, _number(action), decision)
        container = body.get("container") or {}
        await redraw_review(
            deps, client, outcome.campaign.id or 0, container["channel_id"], container["message_ts"]
        )

    return on_decision


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


def _on_review_page(deps: Runtime) -> Handler:
    async def on_page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        actor = await _clicker(deps, client, body)
        container = body.get("container") or {}
        campaign_id, page = _number(action, 1), _number(action, 2)
        channel, ts = container["channel_id"], container["message_ts"]
        await page_review(deps, client, actor, campaign_id, channel, ts, page)

    return on_page


def _on_more(deps: Runtime) -> Handler:
    async def on_more(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        await ack()
        try:
            request = json.loads(action.get("value") or "")
            text, page = str(request["t"]), parse_page(request["p"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput(STALE_BUTTON) from None
        actor = await _clicker(deps, client, body)
        message = await run_text(deps, actor, text)
        await respond(replace_original=True, **answer(message, text=text, page=page))

    return on_more


def _on_follow_up_done(deps: Runtime) -> Handler:
    async def on_follow_up(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        await ack()
        actor = await _clicker(deps, client, body)
        await in_thread(_follow_up_done, deps, actor, _number(action))
        await _refresh(deps, client, actor, body, respond)

    return on_follow_up


def _follow_up_done(deps: Runtime, actor: Actor, follow_up_id: int) -> None:
    with deps.db.transaction() as session:
        complete_follow_up(
            session=session, actor=actor, follow_up_id=follow_up_id, now=deps.clock()
        )


# Every action id the views produce, and the listener that handles it (a test checks both ways).
ACTIONS: dict[str, Callable[[Runtime], Handler]] = {
    # Ids are at most 18 digits (they must fit a BIGINT); anything else is a mangled button
    # and goes to the fallback listener.
    r"^occ_done:\d{1,18}(#\d+)?$": _on_done,
    r"^occ_attach:\d{1,18}(#\d+)?$": _on_attach,
    r"^review_(keep|revoke):\d{1,18}(#\d+)?$": _on_review_decision,
    r"^review_page:\d{1,18}:\d{1,5}(#\d+)?$": _on_review_page,
    r"^page_more(#\d+)?$": _on_more,
    r"^fu_done:\d{1,18}(#\d+)?$": _on_follow_up_done,
    r"^camp_(ack|done):\d{1,18}(#\d+)?$": on_press,
    r"^camp_cert:\d{1,18}(#\d+)?$": on_certificate,
}

"""Adaptive Card buttons (Action.Submit data): mark done, attach, reviews, paging, follow-ups."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.schema import ResourceResponse

from bot.chat.refs import STALE_BUTTON, parse_page, parse_record_id
from bot.chat.runtime import Runtime, in_thread
from bot.chat.views import evidence_recorded_view
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.evidence.services import complete_by_attestation
from bot.outbox.conversations import await_file
from bot.reviews.messages import review_prompt_view
from bot.reviews.services import complete_follow_up, decide_review_item, get_review_progress
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise
from handlers.teams.campaigns import ask_certificate, press
from handlers.teams.exports import export_requests
from handlers.teams.replies import card_activity, replace_card, run_text
from handlers.teams.reviews import REVIEW_START, page_review, start_review
from handlers.teams.snooze import SNOOZE_SUBMIT, ask_snooze, snooze

Handler = Callable[[Runtime, TurnContext, Actor, str, dict[str, Any]], Awaitable[None]]
Call = Callable[[], Awaitable[Any]]
log = logging.getLogger("soc2bot.teams")
# Per connector call after the turn; Teams answers in well under a second when healthy.
REPLY_TIMEOUT_SECONDS = 10.0
_RETRYABLE = (TimeoutError, aiohttp.ClientError, ConnectionError)
_REPLYING: set[asyncio.Task[None]] = set()  # referenced until done, so none is collected


async def handle_card_action(
    runtime: Runtime, context: TurnContext, actor: Actor, data: dict[str, Any]
) -> None:
    """Route a card button by its action id (`occ_done:12`…) to one service call.

    The turn ends once the change is committed: the card update and the replies it made are
    sent to Teams afterwards, so a slow connector never holds the turn (Teams re-sends an
    activity after 15 s). A refusal is still answered within the turn.
    """
    action_id = str(data.get("action_id") or "").split("#", 1)[0]
    kind, _, rest = action_id.partition(":")
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise InvalidInput(STALE_BUTTON)
    later = _Later(context)
    try:
        await handler(runtime, later, actor, rest, data)
    finally:
        later.start()


def replies_pending() -> int:
    """Card updates and replies not yet sent (for shutdown and tests)."""
    return len(_REPLYING)


class _Later:
    """The turn's context, except that replies and card updates are kept to be sent after it.

    No handler reads the id of what it sent, so a kept send answers with an empty one.
    """

    def __init__(self, context: TurnContext) -> None:
        self._context = context
        self._calls: list[Call] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    async def send_activity(self, *args: Any, **kwargs: Any) -> ResourceResponse:
        self._calls.append(lambda: self._context.send_activity(*args, **kwargs))
        return ResourceResponse(id="")

    async def update_activity(self, activity: Any) -> ResourceResponse:
        self._calls.append(lambda: self._context.update_activity(activity))
        return ResourceResponse(id=str(activity.id or ""))

    def start(self) -> None:
        if self._calls:
            task = asyncio.get_running_loop().create_task(_send_in_order(list(self._calls)))
            _REPLYING.add(task)
            task.add_done_callback(_REPLYING.discard)


async def _send_in_order(calls: list[Call]) -> None:
    """One after the other: the card is updated before its confirmation is said (and Teams
    allows a conversation about 7 sends a second); each call is tried twice at most."""
    for call in calls:
        for attempt in (1, 2):
            try:
                async with asyncio.timeout(REPLY_TIMEOUT_SECONDS):
                    await call()
                break
            except _RETRYABLE as exc:
                if attempt == 1:
                    continue
                log.warning("A Teams reply after a card button failed (%s)", type(exc).__name__)
            except Exception as exc:  # Teams refused it: the state is saved and shows next time
                log.warning("A Teams reply after a card button failed (%s)", type(exc).__name__)
                break


async def _replace_card(context: TurnContext, message: Message, **kw: Any) -> None:
    """Update the card that carried the button, in place."""
    await replace_card(context, card_activity(message, **kw))


async def _done(runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: Any) -> None:
    def attest() -> Any:
        with runtime.db.transaction() as session:
            return complete_by_attestation(
                session=session,
                actor=actor,
                occurrence_id=parse_record_id(ref),
                now=runtime.clock(),
            )

    evidence = await in_thread(attest)
    await _redraw_mine(runtime, context, actor)
    recorded = evidence_recorded_view(evidence, parse_record_id(ref), done=True)
    await context.send_activity(recorded.text or "")


async def _redraw_mine(runtime: Runtime, context: TurnContext, actor: Actor) -> None:
    await _replace_card(context, await run_text(runtime, actor, "mine"), text="mine")


async def _attach(runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: Any) -> None:
    def expect() -> None:
        with runtime.db.transaction() as session:
            occ = get_occurrence_or_raise(session=session, occurrence_id=parse_record_id(ref))
            check_can_complete(session, actor, occ, now=runtime.clock())
            await_file(
                session=session,
                conversation=str(context.activity.conversation.id),
                occurrence_id=parse_record_id(ref),
                person_id=actor.person_id or 0,
                now=runtime.clock(),
            )

    await in_thread(expect)
    await context.send_activity(
        f"Send the evidence file for #{ref} here in this chat (within 30 minutes); "
        "I will store it and answer with its SHA-256."
    )


async def _decide(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, data: dict[str, Any]
) -> None:
    decision = "keep" if str(data["action_id"]).startswith("review_keep") else "revoke"

    def decide() -> int:
        with runtime.db.transaction() as session:
            outcome = decide_review_item(
                session=session,
                actor=actor,
                item_id=parse_record_id(ref),
                decision=decision,  # type: ignore[arg-type]
                now=runtime.clock(),
                store=runtime.store,
            )
            return outcome.campaign.id or 0

    campaign_id = await in_thread(decide)
    await _redraw_review(runtime, context, campaign_id, parse_page(data.get("page")))


async def _redraw_review(
    runtime: Runtime, context: TurnContext, campaign_id: int, page: int
) -> None:
    def view() -> Message:
        with runtime.db.session() as session:
            progress = get_review_progress(session=session, campaign_id=campaign_id)
            return review_prompt_view(progress, page=page)

    await _replace_card(context, await in_thread(view))


async def _page(runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: Any) -> None:
    campaign, _sep, page = ref.partition(":")
    await page_review(runtime, context, actor, parse_record_id(campaign), parse_page(page))


async def _more(
    runtime: Runtime, context: TurnContext, actor: Actor, _: str, data: dict[str, Any]
) -> None:
    text, page = str(data.get("value") or ""), parse_page(data.get("page"))
    exports = export_requests(runtime, context)  # an export goes to a personal chat, not here
    answer = await run_text(runtime, actor, text, exports=exports)
    await _replace_card(context, answer, text=text, page=page)


async def _follow_up(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: Any
) -> None:
    def done() -> None:
        with runtime.db.transaction() as session:
            complete_follow_up(
                session=session, actor=actor, follow_up_id=parse_record_id(ref), now=runtime.clock()
            )

    await in_thread(done)
    await _redraw_mine(runtime, context, actor)


_HANDLERS: dict[str, Handler] = {
    "occ_done": _done,
    "occ_attach": _attach,
    "review_keep": _decide,
    "review_revoke": _decide,
    "review_page": _page,
    "page_more": _more,
    "fu_done": _follow_up,
    REVIEW_START: start_review,
    "occ_snooze": ask_snooze,
    SNOOZE_SUBMIT: snooze,
    "camp_ack": press,
    "camp_done": press,
    "camp_cert": ask_certificate,
}

"""Adaptive Card buttons and forms (Action.Submit data), run through the core button table."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import ResourceResponse

from bot.chat.actions import parse_press, press_button, redrawn, writes
from bot.chat.presses import Ask, Outcome, Press, Redraw
from bot.chat.refs import parse_page
from bot.chat.reviews import page_of, review_prompt
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from handlers.teams.attachments import card_attachment
from handlers.teams.comments import comment_card
from handlers.teams.exports import export_requests
from handlers.teams.replies import card_activity, replace_card
from handlers.teams.reviews import REVIEW_START, redraw_shared, show_privately, start_review
from handlers.teams.snooze import snooze_card

Call = Callable[[], Awaitable[Any]]
log = logging.getLogger("soc2bot.teams")
# Per connector call after the turn; Teams answers in well under a second when healthy.
REPLY_TIMEOUT_SECONDS = 10.0
_RETRYABLE = (TimeoutError, aiohttp.ClientError, ConnectionError)
_REPLYING: set[asyncio.Task[None]] = set()  # referenced until done, so none is collected


async def handle_card_action(
    runtime: Runtime, context: TurnContext, actor: Actor, data: dict[str, Any]
) -> None:
    """Run a card button or form through the core table (`bot.chat.buttons`), then show it.

    The turn ends once the change is committed: the card update and the replies it made are
    sent to Teams afterwards, so a slow connector never holds the turn (Teams re-sends an
    activity after 15 s). A refusal is still answered within the turn.
    """
    if str(data.get("action_id") or "").split(":", 1)[0] == REVIEW_START:
        later = _Later(context)
        try:
            await start_review(runtime, later, actor, "", data)
        finally:
            later.start()
        return
    press = _press(context, data)
    outcome = await press_button(runtime, actor, press)
    later = _Later(context)
    try:
        await _shown(runtime, later, actor, press, outcome)
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

    def defer(self, call: Call) -> None:
        """Run `call` after the turn, in order with the kept replies (given the turn's own
        context: what it sends is sent then, not kept again)."""
        self._calls.append(call)

    @property
    def turn(self) -> TurnContext:
        return self._context

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


async def _shown(
    runtime: Runtime, context: _Later, actor: Actor, press: Press, outcome: Outcome
) -> None:
    """The outcome as Teams sends: the card in place first, then the private answer."""
    if outcome.card is not None:
        await replace_card(context, card_activity(outcome.card))
    if outcome.redraw is Redraw.REVIEW:
        await _show_review(runtime, context, actor, press, outcome)
    elif outcome.redraw is not None:
        exports = export_requests(runtime, context)  # an export goes to a personal chat
        message = await redrawn(runtime, actor, outcome, page=press.page, exports=exports)
        if outcome.redraw is Redraw.COMMAND:  # a long answer, at the page asked for
            shown = card_activity(message, text=outcome.text, page=outcome.page or 0)
        else:
            shown = card_activity(message, text="mine" if outcome.redraw is Redraw.MINE else "")
        await replace_card(context, shown)
    if outcome.reply is not None:
        await context.send_activity(outcome.reply.text or "")
    if (private := outcome.private_card) is not None:
        context.defer(lambda: show_privately(runtime, context.turn, private))
    if outcome.ask is Ask.SNOOZE:
        await context.send_activity(
            MessageFactory.attachment(card_attachment(snooze_card(outcome.ref)))
        )
    if outcome.ask is Ask.COMMENT:
        form = card_attachment(comment_card(outcome.subject))
        await context.send_activity(MessageFactory.attachment(form))


def _press(context: TurnContext, data: dict[str, Any]) -> Press:
    """The card's submitted data as a `Press`: files for it are sent in this chat."""
    form = {
        "days": str(data.get("snooze_days") or ""),
        "reason": str(data.get("snooze_reason") or ""),
        "comment": str(data.get("comment") or ""),
    }
    return parse_press(
        data.get("action_id"),
        value=str(data.get("value") or ""),
        page=None if data.get("page") is None else parse_page(data.get("page")),
        form=form,
        conversation=str(context.activity.conversation.id),
        files_in_chat=True,
    )


async def _show_review(
    runtime: Runtime, later: _Later, actor: Actor, press: Press, outcome: Outcome
) -> None:
    """The shared prompt in place, or the presser's private page: in place of the private card
    that carried the button (in their personal chat), else sent there anew. A change made on
    a private page redraws the shared prompt too, wherever it was posted."""
    message = await review_prompt(runtime, outcome.ref, page_of(outcome), actor)
    personal = getattr(later.activity.conversation, "conversation_type", None) == "personal"
    if not outcome.private or (outcome.on_private and personal):
        await replace_card(later, card_activity(message))
    else:
        later.defer(lambda: show_privately(runtime, later.turn, message))
    if outcome.private and writes(press):
        later.defer(lambda: redraw_shared(runtime, later.turn, outcome.ref))

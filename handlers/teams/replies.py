"""Turn neutral messages into Teams activities, and run commands as a person."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from bot import commands as c
from bot.actor import Actor
from bot.dispatch import CommandContext, run_command
from bot.messages import Message
from bot.runtime import Runtime, in_thread
from handlers.teams.cards import card_attachment, fallback_text, render_card


def card_activity(message: Message, *, text: str = "", page: int = 0) -> Activity:
    """A message activity carrying the message as an Adaptive Card (with a More button)."""
    more = (lambda p: {"action_id": "page_more", "value": text, "page": p}) if text else None
    card = render_card(message, page=page, more_data=more)
    activity = MessageFactory.attachment(card_attachment(card))
    activity.summary = fallback_text(message)
    return activity


async def run_text(runtime: Runtime, actor: Actor, text: str) -> Message:
    """Parse and run a command as `actor` (database work off the event loop)."""
    return await run_intent(runtime, actor, c.parse_command(text))


async def run_intent(runtime: Runtime, actor: Actor, intent: c.Intent) -> Message:
    """Run a parsed command as `actor` (database work off the event loop)."""
    context = CommandContext(db=runtime.db, actor=actor, now=runtime.clock())
    return await in_thread(run_command, intent, context)

"""What a chat front end asks the core besides buttons: typed commands, task cards, evidence.

Adapters only turn a platform payload into plain values (who, what was typed, which
occurrence), call these and render the result; the sessions and the rules stay here.
"""

from __future__ import annotations

from bot.chat.actions import press_button
from bot.chat.commands import Intent, parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.exports import ExportRequests
from bot.chat.presses import Outcome, Press
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.outbox.inbound import remember_message
from bot.people.linking import linked_actor
from bot.work.items import get_work_item
from bot.work.messages import ATTACH_ACTION, task_card_view
from models import Platform


def answer_if_linked(
    runtime: Runtime, *, platform: Platform, external_id: str, text: str
) -> Message | None:
    """The answer to a command typed by an already linked user; None when not linked yet.

    Blocking: run it in one worker-thread trip (`answer_linked`), the fast path of nearly
    every typed command.
    """
    actor = linked_actor(runtime.db, platform=platform, external_id=external_id)
    if actor is None:
        return None
    # No `exports`: an export typed here is refused, so adapters send exports the long way.
    context = CommandContext(db=runtime.db, actor=actor, now=runtime.clock())
    return run_command(parse_command(text), context)


async def answer_linked(
    runtime: Runtime, *, platform: Platform, external_id: str, text: str
) -> Message | None:
    """`answer_if_linked` in one trip off the event loop."""
    return await in_thread(
        answer_if_linked, runtime, platform=platform, external_id=external_id, text=text
    )


async def run_intent(
    runtime: Runtime, actor: Actor, intent: Intent, *, exports: ExportRequests | None = None
) -> Message:
    """Run a parsed command as `actor`; an export needs `exports` (its private delivery)."""
    context = CommandContext(db=runtime.db, actor=actor, now=runtime.clock(), exports=exports)
    return await in_thread(run_command, intent, context)


async def ask_evidence(runtime: Runtime, actor: Actor, occurrence_id: int) -> Outcome:
    """`evidence N` typed: the "Attach evidence" button's press, so the same checks refuse it.

    Its outcome asks for the evidence dialog about the work item (`subject`).
    """
    return await press_button(runtime, actor, Press(ATTACH_ACTION, (occurrence_id,)))


def _task_card(runtime: Runtime, occurrence_id: int) -> Message | None:
    with runtime.db.session() as session:
        item = get_work_item(session=session, occurrence_id=occurrence_id, now=runtime.clock())
    return None if item is None else task_card_view(item)


async def task_card(runtime: Runtime, occurrence_id: int) -> Message | None:
    """The card of one occurrence (None when there is no such occurrence)."""
    return await in_thread(_task_card, runtime, occurrence_id)


def _remember_card(runtime: Runtime, where: tuple[Platform, str, str], occurrence_id: int) -> None:
    platform, channel, message_id = where
    with runtime.db.transaction() as session:
        remember_message(
            session=session,
            platform=platform.value,
            channel=channel,
            message_id=message_id,
            kind="task",
            occurrence_id=occurrence_id,
        )


async def remember_task_card(
    runtime: Runtime, where: tuple[Platform, str, str], occurrence_id: int
) -> None:
    """Remember the posted card at `where` (platform, channel, message id), so files
    replied in its thread count as the occurrence's evidence."""
    await in_thread(_remember_card, runtime, where, occurrence_id)

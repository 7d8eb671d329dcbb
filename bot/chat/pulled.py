"""`review start <task-id>` in chat: pull the task's source in the background, answer at once.

A pull may take minutes (10,000 accounts, a vendor's rate limits), so the command answers
as soon as the permission and the work are checked; the prompt reaches the review's channel
through the outbox when the pull is complete, and a failure reaches the control's owner and
the person who asked. Any other `review start <name>` is a CSV review (the form).
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import select

from bot.chat.commands import StartReview
from bot.chat.runtime import Runtime, in_thread
from bot.connectors.registry import describe_source
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.core.permissions import Action, require
from bot.core.settings import connector_env
from bot.outbox.queue import Outgoing, enqueue_message
from bot.reminders.recipients import load_addresses
from bot.reviews.source_messages import pull_failed_message
from bot.reviews.sources import PullOutcome, current_review_work, pull_and_start
from models import Control, Task

log = logging.getLogger(__name__)
_RUNNING: set[asyncio.Task[None]] = set()  # asyncio keeps only weak references to tasks


def _task_key(intent: StartReview) -> str | None:
    name = intent.name.strip()
    return name.lower() if name and " " not in name and intent.reviewer is None else None


def _check(runtime: Runtime, actor: Actor, key: str) -> tuple[int, str, str] | None:
    """The work to start, its source and channel; None when `key` is no task with a source."""
    with runtime.db.session() as session:
        task = session.exec(select(Task).where(Task.key == key)).first()
        if task is None or not (task.review or {}).get("source"):
            return None
        control = session.get(Control, task.control_id)
        owner = control.owner_id if control else None
        require(
            actor, Action.START_CAMPAIGN, related=owner is not None and owner == actor.person_id
        )
        occurrence_id = current_review_work(session=session, task_key=key, now=runtime.clock())
        review = task.review or {}
        source = describe_source(review.get("source") or {})
        return occurrence_id, source, str(review.get("channel") or "its channel")


async def start_pulled_review(
    runtime: Runtime, actor: Actor, intent: StartReview
) -> Message | None:
    """Start `review start <task-id>` in the background and say so; None for a CSV review."""
    key = _task_key(intent)
    if key is None:
        return None
    found = await in_thread(_check, runtime, actor, key)
    if found is None:
        return None
    occurrence_id, source, channel = found
    job = asyncio.create_task(_pull(runtime, actor, occurrence_id))
    _RUNNING.add(job)
    job.add_done_callback(_RUNNING.discard)
    return Message(
        title="Access review starting",
        text=(
            f"Pulling every account of {key} from {source}. The review prompt "
            f"appears in {channel} once all of them are in; if the pull fails, you hear why."
        ),
    )


async def _pull(runtime: Runtime, actor: Actor, occurrence_id: int) -> None:
    try:
        outcome = await in_thread(
            pull_and_start, db=runtime.db, store=runtime.store, env=connector_env(),
            now=runtime.clock(), occurrence_id=occurrence_id, actor=actor,
        )  # fmt: skip
    except Exception:  # e.g. started meanwhile by the ticker: logged, the ticker's prompt stands
        log.warning("Pulled review for work %s did not start", occurrence_id, exc_info=True)
        return
    if outcome.failure:
        await in_thread(_tell_requester, runtime, actor, outcome)


def _tell_requester(runtime: Runtime, actor: Actor, outcome: PullOutcome) -> None:
    """The owner was told by `report_pull_failure`; the person who asked hears it too."""
    if actor.person_id is None:
        return
    with runtime.db.transaction() as session:
        address = load_addresses(session=session, person_ids=[actor.person_id]).get(actor.person_id)
        if address is None:
            return
        message = pull_failed_message(
            outcome.task_key, "its source", outcome.failure or "", outcome.kind or ""
        )
        when = f"{runtime.clock():%Y%m%d%H%M}"  # once per attempt, however often it is asked
        key = f"review-pull-failed-asker:{outcome.occurrence_id}:{actor.person_id}:{when}"
        enqueue_message(
            session=session,
            outgoing=Outgoing(key, address.platform, address.recipient, message),
        )

"""A policy in the flow tests' world (rows as the catalog's sync makes them), its review open.

Used by the Slack and Teams policy flows: the owner is asked, sends a file, each approver
decides in turn by button, and the publication starts the acknowledgement round.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import col, select

from bot.outbox.queue import enqueue_messages
from bot.policies.notices import queue_policy_reviews
from bot.reminders.services import decide_due_reminders
from models import (
    Occurrence,
    OccurrenceStatus,
    PolicyApproval,
    PolicyVersion,
    utcnow,
)
from tests.bot.policies.policy_support import open_review_now, register_policy
from tests.handlers.campaign_world import World

KEY, TITLE = "access-control", "Access Control Policy"
PDF = b"%PDF-1.4\n% Access Control Policy 1.1\n"
REVISED = b"%PDF-1.4\n% Access Control Policy 1.1, revised: break-glass account named\n"


@dataclass(frozen=True)
class Registered:
    policy_id: int
    occurrence_id: int


def register(world: World, *, owner: str, approvers: list[str]) -> Registered:
    """Register the policy (Raj's or a Teams person's), its review open for ten more days."""
    ids = {e: world.person(e).id or 0 for e in [owner, *approvers]}
    with world.db.transaction() as session:
        policy = register_policy(session, owner=ids[owner], approvers=[ids[a] for a in approvers])
        occurrence = open_review_now(session, policy, utcnow())
        return Registered(policy.id or 0, occurrence.id or 0)


def ask_owner(world: World) -> int:
    """The scheduler's tick: the owner's review DM is queued, then delivered."""
    with world.db.transaction() as session:
        queued = queue_policy_reviews(session=session, now=utcnow())
    world.deliver()
    return queued


def remind_owner(world: World, occurrence_id: int) -> None:
    """The review's first reminder to its owner, decided by the real tick on the next days
    (at 13:00 UTC: within working hours in UTC and in Berlin), queued and delivered."""
    start = dt.datetime.combine(dt.date.today(), dt.time(13), tzinfo=dt.UTC)
    with world.db.transaction() as session:
        for day in range(1, 13):
            due = decide_due_reminders(session=session, now=start + dt.timedelta(days=day))
            mine = [
                m for m in due
                if (m.meta or {}).get("occurrence_id") == occurrence_id
                and (m.meta or {}).get("audience") == "assignee"
            ]  # fmt: skip
            if mine:
                enqueue_messages(session=session, messages=mine[:1])
                break
        else:
            raise AssertionError("no reminder of the review fell due")
    world.deliver()


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Lazy work (a shared file) runs after Slack's answer: wait for what it records."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def versions(world: World) -> list[PolicyVersion]:
    with world.db.session() as session:
        return list(session.exec(select(PolicyVersion).order_by(col(PolicyVersion.id))).all())


def approvals(world: World) -> list[PolicyApproval]:
    with world.db.session() as session:
        return list(session.exec(select(PolicyApproval).order_by(col(PolicyApproval.id))).all())


def review_status(world: World, occurrence_id: int) -> OccurrenceStatus:
    with world.db.session() as session:
        occurrence = session.get(Occurrence, occurrence_id)
        assert occurrence is not None
        return occurrence.status

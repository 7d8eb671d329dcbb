"""Gallery kinds of evidence over time (issue 17): expiry, and the auditor's sample.

Once, the first time a kind needs it, the admin gives some of the demo's current evidence an
expiry through the service (`set_evidence_expiry`): four pieces expire within 30 days and one
has expired. The reminder is the first the expiry scheduler decides from then on.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col

from bot.evidence.expiry import set_evidence_expiry
from bot.reminders.expiry import decide_expiry_reminders
from docs.gallery.world import ADMIN, Shown, World
from models import Evidence, Occurrence

# Days from today to each piece's last valid day: one has expired, four expire within 30 days.
EXPIRES_IN = (-3, 5, 12, 19, 26)
AUDITOR = "grace.whitfield"
# The default size for a monthly control; a seed of its own keeps the draw the same.
SAMPLE = "sample --control CC7.1-VULN --from 2025-03-01 --to 2026-02-28 --seed fy2025"


def expiring(world: World) -> list[int]:
    """The evidence given an expiry (once per world), then one more the admin may `expire`:
    each a task's current file, taken in the order it was recorded."""
    made = world.made.get("expiring")
    if isinstance(made, list):
        return made
    with world.db.transaction() as session:
        latest = (
            sa.select(sa.func.max(col(Evidence.id)))
            .join(Occurrence, col(Occurrence.id) == Evidence.occurrence_id)
            .group_by(col(Occurrence.task_id))
        )
        files = sa.select(col(Evidence.id)).where(
            col(Evidence.id).in_(latest), col(Evidence.original_name).is_not(None)
        )
        ids = sorted(session.execute(files).scalars())[: len(EXPIRES_IN) + 1]
        today = world.now.date()
        for evidence_id, days in zip(ids, EXPIRES_IN, strict=False):
            set_evidence_expiry(
                session=session, actor=world.actor(ADMIN), evidence_id=evidence_id,
                expires_on=today + dt.timedelta(days=days), now=world.now,
            )  # fmt: skip
    world.made["expiring"] = ids
    return ids


def status(world: World) -> Shown:
    """`status` once evidence expires: the "Evidence expiry" row."""
    expiring(world)
    return world.command("status", ADMIN)


def expire(world: World) -> Shown:
    """`expire <evidence> <day>`: an admin sets the last day a piece of evidence counts."""
    evidence_id = expiring(world)[-1]
    day = world.now.date() + dt.timedelta(days=200)
    return world.command(f"expire {evidence_id} {day.isoformat()}", ADMIN, writes=True)


def reminder(world: World) -> Shown:
    """The first expiry reminder the scheduler sends from now on, to whoever renews it."""
    expiring(world)
    for hour in range(30 * 24):
        when = world.now + dt.timedelta(hours=hour)
        with world.db.session() as session:
            queued = decide_expiry_reminders(session=session, now=when)
        for outgoing in sorted(queued, key=lambda o: o.key):
            if outgoing.kind == "reminder":
                return Shown(outgoing.message)
    raise AssertionError("no expiry reminder in 30 days")


def sample(world: World) -> Shown:
    """`sample --control … --from … --to …` as the auditor: drawn once, with a fixed seed."""
    return world.command(SAMPLE, AUDITOR, writes=True)

"""A small program whose evidence expires: New York time, a quarterly vendor-report task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.expiry import set_evidence_expiry
from bot.evidence.services import complete_by_attestation
from models import Occurrence, Role, Task
from tests.factories import generate, make_control, make_person, make_program, make_task

# Wednesday 20 May 2026, 10:00 in New York. Q1 was due Thu 15 Jan (its due time: the end of
# that day, 05:00 UTC on the 16th); Q2 was due Wed 15 Apr; Q3 starts 1 Jul.
NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
NY = "America/New_York"
TASK = "vendor-soc2"
OTHER = "pen-test"


@dataclass(frozen=True)
class World:
    db: Database
    ana: Actor  # admin
    raj: Actor  # owns both controls
    eve: Actor  # a member
    audrey: Actor  # auditor


def seed(db: Database, *, expires: str | None = None) -> World:
    """Two quarterly tasks owned by Raj; the vendor report's evidence expires after `expires`."""
    with db.transaction() as s:
        make_program(s, timezone=NY, window=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj Iyer", timezone=NY)
        eve = make_person(s, "eve@acme.test")
        audrey = make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        vendor = make_control(s, "CC9.2-VENDOR", owner=raj, criteria=("CC9.2",), title="Vendors")
        task = make_task(s, vendor, TASK, title="Vendor SOC 2 report")
        task.expires = expires
        pen = make_control(s, "CC4.1-PEN", owner=raj, criteria=("CC4.1",), title="Pen test")
        make_task(s, pen, OTHER, title="Penetration test report")
        generate(s, now=NOW, horizon_days=60)
        people = (ana, raj, eve, audrey)
        return World(db, *(Actor.for_person(p) for p in people))


def occurrence(db: Database, period: str, task: str = TASK) -> int:
    with db.session() as s:
        return (
            s.exec(
                select(Occurrence.id)
                .join(Task, col(Task.id) == Occurrence.task_id)
                .where(Task.key == task, Occurrence.period_key == period)
            ).one()
            or 0
        )


def attest(w: World, period: str, at: dt.datetime, task: str = TASK) -> int:
    """Raj confirms the period's work at `at`; the evidence's id."""
    with w.db.transaction() as s:
        ev = complete_by_attestation(
            session=s, actor=w.raj, occurrence_id=occurrence(w.db, period, task), now=at
        )
        return ev.id or 0


def expire(w: World, evidence_id: int, day: dt.date | None, at: dt.datetime = NOW) -> None:
    with w.db.transaction() as s:
        set_evidence_expiry(session=s, actor=w.ana, evidence_id=evidence_id, expires_on=day, now=at)

"""A small program on a real database for the friction tests (issue 15 §9), built without
the catalog loader: New York time, and "now" late evening there but already tomorrow in UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.messages import Message
from bot.core.plain import render_plain
from models import EvidenceRequirement, Occurrence, Role, Task
from tests.factories import generate, make_control, make_person, make_program, make_task

# Tue 19 May 2026, 22:30 in New York; Wed 20 May in UTC.
NOW = dt.datetime(2026, 5, 20, 2, 30, tzinfo=dt.UTC)
PROGRAM_DAY = "Tue 19 May 2026"
RED = "\x1b[31mred\x1b[0m"


@dataclass(frozen=True)
class World:
    db: Database
    ana: Actor  # admin
    raj: Actor  # owner of both controls

    def run(self, actor: Actor, text: str) -> Message:
        return run_command(parse_command(text), CommandContext(db=self.db, actor=actor, now=NOW))

    def ask(self, actor: Actor, text: str) -> str:
        return render_plain(self.run(actor, text))

    def occurrence(self, task_key: str, period_start: dt.date) -> int:
        with self.db.session() as s:
            occ = s.exec(
                select(Occurrence)
                .join(Task, Task.id == Occurrence.task_id)  # type: ignore[arg-type]
                .where(Task.key == task_key, Occurrence.period_start == period_start)
            ).one()
        return occ.id or 0


def build_world(db: Database) -> World:
    """Raj owns a file-only quarterly review and a weekly (Wednesday) backup check (either)."""
    with db.transaction() as s:
        make_program(s, timezone="America/New_York")
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        review = make_control(s, "CC6.1-AR", owner=raj)
        make_task(s, review, evidence=EvidenceRequirement.FILE)
        backup = make_control(s, "A1.2-BACKUP", owner=raj, title="Backup restore test")
        make_task(
            s, backup, "backup-check", schedule="RRULE:FREQ=WEEKLY;BYDAY=WE", due="6d",
            title="Check last night's backup",
        )  # fmt: skip
        make_control(s, "CC7_2", owner=raj, title="Patch 100% of hosts")
        make_control(s, "CC8.1-CM", owner=raj, title=f"Change management {RED}")
        generate(s, now=NOW)
        return World(db, Actor.for_person(ana), Actor.for_person(raj))

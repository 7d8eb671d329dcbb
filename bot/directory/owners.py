"""Work held by people who are no longer active: controls, tasks and pending occurrences."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.directory.facts import OwnedControl, OwnedTask, OwnedWork
from models import Control, Occurrence, OccurrenceStatus, Person, Task


def owned_work(*, session: Session, person_ids: Iterable[int]) -> list[OwnedWork]:
    """The live controls, tasks and pending occurrences these people hold (holders only)."""
    ids = sorted(set(person_ids))
    return _collect(session, col(Person.id).in_(ids)) if ids else []


def work_needing_new_owner(*, session: Session) -> list[OwnedWork]:
    """What inactive people still hold, by person email: for `status` and the admins."""
    return _collect(session, sa.not_(col(Person.active)))


def _collect(session: Session, who: Any) -> list[OwnedWork]:
    """Each query joins the holder's person row and filters it by `who`."""
    holders: dict[int, OwnedWork] = {}

    def holder(person_id: int | None, email: str, name: str) -> OwnedWork:
        key = person_id or 0
        if key not in holders:
            holders[key] = OwnedWork(person_id=key, email=email, name=name)
        return holders[key]

    live = col(Control.retired_at).is_(None)
    person = (col(Person.id), col(Person.email), col(Person.name))
    roles = ((Control.owner_id, "owner"), (Control.backup_owner_id, "backup owner"))
    for column, relation in roles:
        rows = session.execute(
            sa.select(*person, col(Control.key), col(Control.title))
            .join(Control, col(column) == Person.id)
            .where(live, who)
            .order_by(col(Control.key))
        ).all()
        for person_id, email, name, key, title in rows:
            holder(person_id, email, name).controls.append(OwnedControl(key, title, relation))
    tasks = session.execute(
        sa.select(*person, col(Task.key), col(Task.title), col(Control.key))
        .join(Task, col(Task.assignee_id) == Person.id)
        .join(Control, col(Control.id) == Task.control_id)
        .where(col(Task.retired_at).is_(None), live, who)
        .order_by(col(Task.key))
    ).all()
    for person_id, email, name, key, title, control_key in tasks:
        holder(person_id, email, name).tasks.append(OwnedTask(key, title, control_key))
    # From the (few) people matching `who` into ix_occurrence_assignee_status: joined the
    # other way round, SQLite walks every pending occurrence first.
    holders_of_work = sa.select(col(Person.id)).where(who)
    pending = session.execute(
        sa.select(*person, sa.func.count())
        .join(Occurrence, col(Occurrence.assignee_id) == Person.id)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(
            col(Occurrence.assignee_id).in_(holders_of_work),
            col(Occurrence.status) == OccurrenceStatus.PENDING,
            live,
            who,
        )
        .group_by(*person)
    ).all()
    for person_id, email, name, count in pending:
        holder(person_id, email, name).pending = int(count)
    for work in holders.values():
        work.controls.sort(key=lambda c: (c.key, c.relation))
    return sorted(holders.values(), key=lambda w: w.email)

"""Seed a fictional company, Northwind Analytics, with a year of realistic SOC 2 history.

The year is replayed in time order through the real services, each called with the moment
the demo says it happened: the audit trail reads like a year of use (see `bot.demo.clock`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

import yaml
from sqlmodel import col, select

from bot.campaigns.groups import audience_people
from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.core.program import get_program_or_raise, program_today
from bot.demo.clock import audit_clock
from bot.demo.company import ADMIN, PEOPLE, demo_catalog, email, program_start
from bot.demo.replay import HORIZON_DAYS, Replay
from bot.demo.rounds import plan_rounds
from bot.demo.timeline import DAY, Answer, Round, Step, Work, local, ticks, weekday_before
from bot.demo.work import WorkPlan, plan_work
from bot.evidence.store import EvidenceStore
from bot.work.occurrences import materialize_occurrences
from models import Control, Evidence, Occurrence, Person, Task

REFUSAL = (
    "This database already has a program with real data; demo data goes into a fresh "
    "database (set DATABASE_URL to a new file)."
)


@dataclass(frozen=True)
class DemoReport:
    """What `seed_demo` created. The first counts are of the work due before the seeding
    (completed includes late, so completed + skipped + overdue = occurrences); `done_ahead` is
    work done before it is due, `answers` are policy acknowledgements and training confirmed."""

    people: int
    controls: int
    occurrences: int
    completed: int
    late: int
    skipped: int
    overdue: int
    evidence_files: int
    done_ahead: int
    answers: int


def seed_demo(*, db: Database, store: EvidenceStore, now: dt.datetime, seed: int = 7) -> DemoReport:
    """Load Northwind Analytics and play a year of work, up to `now`, through the services."""
    _refuse_real_data(db)
    spec = validate_catalog_text(yaml.safe_dump(demo_catalog(now), sort_keys=False))
    # The compliance lead loaded the catalog the week before the program started.
    setup = local(weekday_before(program_start(now) - 3 * DAY), 10)
    with audit_clock(setup) as clock:
        apply_catalog(db, spec, actor=Actor.cli(), now=setup, horizon_days=HORIZON_DAYS)
        with db.session() as session:
            people = {p.id or 0: p for p in session.exec(select(Person)).all()}
            tasks = {t.id or 0: t for t in session.exec(select(Task)).all()}
            controls = len(session.exec(select(Control.id).where(col(Control.in_scope))).all())
            audience = audience_people(session=session, audience="all")
        admin = next(p for p in people.values() if p.email == email(ADMIN))
        works = _works_started_by(db, now, admin)
        rng = random.Random(seed)
        plan = plan_work(rng, works, tasks=tasks, people=people, admin=admin, now=now)
        rounds = plan_rounds(rng, start=program_start(now), now=now, audience=audience)
        steps: list[Step] = [*ticks(setup, now), *plan.steps(), *rounds]
        steps.sort(key=lambda step: step.at)  # stable: a tick goes first at the same instant
        replay = Replay(db, store, clock, people, tasks, admin, random.Random(seed + 1))
        replay.run(steps)
    return _report(plan, works, now, controls, replay.files, rounds)


def _works_started_by(db: Database, now: dt.datetime, admin: Person) -> list[Work]:
    """Every period that has started by `now`, in due order, as the scheduler will make them.

    Asked of the scheduler's own service, in a transaction rolled back at once: the replay
    creates them for real, ahead of their periods, as the scheduler would have.
    """
    with db.session() as session:
        materialize_occurrences(session=session, actor=Actor.scheduler(), now=now, horizon_days=0)
        today = program_today(get_program_or_raise(session=session), now)
        rows = session.exec(
            select(Occurrence)
            .where(Occurrence.period_start <= today)
            .order_by(col(Occurrence.due_at), col(Occurrence.task_id), col(Occurrence.period_key))
        ).all()
        works = [
            Work(o.task_id, o.period_key, o.period_start, o.due_at, o.assignee_id or admin.id or 0)
            for o in rows
        ]
        session.rollback()
    return works


def _refuse_real_data(db: Database) -> None:
    with db.session() as session:
        real = session.exec(select(Person.id).where(~col(Person.placeholder)).limit(1)).first()
        evidence = session.exec(select(Evidence.id).limit(1)).first()
    if real is not None or evidence is not None:
        raise Conflict(REFUSAL)


def _report(
    plan: WorkPlan,
    works: Sequence[Work],
    now: dt.datetime,
    controls: int,
    files: int,
    rounds: Sequence[Round | Answer],
) -> DemoReport:
    past = [w for w in works if w.due_at < now]
    done = [d for w in past if (d := plan.outcomes.get(w.key)) is not None]
    ahead = [d for w in works if w.due_at >= now and (d := plan.outcomes.get(w.key))]
    skipped = sum(1 for w in past if w.key in plan.skips)
    return DemoReport(
        people=len(PEOPLE), controls=controls, occurrences=len(past), completed=len(done),
        late=sum(1 for d in done if d.at > d.work.due_at), skipped=skipped,
        overdue=len(past) - len(done) - skipped, evidence_files=files, done_ahead=len(ahead),
        answers=sum(1 for step in rounds if isinstance(step, Answer)),
    )  # fmt: skip

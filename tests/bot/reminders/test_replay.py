"""One quarter replayed tick by tick: exactly which reminders go to whom, at what local time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.services import complete_by_attestation
from bot.reminders.services import queue_due_reminders, snooze_occurrence
from models import AuditEvent, ChatIdentity, Occurrence, OutboxMessage, Person, Platform, Role, Task
from tests.factories import generate, make_control, make_person, make_program, make_task

UTC = dt.UTC
START = dt.datetime(2026, 1, 1, tzinfo=UTC)
END = dt.datetime(2026, 4, 1, tzinfo=UTC)
TICK = dt.timedelta(minutes=30)
# The service is down from Monday 19 January until Wednesday 21 January, noon UTC.
OUTAGE = (dt.datetime(2026, 1, 19, tzinfo=UTC), dt.datetime(2026, 1, 21, 12, tzinfo=UTC))
PROGRAM_TZ = "America/New_York"
CHANGE_POLICY = {
    "before": ["2d", "0d"],
    "overdue_every": "3d",
    "escalate": [{"after": "2bd", "to": "backup_owner"}],
    "send_at": "10:00",
    "working_hours": {"start": "08:00", "end": "16:00"},
}
RECIPIENTS = {
    "UANA": ("ana", "America/New_York"),
    "URAJ": ("raj", "Asia/Kolkata"),
    "UMARK": ("mark", "Europe/Berlin"),
    "teams:user:aad-lena": ("lena", "Europe/Berlin"),
    "#soc2": ("#soc2", PROGRAM_TZ),
}

EXPECTED = [
    # (recipient, step, local send time); local = the recipient's own timezone.
    ("lena", "before-1d", "vuln-scan", "2026-01-05 Mon 09:30"),
    ("lena", "before-0d", "vuln-scan", "2026-01-06 Tue 09:30"),
    ("mark", "before-2d", "change-review", "2026-01-06 Tue 10:00"),
    ("raj", "before-7d", "access-review", "2026-01-08 Thu 09:30"),
    ("mark", "before-0d", "change-review", "2026-01-08 Thu 10:00"),
    ("raj", "before-1d", "access-review", "2026-01-14 Wed 09:30"),
    ("#soc2", "undeliverable", "policy-review", "2026-01-14 Wed 09:30"),  # sam: no chat account
    ("raj", "before-0d", "access-review", "2026-01-15 Thu 09:30"),
    # Outage: overdue-2bd (Mon 19) is never sent; Tuesday's escalation goes out Wednesday,
    # and Wednesday's overdue-4bd (missed in Kolkata) on Thursday: one each, no backlog.
    ("ana", "escalate-manager-3bd", "access-review", "2026-01-21 Wed 09:30"),
    ("raj", "overdue-4bd", "access-review", "2026-01-22 Thu 09:30"),
    ("raj", "overdue-6bd", "access-review", "2026-01-23 Fri 09:30"),
    ("mark", "before-7d", "monitoring-review", "2026-01-23 Fri 09:30"),
    ("#soc2", "escalate-compliance-7bd", "access-review", "2026-01-26 Mon 09:30"),
    ("ana", "escalate-manager-3bd", "policy-review", "2026-01-26 Mon 09:30"),
    ("raj", "overdue-8bd", "access-review", "2026-01-27 Tue 09:30"),
    # Raj completes on Wed 28 January: no overdue-10bd on Thursday.
    ("mark", "before-1d", "monitoring-review", "2026-01-29 Thu 09:30"),
    ("mark", "before-0d", "monitoring-review", "2026-01-30 Fri 09:30"),
    ("#soc2", "escalate-compliance-7bd", "policy-review", "2026-01-30 Fri 09:30"),
    ("lena", "before-1d", "vuln-scan", "2026-02-05 Thu 09:30"),
    ("lena", "before-0d", "vuln-scan", "2026-02-06 Fri 09:30"),
    # Due Sunday 8 February: 2d (Fri) and 0d (Sun) both land on Friday and collapse.
    ("mark", "before-0d", "change-review", "2026-02-06 Fri 10:00"),
    ("lena", "escalate-backup_owner-2bd", "change-review", "2026-02-10 Tue 10:00"),
    ("mark", "overdue-3d", "change-review", "2026-02-11 Wed 10:00"),
    ("mark", "overdue-6d", "change-review", "2026-02-16 Mon 10:00"),  # Sat 14 -> Mon
    # Mark snoozes for 5 days on Mon 16: overdue-9d (Tue 17), overdue-12d (Fri 20) skipped.
    ("mark", "before-7d", "monitoring-review", "2026-02-23 Mon 09:30"),
    ("mark", "overdue-15d", "change-review", "2026-02-23 Mon 10:00"),
    ("mark", "before-1d", "monitoring-review", "2026-02-27 Fri 09:30"),  # Sun 1 Mar -> Fri
    ("mark", "before-0d", "monitoring-review", "2026-03-02 Mon 09:30"),
    ("ana", "before-7d", "risk-assessment", "2026-03-05 Thu 09:30"),
    ("lena", "before-1d", "vuln-scan", "2026-03-05 Thu 09:30"),
    ("lena", "before-0d", "vuln-scan", "2026-03-06 Fri 09:30"),
    ("mark", "before-0d", "change-review", "2026-03-06 Fri 10:00"),
    ("ana", "before-1d", "risk-assessment", "2026-03-11 Wed 09:30"),  # New York: EDT now
    ("ana", "before-0d", "risk-assessment", "2026-03-12 Thu 09:30"),
    ("mark", "before-7d", "monitoring-review", "2026-03-23 Mon 09:30"),
    ("mark", "before-1d", "monitoring-review", "2026-03-27 Fri 09:30"),  # Sun 29 -> Fri
    ("mark", "before-0d", "monitoring-review", "2026-03-30 Mon 09:30"),  # Berlin: CEST now
]


@dataclass(frozen=True)
class Sent:
    recipient: str
    step: str
    task: str
    local: str
    utc: dt.datetime


def build_org(s: Session) -> None:
    """5 people in 3 timezones, managers set; 6 tasks; one with its own reminder policy."""
    make_program(s, timezone=PROGRAM_TZ)
    ana = make_person(s, "ana@acme.test", role=Role.ADMIN, timezone="America/New_York")
    mark = make_person(s, "mark@acme.test", manager=ana, timezone="Europe/Berlin")
    raj = make_person(s, "raj@acme.test", manager=ana, timezone="Asia/Kolkata")
    lena = make_person(s, "lena@acme.test", manager=mark, timezone="Europe/Berlin")
    sam = make_person(s, "sam@acme.test", manager=ana)  # no timezone, no chat account
    for person, platform, external in [
        (ana, "slack", "UANA"),
        (raj, "slack", "URAJ"),
        (mark, "slack", "UMARK"),
        (lena, "teams", "aad-lena"),
    ]:
        s.add(ChatIdentity(person_id=person.id or 0, platform=platform, external_id=external))
    make_task(s, make_control(s, "CC6.1-AR", owner=raj), "access-review", due="14d")
    make_task(s, make_control(s, "CC7.1-VS", owner=lena), "vuln-scan", schedule="monthly", due="5d")
    change = make_task(
        s,
        make_control(s, "CC8.1-CM", owner=mark, backup_owner_id=lena.id),
        "change-review",
        schedule="RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
        due="7d",
    )
    change.reminder_policy = CHANGE_POLICY
    make_task(s, make_control(s, "CC1.4-PR", owner=sam), "policy-review", due="20d")
    make_task(s, make_control(s, "CC3.2-RA", owner=ana), "risk-assessment", due="70d")
    make_task(
        s,
        make_control(s, "CC7.2-MR", owner=ana),
        "monitoring-review",
        schedule="RRULE:FREQ=MONTHLY;BYMONTHDAY=20",
        due="10d",
        assignee=mark,
    )
    generate(s, now=START, horizon_days=100)


def occurrence_id(s: Session, task: str, period_start: dt.date) -> int:
    query = (
        select(Occurrence.id)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .where(Task.key == task, Occurrence.period_start == period_start)
    )
    return s.exec(query).one() or 0


def complete(
    email: str, task: str, period_start: dt.date
) -> Callable[[Session, dt.datetime], None]:
    def act(s: Session, now: dt.datetime) -> None:
        person = s.exec(select(Person).where(Person.email == email)).one()
        occ = occurrence_id(s, task, period_start)
        complete_by_attestation(
            session=s, actor=Actor.for_person(person), occurrence_id=occ, now=now
        )

    return act


def snooze(s: Session, now: dt.datetime) -> None:
    mark = s.exec(select(Person).where(Person.email == "mark@acme.test")).one()
    actor = Actor.for_person(mark, platform=Platform.SLACK, platform_id="UMARK")
    occ = occurrence_id(s, "change-review", dt.date(2026, 2, 1))
    snooze_occurrence(
        session=s, actor=actor, occurrence_id=occ, days=5, reason="waiting for CAB", now=now
    )


def at(day: str, hour: int) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


ACTIONS: list[tuple[dt.datetime, Callable[[Session, dt.datetime], None]]] = [
    (at("2026-01-06", 12), complete("lena@acme.test", "vuln-scan", dt.date(2026, 1, 1))),
    (at("2026-01-08", 12), complete("mark@acme.test", "change-review", dt.date(2026, 1, 1))),
    (at("2026-01-28", 12), complete("raj@acme.test", "access-review", dt.date(2026, 1, 1))),
    (at("2026-01-30", 12), complete("mark@acme.test", "monitoring-review", dt.date(2026, 1, 20))),
    (at("2026-02-06", 12), complete("lena@acme.test", "vuln-scan", dt.date(2026, 2, 1))),
    (at("2026-02-16", 12), snooze),
    (at("2026-02-24", 12), complete("mark@acme.test", "change-review", dt.date(2026, 2, 1))),
    (at("2026-03-02", 12), complete("mark@acme.test", "monitoring-review", dt.date(2026, 2, 20))),
    (at("2026-03-06", 12), complete("lena@acme.test", "vuln-scan", dt.date(2026, 3, 1))),
    (at("2026-03-06", 12), complete("mark@acme.test", "change-review", dt.date(2026, 3, 1))),
    (at("2026-03-12", 18), complete("ana@acme.test", "risk-assessment", dt.date(2026, 1, 1))),
]


def replay(db: Database) -> list[Sent]:
    """Tick every 30 minutes through the quarter (not during the outage), as the scheduler would."""
    sent: list[Sent] = []
    last_id = 0
    pending = sorted(ACTIONS, key=lambda a: a[0])
    now = START
    while now < END:
        with db.transaction() as s:
            while pending and pending[0][0] <= now:
                pending.pop(0)[1](s, now)
            if not OUTAGE[0] <= now < OUTAGE[1] and queue_due_reminders(session=s, now=now):
                rows = s.exec(select(OutboxMessage).where(col(OutboxMessage.id) > last_id)).all()
                for row in sorted(rows, key=lambda r: r.id or 0):
                    sent.append(_sent(s, row, now))
                    last_id = max(last_id, row.id or 0)
        now += TICK
    return sent


def _sent(s: Session, row: OutboxMessage, now: dt.datetime) -> Sent:
    name, tz = RECIPIENTS[row.recipient]
    meta = row.payload["meta"]
    notice = row.idempotency_key.startswith("undeliverable:")
    step = "undeliverable" if notice else meta["step"]
    occurrence = meta["about_occurrence_id" if notice else "occurrence_id"]
    task = s.exec(
        select(Task.key)
        .join(Occurrence, col(Occurrence.task_id) == Task.id)
        .where(Occurrence.id == occurrence)
    ).one()
    local = now.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %a %H:%M")
    return Sent(name, step, task, local, now)


def test_a_quarter_of_reminders_goes_out_exactly_as_planned(db: Database) -> None:
    with db.transaction() as s:
        build_org(s)
    sent = replay(db)
    got = [(m.recipient, m.step, m.task, m.local) for m in sent]
    assert sorted(got, key=by_day) == sorted(EXPECTED, key=by_day)
    assert len(sent) == len(EXPECTED) == 37
    # Nothing on a Saturday or Sunday, anywhere, and only at the policies' send times.
    assert not [m for m in sent if m.local[11:14] in ("Sat", "Sun")]
    assert {m.local[-5:] for m in sent} == {"09:30", "10:00"}
    # New York moves to EDT on Sunday 8 March, Berlin to CEST on Sunday 29 March: the
    # UTC hour moves, the local send time does not.
    utc = {(m.recipient, m.task, m.local[:10]): f"{m.utc:%H:%M}" for m in sent}
    assert utc["ana", "risk-assessment", "2026-03-05"] == "14:30"
    assert utc["ana", "risk-assessment", "2026-03-11"] == "13:30"
    assert utc["mark", "monitoring-review", "2026-03-27"] == "08:30"
    assert utc["mark", "monitoring-review", "2026-03-30"] == "07:30"
    # Mark's snooze (which paused overdue-9d and overdue-12d) is in the audit trail.
    with db.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.snoozed")).one()
        snoozed = s.get_one(Occurrence, int(event.subject_id))
    assert (event.actor, event.actor_platform) == ("mark@acme.test", "slack")
    assert event.details == {
        "days": 5,
        "reason": "waiting for CAB",
        "until": "2026-02-20T23:00:00+00:00",  # the start of Saturday 21 February in Berlin
    }
    assert snoozed.snooze_reason == "waiting for CAB"


def by_day(row: tuple[str, str, str, str]) -> tuple[str, str, str]:
    return row[3], row[0], row[2]

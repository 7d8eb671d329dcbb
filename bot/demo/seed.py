"""Seed a fictional company, Northwind Analytics, with a year of realistic SOC 2 history."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import Session, col, select

from bot.catalog.bootstrap import apply_catalog, starter_catalog_text
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.evidence.services import attach_file_evidence, complete_by_attestation
from bot.evidence.store import EvidenceStore
from bot.work.occurrences import skip_occurrence
from models import Control, Evidence, EvidenceRequirement, Occurrence, Person, Task

DOMAIN = "northwind.example"
TIMEZONE = "America/New_York"
BATCH = 200
REFUSAL = (
    "This database already has a program with real data; demo data goes into a fresh "
    "database (set DATABASE_URL to a new file)."
)
# name, timezone, role, manager, the starter catalog's placeholder they stand in for
PEOPLE = [
    ("Elena Morales", "America/New_York", "leadership", None, "ceo"),
    ("David Okafor", "America/Los_Angeles", "leadership", "Elena Morales", None),
    ("Priya Raman", "America/New_York", "admin", "Elena Morales", "compliance-lead"),
    ("Tom Becker", "Europe/Berlin", "admin", "Priya Raman", "compliance-lead"),
    ("Grace Whitfield", "Europe/London", "auditor", None, None),
    ("Marcus Chen", "America/Los_Angeles", "member", "David Okafor", "security-lead"),
    ("Aisha Patel", "Asia/Kolkata", "member", "Marcus Chen", "security-lead"),
    ("Oliver Hughes", "Europe/London", "member", "David Okafor", "it-lead"),
    ("Sofia Rossi", "Europe/Berlin", "member", "Oliver Hughes", "it-lead"),
    ("Jonas Weber", "Europe/Berlin", "member", "David Okafor", "engineering-lead"),
    ("Hannah Kim", "America/Los_Angeles", "member", "Jonas Weber", "engineering-lead"),
    ("Rohan Mehta", "Asia/Kolkata", "member", "Jonas Weber", "engineering-lead"),
    ("Liam O'Connor", "Australia/Sydney", "member", "Jonas Weber", None),
    ("Meera Iyer", "Asia/Kolkata", "member", "Jonas Weber", None),
    ("Lucas Silva", "America/New_York", "member", "Jonas Weber", None),
    ("Chloe Martin", "America/New_York", "member", "Elena Morales", "people-ops"),
    ("Ben Carter", "Europe/London", "member", "Chloe Martin", "people-ops"),
    ("Nadia Haddad", "America/New_York", "member", "Elena Morales", "finance-lead"),
    ("Isabel Fischer", "Europe/Berlin", "member", "Priya Raman", "privacy-lead"),
    ("Ethan Brooks", "Australia/Sydney", "member", "David Okafor", None),
]
SKIP_REASONS = {  # task kind the exception fits: reason
    "access_review": "System decommissioned in March (legacy reporting cluster); no access left.",
    "vendor_review": "Vendor contract ended; the vendor was offboarded before this review.",
    "vulnerability_scan": "Covered by this quarter's penetration test, as agreed with the auditor.",
}
SYSTEMS = ["AWS", "GitHub", "Okta", "Google Workspace", "Snowflake", "Datadog", "Jira"]


@dataclass(frozen=True)
class DemoReport:
    """What `seed_demo` created; completed includes late, so completed+skipped+overdue = all."""

    people: int
    controls: int
    occurrences: int
    completed: int
    late: int
    skipped: int
    overdue: int
    evidence_files: int


def _email(name: str) -> str:
    return name.lower().replace("'", "").replace(" ", ".") + "@" + DOMAIN


def demo_catalog(now: dt.datetime) -> dict[str, Any]:
    """The starter catalog made Northwind's: real people, a window full of history."""
    data: dict[str, Any] = yaml.safe_load(starter_catalog_text())
    first_of_month = now.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    start = first_of_month.replace(year=first_of_month.year - 1)
    data["program"].update(
        name="Northwind Analytics SOC 2", timezone=TIMEZONE, start=start,
        window={"start": start, "end": first_of_month - dt.timedelta(days=1)},
        criteria=["security", "availability", "confidentiality"],
    )  # fmt: skip
    data["people"] = [
        {"email": _email(n), "name": n, "role": r, "timezone": tz}
        | ({"manager": _email(m)} if m else {})
        for n, tz, r, m, _ in PEOPLE
    ]
    stand_ins: dict[str, list[str]] = {}
    for name, *_, placeholder in PEOPLE:
        if placeholder:
            stand_ins.setdefault(f"{placeholder}@example.com", []).append(_email(name))
    teams = {_email(n): [_email(p[0]) for p in PEOPLE if p[3] == n] for n, *_ in PEOPLE}
    for i, control in enumerate(data["controls"]):
        owner = _pick(stand_ins, control["owner"], i)
        control["owner"] = owner
        if control.get("backup_owner"):
            backup = _pick(stand_ins, control["backup_owner"], i + 1)
            control["backup_owner"] = backup if backup != owner else _email("Priya Raman")
        for j, task in enumerate(control.get("tasks", [])):
            if task.get("assignee"):
                task["assignee"] = _pick(stand_ins, task["assignee"], i + j)
            elif teams[owner] and (i + j) % 3 == 0:
                task["assignee"] = teams[owner][(i + j) % len(teams[owner])]
    return data


def _pick(stand_ins: dict[str, list[str]], email: str, i: int) -> str:
    choices = stand_ins.get(email.lower(), [_email("Priya Raman")])
    return choices[i % len(choices)]


def seed_demo(*, db: Database, store: EvidenceStore, now: dt.datetime, seed: int = 7) -> DemoReport:
    """Load Northwind Analytics and play a year of work through the real services."""
    _refuse_real_data(db)
    spec = validate_catalog_text(yaml.safe_dump(demo_catalog(now), sort_keys=False))
    apply_catalog(db, spec, actor=Actor.cli(), now=now, horizon_days=120)
    rng = random.Random(seed)
    with db.session() as session:
        people = {p.id: p for p in session.exec(select(Person)).all()}
        controls = len(session.exec(select(Control.id).where(col(Control.in_scope))).all())
        tasks = {t.id: t for t in session.exec(select(Task)).all()}
        due = session.exec(select(Occurrence).where(Occurrence.due_at < now)).all()
        past = sorted(due, key=lambda o: (o.due_at, o.id or 0))
    admin = next(p for p in people.values() if p.email == _email("Priya Raman"))
    old = [o for o in past if o.due_at < now - dt.timedelta(days=60) and o.period_start.month > 3]
    skips: dict[int | None, str] = {}
    for kind, reason in SKIP_REASONS.items():
        fits = [o.id for o in old if tasks[o.task_id].kind == kind and o.id not in skips]
        skips[rng.choice(fits or [o.id for o in old if o.id not in skips])] = reason
    walk = _Walk(store, rng, now, people, tasks, Actor.for_person(admin), skips)
    counts = Counter[str]()
    for first in range(0, len(past), BATCH):
        with db.transaction() as session:
            for occ in past[first : first + BATCH]:
                counts.update(walk.play(session, occ))
    return DemoReport(
        people=len(PEOPLE), controls=controls, occurrences=len(past), completed=counts["done"],
        late=counts["late"], skipped=counts["skipped"], overdue=counts["overdue"],
        evidence_files=counts["file"],
    )  # fmt: skip


@dataclass
class _Walk:
    """Plays each past occurrence: skip it, leave it overdue, or complete it as its assignee."""

    store: EvidenceStore
    rng: random.Random
    now: dt.datetime
    people: dict[int | None, Person]
    tasks: dict[int | None, Task]
    admin: Actor
    skips: dict[int | None, str]

    def play(self, session: Session, occ: Occurrence) -> list[str]:
        assert occ.id is not None
        if occ.id in self.skips:
            reason = self.skips[occ.id]
            skip_occurrence(session=session, actor=self.admin, occurrence_id=occ.id, reason=reason)
            return ["skipped"]
        person = self.people[occ.assignee_id]
        when = _completion_time(self.rng, occ, self.now, person.timezone)
        if when is None:
            return ["overdue"]
        task, actor = self.tasks[occ.task_id], Actor.for_person(person)
        outcome = ["done", "late"] if when > occ.due_at else ["done"]
        if task.evidence is EvidenceRequirement.FILE or (
            task.evidence is EvidenceRequirement.ANY and self.rng.random() < 0.4
        ):
            name, media_type, body = _evidence_file(self.rng, task, occ, self.people)
            attach_file_evidence(
                session=session, store=self.store, actor=actor, occurrence_id=occ.id,
                stream=io.BytesIO(body), original_name=name, media_type=media_type, now=when,
            )  # fmt: skip
            return [*outcome, "file"]
        note = self.rng.choice([None, None, "No exceptions found.", "Checked with the team."])
        complete_by_attestation(
            session=session, actor=actor, occurrence_id=occ.id, now=when, note=note
        )
        return outcome


def _refuse_real_data(db: Database) -> None:
    with db.session() as session:
        real = session.exec(select(Person.id).where(~col(Person.placeholder)).limit(1)).first()
        evidence = session.exec(select(Evidence.id).limit(1)).first()
    if real is not None or evidence is not None:
        raise Conflict(REFUSAL)


def _completion_time(
    rng: random.Random, occ: Occurrence, now: dt.datetime, tz: str | None
) -> dt.datetime | None:
    """When the work was done: mostly a few days early, sometimes late, None if still open."""
    age = (now - occ.due_at).days
    if rng.random() < (0.35 if age < 16 else 0.1 if age < 45 else 0.003):
        return None
    opened = dt.datetime.combine(occ.period_start, dt.time(12), ZoneInfo(TIMEZONE))
    if rng.random() < 0.08:
        when = _working_hours(rng, occ.due_at + dt.timedelta(days=rng.uniform(1, 8)), tz)
        return when if when < now - dt.timedelta(hours=1) else None
    span = max((occ.due_at - opened).total_seconds() / 86400, 0.1)
    when = _working_hours(rng, occ.due_at - dt.timedelta(days=rng.uniform(0.3, min(6, span))), tz)
    return min(max(when, opened), occ.due_at - dt.timedelta(minutes=5)).replace(microsecond=0)


def _working_hours(rng: random.Random, moment: dt.datetime, tz: str | None) -> dt.datetime:
    local = moment.astimezone(ZoneInfo(tz or TIMEZONE)).replace(second=0, microsecond=0)
    return local.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59)).astimezone(dt.UTC)


def _evidence_file(
    rng: random.Random, task: Task, occ: Occurrence, people: dict[int | None, Person]
) -> tuple[str, str, bytes]:
    """A small, plausible evidence file for this kind of task: (name, media type, bytes)."""
    stem = f"{task.key}-{occ.period_key}"
    staff = sorted(people.values(), key=lambda p: p.email)
    if task.kind in ("access_review", "offboarding", "onboarding", "training", "policy_review"):
        rows = ["person,email,system,decision,date"]
        for p in rng.sample(staff, rng.randint(6, 12)):
            decision = "keep" if rng.random() < 0.9 else "revoke"
            rows.append(f"{p.name},{p.email},{rng.choice(SYSTEMS)},{decision},{occ.period_start}")
        return f"{stem}.csv", "text/csv", ("\n".join(rows) + "\n").encode()
    if task.kind in ("monitoring_review", "backup_test", "change_review"):
        body = {
            "task": task.key, "period": occ.period_key, "company": "Northwind Analytics",
            "checked": rng.randint(20, 400), "exceptions": rng.choice([0, 0, 0, 1, 2]),
            "systems": rng.sample(SYSTEMS, 3),
        }  # fmt: skip
        return f"{stem}.json", "application/json", json.dumps(body, indent=2).encode()
    high, medium = rng.choice([0, 0, 1]), rng.randint(0, 9)
    text = (
        f"Northwind Analytics - {task.title}\nPeriod: {occ.period_key}\n"
        f"Prepared from: {', '.join(rng.sample(SYSTEMS, 2))}\n"
        f"Findings: {high} high, {medium} medium; all tracked in Jira.\n"
        "Reviewed and approved; no unresolved critical issues.\n"
    )
    return f"{stem}.txt", "text/plain", text.encode()

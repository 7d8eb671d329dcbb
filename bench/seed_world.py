"""The benchmark seed's world: its scale and shared state, the people and the catalog."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalog.criteria import CRITERION_CATEGORY
from models import EvidenceRequirement, Role

FULL = 100_000
PROGRAM_TZ = "America/New_York"
DOMAIN = "bench.example"
TIMEZONES = (
    "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
    "Europe/Berlin", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney", "America/Sao_Paulo",
    "UTC",
)  # fmt: skip
FIRST = (
    "Ana", "Raj", "Eve", "Li", "Omar", "Mia", "Jon", "Ada", "Kai", "Noor",
    "Ben", "Ivy", "Leo", "Zoe", "Sam", "Uma", "Max", "Eli", "Ava", "Tom",
)  # fmt: skip
LAST = (
    "Ruiz", "Iyer", "Park", "Chen", "Haddad", "Rossi", "Weber",
    "Kim", "Silva", "Okafor", "Patel", "Hughes", "Martin", "Brooks",
)  # fmt: skip
TITLES = (
    "Production access review", "Backup restore check", "Vulnerability scan review",
    "Change approval sampling", "Vendor security review", "Log monitoring review",
    "Encryption key rotation", "Incident response drill", "Risk register update",
    "Security awareness follow-up", "Firewall rule review", "Endpoint compliance check",
)  # fmt: skip
SYSTEMS = ("AWS", "GitHub", "Okta", "Snowflake", "Datadog", "Jira", "Google Workspace")
# schedule, due offset, task kind, evidence; a task's slot in 50 picks its schedule.
CADENCES = (
    ("daily", "0d", "generic", EvidenceRequirement.ATTESTATION, 5),
    ("weekly", "2d", "vulnerability_scan", EvidenceRequirement.ANY, 10),
    ("monthly", "10d", "access_review", EvidenceRequirement.FILE, 17),
    ("quarterly", "14d", "vendor_review", EvidenceRequirement.ANY, 12),
    ("annual", "30d", "policy_review", EvidenceRequirement.FILE, 6),
)
SKIP_REASON = "System decommissioned; agreed with the auditor."
SNOOZE_REASON = "Waiting for the quarterly export from the vendor."


@dataclass(frozen=True)
class Scale:
    occurrences: int = FULL
    people: int = 2000
    controls: int = 150
    tasks_per_control: int = 4
    evidence: int = 50_000
    audit_events: int = 500_000
    horizon_days: int = 120
    years: int = 3

    @classmethod
    def for_occurrences(cls, n: int, **given: int | None) -> Scale:
        """The full program scaled to `n` occurrences; explicit counts win."""
        ratio = n / FULL
        derived = {
            "occurrences": n,
            "people": max(50, round(2000 * ratio)),
            "controls": max(10, round(150 * ratio)),
            "evidence": n // 2,
            "audit_events": n * 5,
        }
        derived.update({k: v for k, v in given.items() if v is not None})
        return cls(**derived)


@dataclass
class World:
    """What the generators share: the clock, the randomness and every row made so far."""

    scale: Scale
    now: dt.datetime
    rng: random.Random
    start: dt.date
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    emails: dict[int, str] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def event(
        self,
        at: dt.datetime,
        person: int | None,
        action: str,
        subject: tuple[str, Any],
        details: dict[str, Any],
    ) -> None:
        self.events.append((at, person, action, subject[0], str(subject[1]), details))

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(ZoneInfo(PROGRAM_TZ)).date()


def ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# --- people ----------------------------------------------------------------------------------


def manager_of(i: int) -> int | None:
    """A CEO (1), ten executives, a hundred managers, everyone else in their teams."""
    if i == 1:
        return None
    if i <= 11:
        return 1
    return 2 + i % 10 if i <= 111 else 12 + i % 100


def role_of(i: int) -> Role:
    if i <= 5:
        return Role.LEADERSHIP
    if i <= 8:
        return Role.ADMIN
    return Role.AUDITOR if i <= 10 else Role.MEMBER


def owners(p: World) -> list[int]:
    """Person ids that own controls (a seventh of the company, after the first ten)."""
    return list(range(11, 11 + max(5, p.scale.people // 7)))


def assignees(p: World) -> list[int]:
    first = 11 + max(5, p.scale.people // 7)
    return list(range(first, min(p.scale.people, first + max(5, p.scale.people // 4)) + 1))


def seed_people(p: World) -> None:
    busy = set(owners(p)) | set(assignees(p))
    created = ms(dt.datetime.combine(p.start, dt.time(12), dt.UTC))
    for i in range(1, p.scale.people + 1):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        email = f"{first.lower()}.{last.lower()}.{i}@{DOMAIN}"
        p.emails[i] = email
        active = i in busy or i <= 10 or i % 101 != 100
        p.add("person", {
            "id": i, "email": email, "name": f"{first} {last} {i}", "role": role_of(i),
            "manager_id": manager_of(i), "timezone": TIMEZONES[i % len(TIMEZONES)],
            "active": active, "placeholder": False, "department": f"Dept {i % 12}",
            "title": "Engineer", "directory_manager_id": None,
            "created_at": created, "updated_at": created,
        })  # fmt: skip
        if active:
            p.add("chatidentity", {
                "id": i, "person_id": i, "platform": "slack", "external_id": slack_id(i),
                "display_name": f"{first} {last}", "linked_at": created,
            })  # fmt: skip


def slack_id(person_id: int) -> str:
    return f"U{person_id:08d}"


# --- catalog ---------------------------------------------------------------------------------


def seed_catalog(p: World) -> list[dict[str, Any]]:
    """Program, controls with criteria and owners, tasks; the task rows."""
    window_start = (p.today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    p.add("program", {
        "id": 1, "name": "Bench Corp SOC 2", "timezone": PROGRAM_TZ,
        "criteria": ["security", "availability", "confidentiality"], "start_date": p.start,
        "window_start": window_start,
        "window_end": window_start.replace(year=window_start.year + 1) - dt.timedelta(days=1),
        "compliance_channel": "C0COMPLIANCE", "leadership_channel": "C0LEADERS",
        "reminder_policy": {}, "created_at": p.now, "updated_at": p.now,
    })  # fmt: skip
    criteria = [c for c, cat in CRITERION_CATEGORY.items() if cat != "privacy"]
    criteria = [c for c in criteria if c.startswith(("CC", "A1", "C1"))]
    owner_ids, doers = owners(p), assignees(p)
    at = ms(dt.datetime.combine(p.start, dt.time(9), dt.UTC))
    tasks: list[dict[str, Any]] = []
    slots = [i for i, cadence in enumerate(CADENCES) for _ in range(cadence[-1])]
    for n in range(1, p.scale.controls + 1):
        criterion = criteria[n % len(criteria)]
        key = f"{criterion}-{n:03d}"
        title = f"{TITLES[n % len(TITLES)]} ({SYSTEMS[n % len(SYSTEMS)]})"
        owner = owner_ids[n % len(owner_ids)]
        backup = owner_ids[(n * 7 + 3) % len(owner_ids)] if n % 2 == 0 else None
        p.add("control", {
            "id": n, "key": key, "title": title, "description": f"{title}, as the policy says.",
            "owner_id": owner, "backup_owner_id": backup if backup != owner else None,
            "in_scope": True, "retired_at": None, "created_at": at, "updated_at": at,
        })  # fmt: skip
        extra = {criteria[(n * 5 + k) % len(criteria)] for k in range(n % 3)}
        for c in sorted({criterion} | extra):
            p.add("controlcriterion", {"control_id": n, "criterion": c})
        p.event(at, None, "control.created", ("control", key), {"title": title, "owner": owner})
        for k in range(p.scale.tasks_per_control):
            tid = (n - 1) * p.scale.tasks_per_control + k + 1
            schedule, due, kind, evidence, _ = CADENCES[slots[(tid * 17) % len(slots)]]
            task = {
                "id": tid, "key": f"{key.lower()}-t{k + 1}", "control_id": n,
                "title": f"{title}: {schedule} check {k + 1}", "kind": kind,
                "schedule": schedule, "due_offset": due, "evidence": evidence,
                "assignee_id": doers[tid % len(doers)] if tid % 3 == 0 else None,
                "instructions": None, "reminder_policy": None, "planned_from": None,
                "retired_at": None, "created_at": at, "updated_at": at,
            }  # fmt: skip
            tasks.append(task)
            p.event(at, None, "task.created", ("task", task["key"]), {"schedule": schedule})
    return tasks

"""Benchmark seed: a large, realistic SOC 2 program, written fast with bulk Core inserts.

    .venv/bin/python bench/seed.py --db sqlite                          # 100k occurrences
    .venv/bin/python bench/seed.py --db postgres --occurrences 10000    # a 10k variant

Full scale (the default) is 2,000 people (managers, timezones, Slack ids linked), 150
controls, 600 tasks, 100,000 occurrences over 3 years plus the 120-day horizon, 50,000
evidence records (their files, small stand-ins, in data/bench/<name>-<db>-evidence),
~26,000 campaign items and 500,000 audit events. `--occurrences N`
scales everything with N (at least 50 people and 10 controls); each count can be set.

The data follows the product's rules, so the service runs on it as on a real database:
periods, keys and due instants come from `bot.core.recurrence` (a task whose older periods were
trimmed to reach N gets `planned_from`, so `serve` generates nothing new); every done
occurrence of the newest ones has accepted evidence (older history, from before the bot,
is done without a record); audit events are hash-chained with `bot.audit.chain`'s rules,
so `soc2bot audit verify` passes. The database is dropped and created first (databases
named `bench_…` only); PostgreSQL is analysed afterwards as autovacuum would, SQLite is not
(the service never runs ANALYZE there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.audit.chain import GENESIS_HASH, event_hash  # noqa: E402
from bot.audit.trail import format_time  # noqa: E402
from bot.catalog.criteria import CRITERION_CATEGORY  # noqa: E402
from bot.core.db import Database  # noqa: E402
from bot.core.recurrence import Period, parse_duration, parse_schedule, periods  # noqa: E402
from bot.evidence.store import content_key  # noqa: E402
from models import (  # noqa: E402
    AuditChainHead,
    AuditEvent,
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    ChatIdentity,
    Control,
    ControlCriterion,
    Evidence,
    EvidenceKind,
    EvidenceRequirement,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Platform,
    Program,
    Role,
    Task,
)

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
BATCH = 5000


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


# --- occurrences and evidence ----------------------------------------------------------------


def plan_periods(p: World, tasks: list[dict[str, Any]]) -> list[list[Period]]:
    """Each task's periods from program start to the horizon, trimmed to N in total.

    Every task keeps its newest periods (at least one); the trimmed ones' tasks start later
    (`planned_from`), so `materialize_occurrences` finds nothing missing.
    """
    end = p.today + dt.timedelta(days=p.scale.horizon_days)
    tz = ZoneInfo(PROGRAM_TZ)
    every = [
        periods(parse_schedule(t["schedule"]), due=parse_duration(t["due_offset"]), tz=tz,
                anchor=p.start, start=p.start, end=end)
        for t in tasks
    ]  # fmt: skip
    wanted = p.scale.occurrences
    available = sum(len(x) for x in every)
    if available < wanted:
        raise SystemExit(f"{len(tasks)} tasks give only {available} occurrences; add controls")
    lo, hi = 0.0, 1.0
    for _ in range(60):  # the share of each task's history kept, by bisection
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _kept(every, mid) < wanted else (lo, mid)
    keep = [max(1, min(len(x), round(len(x) * hi))) for x in every]
    surplus = sum(keep) - wanted
    for i in sorted(range(len(keep)), key=lambda i: -keep[i]):  # even out rounding
        if surplus == 0:
            break
        step = 1 if surplus > 0 else -1
        if 1 <= keep[i] - step <= len(every[i]):
            keep[i] -= step
            surplus -= step
    kept = [x[len(x) - k :] for x, k in zip(every, keep, strict=True)]
    for task, mine, whole in zip(tasks, kept, every, strict=True):
        if len(mine) < len(whole):
            task["planned_from"] = mine[0].start
    return kept


def _kept(every: list[list[Period]], share: float) -> int:
    return sum(max(1, min(len(x), round(len(x) * share))) for x in every)


def seed_occurrences(p: World, tasks: list[dict[str, Any]], controls: dict[int, Any]) -> None:
    done: list[dict[str, Any]] = []
    oid = 0
    for task, mine in zip(tasks, plan_periods(p, tasks), strict=True):
        control = controls[task["control_id"]]
        assignee = task["assignee_id"] or control["owner_id"]
        for period in mine:
            oid += 1
            row = occurrence_row(p, oid, task, assignee, period)
            p.add("occurrence", row)
            if row["status"] is OccurrenceStatus.DONE:
                done.append(row)
            elif row["status"] is OccurrenceStatus.SKIPPED:
                p.event(ms(row["due_at"] - dt.timedelta(days=3)), 7, "occurrence.skipped",
                        ("occurrence", oid), {"reason": SKIP_REASON})  # fmt: skip
    seed_evidence(p, done, {t["id"]: t for t in tasks})


def occurrence_row(
    p: World, oid: int, task: dict[str, Any], assignee: int, period: Period
) -> dict[str, Any]:
    """Realistic states: most past work done (a tenth late), some overdue, a few skipped."""
    rng, now = p.rng, p.now
    status, completed_at, skip_reason = OccurrenceStatus.PENDING, None, None
    age = (now - period.due_at).total_seconds() / 86400
    started = dt.datetime.combine(period.start, dt.time(14), dt.UTC)
    if age > 0:
        overdue = 0.08 if age <= 30 else 0.03 if age <= 120 else 0.002
        roll = rng.random()
        if roll < 0.004:
            status, skip_reason = OccurrenceStatus.SKIPPED, SKIP_REASON
        elif roll > overdue + 0.004:
            status = OccurrenceStatus.DONE
            late = rng.random() < 0.1
            delta = dt.timedelta(hours=rng.uniform(2, 200 if late else 0))
            completed_at = period.due_at + delta if late else _before(rng, started, period.due_at)
            completed_at = ms(min(completed_at, now - dt.timedelta(minutes=5)))
    elif started <= now and rng.random() < 0.15:  # open work someone finished early
        status, completed_at = OccurrenceStatus.DONE, ms(_before(rng, started, now))
    return {
        "id": oid, "task_id": task["id"], "control_id": task["control_id"],
        "assignee_id": assignee, "period_key": period.key, "period_start": period.start,
        "period_end": period.end, "due_on": period.due_on, "due_at": period.due_at,
        "status": status, "completed_at": completed_at, "proven": False,
        "completed_by_id": assignee if completed_at else None, "skip_reason": skip_reason,
        "snoozed_until": None, "snooze_reason": None,
        "created_at": ms(dt.datetime.combine(period.start, dt.time(5), dt.UTC)),
    }  # fmt: skip


def _before(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    span = max(0.0, (end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.uniform(0, span))


def seed_evidence(p: World, done: list[dict[str, Any]], tasks: dict[int, Any]) -> None:
    """Evidence for the newest done work (a few superseded and replaced); audit events."""
    done.sort(key=lambda r: r["completed_at"], reverse=True)
    budget, eid = p.scale.evidence, 0
    for n, occ in enumerate(done):
        task = tasks[occ["task_id"]]
        who = occ["completed_by_id"]
        at = occ["completed_at"]
        if budget <= 0:  # history from before the bot: done, no record
            on_time = {"on_time": at <= occ["due_at"]}  # as the service logs it: bundles check
            p.event(at, who, "occurrence.completed", ("occurrence", occ["id"]), on_time)
            continue
        replaced = budget >= 2 and n % 250 == 7
        for attempt in range(2 if replaced else 1):
            eid += 1
            budget -= 1
            row = evidence_row(p, eid, occ, task, at + dt.timedelta(minutes=attempt))
            if replaced and attempt == 0:
                row.update(superseded_at=at + dt.timedelta(seconds=30), superseded_by_id=7,
                           supersede_reason="Wrong quarter's export attached")  # fmt: skip
            p.add("evidence", row)
            occ["proven"] = occ["proven"] or row.get("superseded_at") is None
            details = {"occurrence": occ["id"], "kind": row["kind"].value}
            details |= {k: row[k] for k in ("sha256", "original_name", "size") if row[k]}
            p.event(row["submitted_at"], who, "evidence.submitted", ("occurrence", occ["id"]),
                    details)  # fmt: skip
            if replaced and attempt == 0:
                p.event(row["superseded_at"], 7, "evidence.superseded", ("evidence", eid),
                        {"reason": row["supersede_reason"], "occurrence": occ["id"]})  # fmt: skip
        on_time = at <= occ["due_at"]
        p.event(at, who, "occurrence.completed", ("occurrence", occ["id"]), {"on_time": on_time})


def evidence_row(
    p: World, eid: int, occ: dict[str, Any], task: dict[str, Any], at: dt.datetime
) -> dict[str, Any]:
    wants = task["evidence"]
    is_file = wants is EvidenceRequirement.FILE or (
        wants is EvidenceRequirement.ANY and eid % 2 == 0
    )
    content = evidence_content(eid) if is_file else b""
    sha = hashlib.sha256(content).hexdigest() if is_file else None
    # Slack, as the evidence event's actor (a bundle's verifier checks that they agree).
    return {
        "id": eid, "occurrence_id": occ["id"], "campaign_item_id": None, "campaign_id": None,
        "kind": EvidenceKind.FILE if is_file else EvidenceKind.ATTESTATION,
        "statement": None if is_file else f"I confirm: {task['title']} for {occ['period_key']}.",
        "note": None, "original_name": f"{task['key']}-{occ['period_key']}.pdf" if sha else None,
        "size": len(content) if sha else None,
        "media_type": "application/pdf" if sha else None, "sha256": sha,
        "storage_key": content_key(sha) if sha else None,
        "submitted_by_id": occ["completed_by_id"], "on_behalf_of_id": None,
        "platform": Platform.SLACK, "submitted_at": at, "superseded_at": None,
        "superseded_by_id": None, "supersede_reason": None,
    }  # fmt: skip


def evidence_content(eid: int) -> bytes:
    """A small stand-in file, so that `audit verify` can re-hash every recorded file."""
    return f"%PDF-1.4\n% bench evidence {eid}\n%%EOF\n".encode()


def write_files(root: Path, rows: list[dict[str, Any]]) -> int:
    """Store each file evidence's content under its key, as the local evidence store does."""
    written = 0
    for row in rows:
        if row["storage_key"]:
            path = root / row["storage_key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(evidence_content(row["id"]))
            written += 1
    return written


# --- campaigns -------------------------------------------------------------------------------


def seed_campaigns(p: World) -> None:
    """A training round and two policy rounds a year (the newest open), quarterly reviews."""
    active = [r["id"] for r in p.rows["person"] if r["active"]]
    cid, iid = 0, 0
    topics = [
        (CampaignKind.TRAINING, "Security awareness training", "training:security-awareness"),
        (CampaignKind.POLICY_ACK, "Acceptable use policy", "policy:acceptable-use"),
        (CampaignKind.POLICY_ACK, "Information security policy", "policy:information-security"),
    ]
    for year in range(p.scale.years):
        opened = dt.datetime.combine(p.start.replace(year=p.start.year + year), dt.time(15), dt.UTC)
        opened += dt.timedelta(days=40)
        for kind, title, topic in topics:
            cid += 1
            is_open = year == p.scale.years - 1
            iid = seed_round(p, cid, iid, (kind, title, topic), opened, active, is_open)
    reviews = 4 * p.scale.years + 1
    for quarter in range(reviews):
        opened = dt.datetime.combine(p.start, dt.time(15), dt.UTC) + dt.timedelta(days=91 * quarter)
        if opened > p.now:
            break
        for system in SYSTEMS[:3]:
            cid += 1
            iid = seed_review(p, cid, iid, system, opened, is_open=quarter == reviews - 1)


def seed_round(
    p: World,
    cid: int,
    iid: int,
    what: tuple[CampaignKind, str, str],
    opened: dt.datetime,
    people: list[int],
    is_open: bool,
) -> int:
    kind, title, topic = what
    due_on = (opened + dt.timedelta(days=30)).date()
    status = CampaignStatus.OPEN if is_open else CampaignStatus.COMPLETED
    p.add("campaign", {
        "id": cid, "kind": kind, "name": f"{title} ({opened.year})", "control_id": None,
        "occurrence_id": None, "status": status, "version": str(opened.year), "topic": topic,
        "channel": None, "details": {"title": title, "due": "30d", "due_on": due_on.isoformat(),
                                     "audience": "everyone"},
        "created_by_id": 7, "created_at": opened, "completed_at": None if is_open else
        opened + dt.timedelta(days=45),
    })  # fmt: skip
    p.event(opened, 7, "campaign.started", ("campaign", cid),
            {"kind": kind.value, "name": title, "people": len(people)})  # fmt: skip
    share = 0.7 if is_open else 1.0
    done = ItemDecision.COMPLETED if kind is CampaignKind.TRAINING else ItemDecision.ACKNOWLEDGED
    due_at = dt.datetime.combine(due_on, dt.time(23, 59), dt.UTC)
    for person in people:
        iid += 1
        decided = p.rng.random() < share
        at = ms(opened + dt.timedelta(hours=p.rng.uniform(1, 700))) if decided else None
        p.add("campaignitem", item_row(iid, cid, person, p.emails[person], at, done, due_at))
        if at is not None:
            p.event(at, person, "evidence.submitted", ("campaign", cid),
                    {"campaign_item": iid, "kind": "attestation"})  # fmt: skip
    return iid


def seed_review(
    p: World, cid: int, iid: int, system: str, opened: dt.datetime, *, is_open: bool
) -> int:
    reviewer = owners(p)[cid % len(owners(p))]
    p.add("campaign", {
        "id": cid, "kind": CampaignKind.ACCESS_REVIEW, "name": f"{system} access {opened:%Y-%m}",
        "control_id": 1, "occurrence_id": None,
        "status": CampaignStatus.OPEN if is_open else CampaignStatus.COMPLETED, "version": None,
        "topic": None, "channel": "C0COMPLIANCE", "details": {"system": system},
        "created_by_id": reviewer, "created_at": opened,
        "completed_at": None if is_open else opened + dt.timedelta(days=10),
    })  # fmt: skip
    p.event(opened, reviewer, "campaign.started", ("campaign", cid), {"kind": "access_review"})
    accounts = max(10, p.scale.people // 10)
    due_at = opened + dt.timedelta(days=14)
    for n in range(accounts):
        iid += 1
        person = 11 + (n * 13 + cid) % (p.scale.people - 10)
        decided = not is_open or p.rng.random() < 0.5
        at = ms(opened + dt.timedelta(hours=p.rng.uniform(1, 200))) if decided else None
        decision = ItemDecision.REVOKE if n % 40 == 0 else ItemDecision.KEEP
        row = item_row(iid, cid, None, p.emails[person], at, decision, due_at)
        row.update(subject=f"{system.lower()}:{p.emails[person]}", reviewer_id=reviewer)
        p.add("campaignitem", row)
        if at is not None:
            p.event(at, reviewer, "review.item_decided", ("campaign", cid),
                    {"item": iid, "decision": decision.value})  # fmt: skip
    return iid


def item_row(
    iid: int,
    cid: int,
    person: int | None,
    email: str,
    decided_at: dt.datetime | None,
    decision: ItemDecision,
    due_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "id": iid, "campaign_id": cid, "subject": email.split("@")[0], "subject_email": email,
        "system_owner_id": None, "person_id": person, "reviewer_id": None,
        "decision": decision if decided_at else ItemDecision.PENDING,
        "decided_by_id": person if decided_at else None, "decided_at": decided_at, "note": None,
        "version": None, "due_on": due_at.date(), "due_at": due_at, "details": {},
    }  # fmt: skip


# --- the audit chain -------------------------------------------------------------------------


def pad_events(p: World) -> None:
    """Bring the trail to its target: snoozes and daily occurrence generation, or sample it."""
    target = p.scale.audit_events
    if len(p.events) > target:
        p.events = p.rng.sample(p.events, target)
        return
    day = dt.datetime.combine(p.start, dt.time(6), dt.UTC)
    while day < p.now and len(p.events) < target:
        p.event(day, None, "occurrences.generated", ("program", 1), {"created": 40})
        day += dt.timedelta(days=1)
    occurrences = p.rows["occurrence"]
    while len(p.events) < target:
        occ = occurrences[p.rng.randrange(len(occurrences))]
        at = ms(min(p.now, occ["due_at"]) - dt.timedelta(hours=p.rng.uniform(1, 72)))
        p.event(at, occ["assignee_id"], "occurrence.snoozed", ("occurrence", occ["id"]),
                {"days": 2, "reason": SNOOZE_REASON})  # fmt: skip


def chain_rows(p: World) -> Iterator[dict[str, Any]]:
    """The events in time order, numbered and hash-chained exactly as `record_event` does."""
    p.events.sort(key=lambda e: e[0])
    prev = GENESIS_HASH
    for seq, (at, person, action, subject_type, subject_id, details) in enumerate(p.events, 1):
        at = ms(min(at, p.now))
        row = {
            "seq": seq, "occurred_at": format_time(at), **actor_fields(p, person, action),
            "action": action, "subject_type": subject_type, "subject_id": subject_id,
            "details": details, "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = event_hash(row)
        row["occurred_at"] = at
        yield row


def actor_fields(p: World, person: int | None, action: str) -> dict[str, Any]:
    """A person on Slack, the scheduler (occurrence generation) or the CLI (catalog, admins)."""
    if person is not None:
        return {"actor": p.emails[person], "actor_person_id": person,
                "actor_platform": "slack", "actor_platform_id": slack_id(person)}  # fmt: skip
    system = "scheduler" if action.startswith("occurrences") else "cli"
    return {"actor": system, "actor_person_id": None, "actor_platform": system,
            "actor_platform_id": None}  # fmt: skip


# --- writing ---------------------------------------------------------------------------------

TABLES = {
    "person": Person, "chatidentity": ChatIdentity, "program": Program, "control": Control,
    "controlcriterion": ControlCriterion, "task": Task, "occurrence": Occurrence,
    "evidence": Evidence, "campaign": Campaign, "campaignitem": CampaignItem,
}  # fmt: skip


def insert(conn: sa.Connection, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Bulk INSERTs (executemany) of BATCH rows at a time; how many rows."""
    table = model.__table__
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def write(db: Database, p: World) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        for name, model in TABLES.items():
            counts[name] = insert(conn, model, p.rows.get(name, []))
        last: dict[str, Any] = {}

        def chained() -> Iterator[dict[str, Any]]:
            for row in chain_rows(p):
                last.update(seq=row["seq"], hash=row["hash"])
                yield row

        counts["auditevent"] = insert(conn, AuditEvent, chained())
        head = AuditChainHead.__table__  # type: ignore[attr-defined]
        conn.execute(head.update().where(head.c.id == 1).values(seq=last["seq"], hash=last["hash"]))
        if db.engine.dialect.name == "postgresql":
            for name, model in TABLES.items():
                if "id" in model.__table__.c:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return counts


def seed(kind: str, name: str, scale: Scale, *, seed_value: int = 7) -> dict[str, Any]:
    """Create database `name` and fill it; what was written and how long each part took."""
    url = benchlib.recreate_database(kind, name)
    db = Database(url)
    db.upgrade()
    started = time.perf_counter()
    now = ms(dt.datetime.now(dt.UTC))
    today = now.astimezone(ZoneInfo(PROGRAM_TZ)).date()
    start = today.replace(year=today.year - scale.years, day=1)
    p = World(scale=scale, now=now, rng=random.Random(seed_value), start=start)
    seed_people(p)
    tasks = seed_catalog(p)
    controls = {c["id"]: c for c in p.rows["control"]}
    seed_occurrences(p, tasks, controls)
    p.rows["task"] = tasks
    seed_campaigns(p)
    pad_events(p)
    generated = time.perf_counter() - started
    counts = write(db, p)
    db.dispose()
    store = benchlib.DATA / f"{name}-{kind}-evidence"
    shutil.rmtree(store, ignore_errors=True)
    counts["files"] = write_files(store, p.rows["evidence"])
    total = time.perf_counter() - started
    meta = {"db": kind, "name": name, "url": url, "evidence_url": f"file://{store}",
            "now": now.isoformat(), "counts": counts,
            "generate_s": round(generated, 1), "write_s": round(total - generated, 1),
            "seed_s": round(total, 1)}  # fmt: skip
    benchlib.DATA.mkdir(parents=True, exist_ok=True)
    (benchlib.DATA / f"{name}-{kind}.json").write_text(json.dumps(meta, indent=2))
    return meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--occurrences", type=int, default=FULL)
    parser.add_argument("--name", help="database name (default bench_<N/1000>k)")
    parser.add_argument("--label", default="", help="name it bench_<label>_<N/1000>k")
    for count in ("people", "controls", "evidence", "audit-events"):
        parser.add_argument(f"--{count}", type=int, help=f"{count} (default: scaled with N)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    scale = Scale.for_occurrences(
        args.occurrences, people=args.people, controls=args.controls, evidence=args.evidence,
        audit_events=args.audit_events,
    )  # fmt: skip
    name = args.name or benchlib.seeded_name(args.occurrences, args.label)
    meta = seed(args.db, name, scale)
    benchlib.report("seed", {"scale": scale.__dict__, **meta}, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark seed's work: every task's occurrences over the years and their evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from seed_world import PROGRAM_TZ, SKIP_REASON, World, ms

from bot.core.recurrence import Period, parse_duration, parse_schedule, periods
from bot.evidence.store import content_key
from models import EvidenceKind, EvidenceRequirement, OccurrenceStatus, Platform

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

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
import json
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from seed_campaigns import seed_campaigns  # noqa: E402
from seed_work import seed_occurrences, write_files  # noqa: E402
from seed_world import (  # noqa: E402
    FULL,
    PROGRAM_TZ,
    SNOOZE_REASON,
    Scale,
    World,
    ms,
    seed_catalog,
    seed_people,
    slack_id,
)

from bot.audit.chain import GENESIS_HASH, event_hash  # noqa: E402
from bot.audit.trail import format_time  # noqa: E402
from bot.core.db import Database  # noqa: E402
from models import (  # noqa: E402
    AuditChainHead,
    AuditEvent,
    Campaign,
    CampaignItem,
    ChatIdentity,
    Control,
    ControlCriterion,
    Evidence,
    Occurrence,
    Person,
    Program,
    Task,
)

BATCH = 5000


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

"""Benchmark 2: what `status`, `mine`, `control` and the digest cost at 1k, 10k and 100k.

    .venv/bin/python bench/query_costs.py --db sqlite,postgres --sizes 1000,10000,100000
    .venv/bin/python bench/query_costs.py --db sqlite --sizes 100000 --explain

Each command runs as the chat front ends run it (`bot.chat.dispatch.run_command`: permission
check, services, view), in-process on a seeded program (seeded first if missing): `status`
(computed anew each run, as after any change; and "cached", as repeated within a minute
with no change in between) and `control <the control with most occurrences>` as an admin,
`mine` as the person who holds the most pending work. The digest is `compose_digest` (the
text's facts) and `render_digest_chart` (the PNG), timed apart. Reported: the median and p95
of `--runs` runs after one warm-up, and the growth from the smallest size to the largest (a
linear cost grows 100x from 1k to 100k). `--explain` prints the plan of every query `status`
makes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from slash_load import seeded  # noqa: E402

from bot.chat import commands as c  # noqa: E402
from bot.chat.dispatch import CommandContext, run_command  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.core.db import Database  # noqa: E402
from bot.digest.chart import render_digest_chart  # noqa: E402
from bot.digest.services import compose_digest  # noqa: E402
from bot.status.cache import forget_cached_status  # noqa: E402
from models import Person, utcnow  # noqa: E402

TARGETS_MS = {"status": 50.0, "mine": 50.0, "digest text+chart": 2000.0}


def subjects(db: Database) -> tuple[Actor, str]:
    """The busiest person (most pending work) as an actor, and the busiest control's key."""
    with db.session() as session:
        busiest = session.execute(
            sa.text(
                "SELECT assignee_id FROM occurrence WHERE status = 'pending' "
                "GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        person = session.get(Person, busiest)
        control = session.execute(
            sa.text(
                "SELECT c.key FROM control c JOIN occurrence o ON o.control_id = c.id "
                "GROUP BY c.key ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
    assert person is not None
    return Actor.for_person(person), str(control)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: caches, first connections, imports
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(db: Database, runs: int) -> dict[str, list[float]]:
    worker, control = subjects(db)
    now = utcnow()

    def command(text: str, actor: Actor) -> Callable[[], object]:
        return lambda: run_command(c.parse_command(text), CommandContext(db, actor, now))

    def digest_text() -> Any:
        with db.session() as session:
            return compose_digest(session=session, now=now)

    status = command("status", Actor.cli())

    def status_cold() -> object:
        forget_cached_status(db.engine)  # as after any change: the summary is computed anew
        return status()

    digest = digest_text()
    cases: dict[str, Callable[[], object]] = {
        "status": status_cold,
        "status (cached)": status,
        "mine": command("mine", worker),
        "control": command(f"control {control}", Actor.cli()),
        "digest text": digest_text,
        "digest chart": lambda: render_digest_chart(digest),
        "digest text+chart": lambda: render_digest_chart(digest_text()),
    }
    return {name: timed(fn, runs) for name, fn in cases.items()}


def explain(db: Database) -> None:
    """Print each query `status` makes, its time and its plan."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if statement.strip() != "BEGIN":
            captured.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    run_command(c.Status(), CommandContext(db, Actor.cli(), utcnow()))
    sa.event.remove(db.engine, "before_cursor_execute", capture)
    postgres = db.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as conn:
        for statement, params in captured:
            started = time.perf_counter()
            conn.exec_driver_sql(statement, params).fetchall()
            took = (time.perf_counter() - started) * 1000
            print(f"{took:7.1f} ms  {' '.join(statement.split())[:110]}")
            for row in conn.exec_driver_sql(prefix + statement, params).fetchall():
                print("           ", row[0] if postgres else row[-1])


def run(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for kind in args.db.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            meta = seeded(kind, size, args.label)
            db = Database(meta["url"])
            if args.explain:
                print(f"--- {kind} {size}: the queries of `status`")
                explain(db)
            for name, seconds in measure(db, args.runs).items():
                row = {"db": kind, "occurrences": size, "case": name, "load": benchlib.load(),
                       **benchlib.summary_ms(seconds)}  # fmt: skip
                rows.append(row)
                print(f"{kind:<8} {size:>7} {name:<18} median {row['median_ms']:>8.1f} ms  "
                      f"p95 {row['p95_ms']:>8.1f} ms  load {row['load']}", flush=True)  # fmt: skip
            db.dispose()
    code = str(Path(c.__file__).resolve().parents[1])
    return {"runs": args.runs, "code": code, "rows": rows, "growth": growth(rows)}


def growth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per database and case: the median at each size, the growth, and the target's verdict."""
    out = []
    for kind in sorted({r["db"] for r in rows}):
        for case in dict.fromkeys(r["case"] for r in rows):
            mine = sorted((r for r in rows if (r["db"], r["case"]) == (kind, case)),
                          key=lambda r: r["occurrences"])  # fmt: skip
            if not mine:
                continue
            first, last = mine[0], mine[-1]
            target = TARGETS_MS.get(case)
            out.append({
                "db": kind, "case": case,
                "median_ms": {r["occurrences"]: r["median_ms"] for r in mine},
                "growth": round(last["median_ms"] / first["median_ms"], 1)
                if first["median_ms"] else None,
                "size_growth": last["occurrences"] / first["occurrences"],
                "target_ms": target,
                "met": None if target is None else last["median_ms"] < target,
            })  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--label", default="", help="own databases (bench_<label>_100k), e.g. for a 'before' run"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    benchlib.report("query_costs", result, as_json=args.json)
    return 0 if all(g["met"] is not False for g in result["growth"]) else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())

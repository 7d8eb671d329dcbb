"""Benchmark 1: `/soc2 status` and `/soc2 mine` under load, next to a bare signed endpoint.

    .venv/bin/python bench/slash_load.py --db sqlite,postgres          # 50 clients, 30 s each
    .venv/bin/python bench/slash_load.py --db sqlite --seconds 5 --occurrences 10000

In one run: the bare endpoint (bench/bare_app.py: verify the signature, answer 200), a Bolt
app whose `/soc2` only acknowledges (the floor the Slack framework sets), then for each
database `soc2bot serve` on the seeded program (seeded first if missing) with `status` and
`mine` from Slack users picked among the people who hold work, then the bare endpoint
again. Every phase is `--clients` keep-alive connections for `--seconds` after a warm-up,
from this process (the servers run in their own). Slack is a local fake with the scheduler
off; the fake counts Web API calls, which the command path should not make (all people are
linked). Reported: p50/p95/p99, requests/s, errors, the server's CPU time per request, and
the throughput as a share of the bare ceiling (the higher of its two runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import procs  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from loadgen import Load, run_load, slash_body  # noqa: E402

from bot.core.db import Database  # noqa: E402

TARGET_P99_MS = 100.0
TARGET_SHARE = 0.5


def seeded(kind: str, occurrences: int, label: str = "") -> dict[str, Any]:
    """The seed's description of the bench database of this size (seeding it if missing)."""
    name = benchlib.seeded_name(occurrences, label)
    meta = benchlib.DATA / f"{name}-{kind}.json"
    if not meta.is_file() or not benchlib.database_exists(kind, name):
        import seed

        print(f"seeding {name} on {kind} first…", flush=True)
        seed.seed(kind, name, seed.Scale.for_occurrences(occurrences))
    described = dict(json.loads(meta.read_text()))
    db = Database(described["url"])
    db.upgrade()  # a database seeded before the latest migration
    db.dispose()
    return described


def workers(url: str, limit: int = 400) -> list[str]:
    """Slack ids of people who hold pending work (the ones who ask for `mine`)."""
    engine = sa.create_engine(url)
    query = sa.text(
        "SELECT DISTINCT c.external_id FROM chatidentity c JOIN occurrence o "
        "ON o.assignee_id = c.person_id WHERE o.status = 'pending' AND c.platform = 'slack' "
        "ORDER BY c.external_id LIMIT :limit"
    )
    with engine.connect() as conn:
        ids = [str(x) for x in conn.execute(query, {"limit": limit}).scalars()]
    engine.dispose()
    return ids


def phase(name: str, port: int, pid: int, text: str, users: list[str], args: Any) -> dict[str, Any]:
    def body(n: int) -> bytes:
        return slash_body(text, users[n * 7919 % len(users)], n)

    cpu = procs.cpu_seconds(pid)
    load: Load = asyncio.run(
        run_load(port, body, secret=procs.SECRET, clients=args.clients, seconds=args.seconds,
                 warmup=args.warmup)
    )  # fmt: skip
    used = procs.cpu_seconds(pid) - cpu  # includes the warm-up
    summary = load.summary()
    total = summary["requests"] * (args.seconds + args.warmup) / args.seconds
    result = {
        "phase": name,
        **summary,
        "load": benchlib.load(),
        "server_cpu_ms_per_request": round(used * 1000 / total, 2) if total else None,
        "sample": load.samples[0][:160].decode(errors="replace") if load.samples else "",
    }
    if summary["errors"]:
        result["error_samples"] = [s.decode(errors="replace") for s in load.samples[-3:]]
    print(_line(result), flush=True)
    return result


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['phase']:<18} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']:>6.1f}  p95 {r['p95_ms']:>6.1f}"
        f"  p99 {r['p99_ms']:>6.1f} ms  errors {r['errors']}  "
        f"cpu {r['server_cpu_ms_per_request']} ms/req  load {r['load']}"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    metas = {kind: seeded(kind, args.occurrences) for kind in args.db.split(",")}
    phases: list[dict[str, Any]] = []
    with procs.fake_slack() as slack_url, procs.bare_server() as (bare_port, bare_pid):
        users = ["U00000001"]
        phases.append(phase("bare", bare_port, bare_pid, "status", users, args))
        with procs.bare_server(bolt_slack_url=slack_url) as (bolt_port, bolt_pid):
            phases.append(phase("Bolt, no-op", bolt_port, bolt_pid, "status", users, args))
        for kind, meta in metas.items():
            users = workers(meta["url"])
            count = args.workers if kind == "postgres" else 1  # SQLite: one process
            with procs.bot_server(meta, slack_url=slack_url, workers=count) as (port, pid):
                procs.slack_stats(slack_url, reset=True)
                for command in args.commands.split(","):
                    label = f"{kind} {command}" + (f" ×{count}" if count > 1 else "")
                    phases.append(phase(label, port, pid, command, users, args))
                phases[-1]["slack_calls"] = procs.slack_stats(slack_url)["calls"]
        phases.append(phase("bare (again)", bare_port, bare_pid, "status", ["U00000001"], args))
    ceiling = max(p["rps"] for p in phases if p["phase"].startswith("bare"))
    for p in phases:
        p["share_of_bare"] = round(p["rps"] / ceiling, 3) if ceiling else None
        if not p["phase"].startswith(("bare", "Bolt")):
            p["p99_met"] = p["p99_ms"] < TARGET_P99_MS and not p["errors"]
            p["share_met"] = p["share_of_bare"] >= TARGET_SHARE
    return {"clients": args.clients, "seconds": args.seconds, "occurrences": args.occurrences,
            "ceiling_rps": ceiling, "phases": phases}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--occurrences", type=int, default=100_000, help="seeded program size")
    parser.add_argument("--commands", default="status,mine")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="`serve --workers` on PostgreSQL (server CPU: the supervisor's only)",
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    benchlib.report("slash_load", result, as_json=args.json)
    met = all(p.get("p99_met", True) and p.get("share_met", True) for p in result["phases"])
    return 0 if met else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark 5: the audit chain — appends under 8 concurrent writers, and `audit verify` rate.

    .venv/bin/python bench/audit_chain.py --db postgres,sqlite
    .venv/bin/python bench/audit_chain.py --db sqlite --events-per-writer 50 --no-slow-path

Appends: a fresh database (`bench_audit_<db>`); `--writers` processes (8) each append
`--events-per-writer` events with `bot.audit.trail.record_event`, one event per transaction (as a
service does), all at once; then the chain must verify and be one line of 8 × N events.
Verify: `soc2bot audit verify`'s check (`bot.audit.verify.verify_chain`) over the seeded program's
500,000 events (seeded first if missing), with one process and with one per core, and the
event-by-event path it replaced (`verify_events(iter_events())`) for comparison.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
from slash_load import seeded  # noqa: E402

from bot.audit.chain import verify_events  # noqa: E402
from bot.audit.trail import iter_events, record_event  # noqa: E402
from bot.audit.verify import verify_chain, verify_stored_events  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.core.db import Database  # noqa: E402

TARGET_VERIFY_PER_S = 200_000


def writer(url: str, number: int, events: int, start: Any) -> float:
    """Append `events` events, one transaction each; the seconds it took."""
    db = Database(url)
    actor = Actor.cli()
    start.wait()
    started = time.perf_counter()
    for i in range(events):
        with db.transaction() as session:
            record_event(session=session, actor=actor, action="control.owner_changed",
                         subject_type="control", subject_id=f"CC{number}.{i % 9}",
                         details={"writer": number, "i": i, "to": "ana@acme.test"})  # fmt: skip
    seconds = time.perf_counter() - started
    db.dispose()
    return seconds


def appends(kind: str, writers: int, per_writer: int) -> dict[str, Any]:
    url = benchlib.recreate_database(kind, f"bench_audit_{kind}")
    db = Database(url)
    db.upgrade()
    context = multiprocessing.get_context("spawn")  # clean processes, like replicas
    with context.Manager() as manager:
        start = manager.Barrier(writers + 1)
        with context.Pool(writers) as pool:
            pending = pool.starmap_async(
                writer, [(url, n, per_writer, start) for n in range(writers)]
            )
            start.wait()
            started = time.perf_counter()
            per_process = pending.get()
            seconds = time.perf_counter() - started
    with db.session() as session:
        report = verify_chain(session=session)
    db.dispose()
    total = writers * per_writer
    result = {
        "db": kind,
        "writers": writers,
        "events": total,
        "seconds": round(seconds, 2),
        "events_per_s": round(total / seconds, 1),
        "slowest_writer_s": round(max(per_process), 2),
        "chain_ok": report.ok and report.checked == total,
        "load": benchlib.load(),
    }
    print(f"{kind}: {writers} writers appended {total} events in {seconds:.2f} s "
          f"({result['events_per_s']}/s), one chain: {result['chain_ok']}; load {result['load']}",
          flush=True)  # fmt: skip
    return result


def verify_rate(kind: str, occurrences: int, slow_path: bool) -> dict[str, Any]:
    meta = seeded(kind, occurrences)
    db = Database(meta["url"])
    ways = {"verify_chain (one process per core)": lambda s: verify_chain(session=s),
            "one process": lambda s: verify_stored_events(s, workers=1)}  # fmt: skip
    if slow_path:
        ways["event by event (before)"] = lambda s: verify_events(iter_events(s))
    result: dict[str, Any] = {"db": kind, "load_before": benchlib.load()}
    for name, verify in ways.items():
        best = None
        for _ in range(1 if "before" in name else 3):
            with db.session() as session:
                started = time.perf_counter()
                report = verify(session)
                seconds = time.perf_counter() - started
            assert report.ok, report.problem
            best = seconds if best is None else min(best, seconds)
        assert best is not None
        rate = round(report.checked / best)
        result[name] = {"events": report.checked, "seconds": round(best, 2), "per_s": rate}
        print(f"{kind}: {name}: {report.checked} events in {best:.2f} s ({rate:,}/s); "
              f"load {benchlib.load()}", flush=True)  # fmt: skip
    db.dispose()
    fastest = result["verify_chain (one process per core)"]["per_s"]
    result["met"] = fastest >= TARGET_VERIFY_PER_S
    result["load_after"] = benchlib.load()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgres,sqlite")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events-per-writer", type=int, default=250)
    parser.add_argument("--occurrences", type=int, default=100_000, help="seeded program size")
    parser.add_argument("--no-slow-path", action="store_true", help="skip the 'before' path")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kinds = args.db.split(",")
    result = {
        "appends": [appends(k, args.writers, args.events_per_writer) for k in kinds],
        "verify": [verify_rate(k, args.occurrences, not args.no_slow_path) for k in kinds],
    }
    benchlib.report("audit_chain", result, as_json=args.json)
    ok = all(a["chain_ok"] for a in result["appends"]) and all(v["met"] for v in result["verify"])
    return 0 if ok else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())

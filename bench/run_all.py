"""`make bench`: a quick version of every benchmark, one after the other (a few minutes).

    .venv/bin/python bench/run_all.py            # quick: SQLite, small sizes, short phases
    .venv/bin/python bench/run_all.py --full     # the figures of docs/performance.md (~45 min)

PostgreSQL runs too when it answers at BENCH_POSTGRES_URL (default postgres@127.0.0.1).
Targets are judged only at full scale: in a quick run a missed target is printed, not
failed; a benchmark that crashes fails the run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

HERE = Path(__file__).resolve().parent


def plan(full: bool, databases: str) -> list[list[str]]:
    """The benchmark command lines, quick or full."""
    if full:
        return [
            ["seed.py", "--db", db] for db in databases.split(",")
        ] + [
            ["query_costs.py", "--db", databases, "--sizes", "1000,10000,100000"],
            ["slash_load.py", "--db", databases],
            ["click_load.py", "--occurrences", "10000"],
            ["reminder_wave.py", "--db", databases],
            ["evidence_path.py", "--sizes-mb", "100,1024"],
            ["audit_chain.py", "--db", databases],
            ["export_program.py", "--db", databases],
            ["export_bundle.py", "--total-mb", "2048"],
            ["bench_pulled_review.py", "--db", databases],
        ]  # fmt: skip
    return [
        ["seed.py", "--db", databases.split(",")[0], "--occurrences", "10000"],
        ["query_costs.py", "--db", databases, "--sizes", "1000,10000", "--runs", "3"],
        ["slash_load.py", "--db", databases, "--occurrences", "10000", "--seconds", "4",
         "--warmup", "1"],
        ["click_load.py", "--occurrences", "10000", "--seconds", "4", "--warmup", "1"],
        ["reminder_wave.py", "--db", databases, "--occurrences", "1000", "--people", "200"],
        ["evidence_path.py", "--sizes-mb", "100"],
        ["audit_chain.py", "--db", databases, "--occurrences", "10000",
         "--events-per-writer", "25"],
        ["export_program.py", "--db", databases.split(",")[0], "--occurrences", "10000"],
        ["export_bundle.py", "--total-mb", "64", "--file-mb", "8"],
        ["bench_pulled_review.py", "--db", databases.split(",")[0], "--members", "2000",
         "--people", "400"],
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--db", help="sqlite, postgres or both (default: both if PostgreSQL is up)")
    args = parser.parse_args()
    databases = args.db or ("sqlite,postgres" if benchlib.machine()["postgres"] else "sqlite")
    print(f"benchmarks on {databases}; {benchlib.machine()}", flush=True)
    outcome: dict[str, str] = {}
    for command in plan(args.full, databases):
        name = " ".join(command)
        print(f"\n=== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / command[0]), *command[1:]])
        verdict = {0: "met", benchlib.MISSED: "target missed"}.get(code, f"FAILED ({code})")
        outcome[name] = f"{verdict} in {time.perf_counter() - started:.0f} s"
    print("\n=== summary (results appended to data/bench/results.jsonl)")
    for name, verdict in outcome.items():
        print(f"  {verdict:<28} {name}")
    failed = [n for n, v in outcome.items() if v.startswith("FAILED")]
    return 1 if failed or (args.full and any("missed" in v for v in outcome.values())) else 0


if __name__ == "__main__":
    sys.exit(main())

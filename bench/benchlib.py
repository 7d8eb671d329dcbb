"""Shared helpers of the benchmarks: bench databases, machine facts, percentiles, memory."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import resource
import sqlite3
import statistics
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Appended, not prepended: PYTHONPATH=<another checkout> measures that code ("before" runs).
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

import sqlalchemy as sa  # noqa: E402

DATA = REPO / "data" / "bench"
# Benchmarks only ever create, empty and drop databases with this prefix.
PREFIX = "bench_"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1")
MB = 1024 * 1024
# A benchmark's exit status when it ran but missed a target (a crash exits with 1).
MISSED = 3
PACKAGES = ("fastapi", "uvicorn", "slack_bolt", "sqlalchemy", "psycopg", "aiohttp", "uvloop")


def database_url(kind: str, name: str) -> str:
    """The URL of bench database `name` on SQLite (a file under data/bench) or PostgreSQL."""
    if not name.startswith(PREFIX):
        raise ValueError(f"bench databases are named {PREFIX}…, not {name!r}")
    if kind == "sqlite":
        return f"sqlite:///{DATA / name}.db"
    if kind == "postgres":
        return f"{POSTGRES_SERVER.rstrip('/')}/{name}"
    raise ValueError(f"unknown database kind {kind!r}: sqlite or postgres")


def recreate_database(kind: str, name: str) -> str:
    """Drop and create bench database `name`; its URL."""
    url = database_url(kind, name)
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATA / name}.db{suffix}").unlink(missing_ok=True)
        return url
    server = sa.create_engine(
        f"{POSTGRES_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    return url


def database_exists(kind: str, name: str) -> bool:
    if kind == "sqlite":
        return Path(f"{DATA / name}.db").is_file()
    server = sa.create_engine(f"{POSTGRES_SERVER.rstrip('/')}/postgres")
    with server.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        exists = found.first() is not None
    server.dispose()
    return exists


def seeded_name(occurrences: int, label: str = "") -> str:
    """The conventional bench database name of a seeded program of this size."""
    return f"{PREFIX}{label + '_' if label else ''}{_short(occurrences)}"


def _short(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def load() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, Any]:
    """What a result needs to be read against: cores, date, load, versions."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load": load(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": _postgres_version(),
        **versions,
    }


def _cpu_model() -> str | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or None
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else None


def _postgres_version() -> str | None:
    try:
        engine = sa.create_engine(f"{POSTGRES_SERVER.rstrip('/')}/postgres")
        with engine.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar_one())
        engine.dispose()
        return version
    except Exception:  # no server: SQLite-only runs are fine
        return None


def percentile(samples: Sequence[float], pct: float) -> float:
    """The `pct` percentile (nearest rank) of `samples`."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p95 and max of timings given in seconds, in milliseconds."""
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }


def peak_rss_mb() -> float:
    """The process's resident-set high-water mark (VmHWM on Linux, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB


def rss_mb() -> float:
    """The process's current resident set (VmRSS on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def reset_peak_rss() -> bool:
    """Restart the high-water mark (Linux), so a step's own peak can be read."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def report(name: str, result: dict[str, Any], *, as_json: bool) -> None:
    """Print a result (one JSON object, or `key: value` lines) and append it to results.jsonl."""
    record = {"bench": name, "machine": machine(), **result}
    DATA.mkdir(parents=True, exist_ok=True)
    with (DATA / "results.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, default=str) + "\n")
    if as_json:
        print(json.dumps(record, default=str))
        return
    for key, value in record.items():
        shown = json.dumps(value, default=str) if isinstance(value, dict | list) else value
        print(f"{key}: {shown}")

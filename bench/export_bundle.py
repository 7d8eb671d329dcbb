"""Benchmark: build and verify an evidence bundle over synthetic evidence; time and peak memory.

    .venv/bin/python bench/export_bundle.py --total-mb 2048          # the 2 GB case
    .venv/bin/python bench/export_bundle.py --total-mb 200 --tracemalloc --json

Evidence files are generated on the fly while they stream into a local evidence store, so
nothing big is ever held in memory; the bundle is written to a temp folder and removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any, BinaryIO, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import peak_rss_mb, reset_peak_rss  # noqa: E402  (bench/ is the script's folder)
from sqlmodel import col, select  # noqa: E402

from bot.audit.trail import record_event  # noqa: E402
from bot.core.actor import Actor  # noqa: E402
from bot.core.db import Database  # noqa: E402
from bot.evidence.local import LocalEvidenceStore  # noqa: E402
from bot.evidence.services import file_evidence  # noqa: E402
from bot.export import build_bundle, verify_bundle  # noqa: E402
from bot.work.occurrences import mark_done, materialize_occurrences  # noqa: E402
from models import Control, Occurrence, OccurrenceStatus, Program, Task  # noqa: E402

MB = 1024 * 1024
NOW = dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)


class Generated:
    """A readable file of `size` bytes made while it is read: a unique header, then noise."""

    def __init__(self, size: int, number: int, noise: bytes) -> None:
        self._head = f"%PDF-1.4 synthetic evidence file {number}\n".encode()
        self._noise, self._left, self._offset = noise, size, number * 7919

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        if n <= 0:
            return b""
        out = bytearray(self._head[:n])
        self._head = self._head[len(out) :]
        while len(out) < n:
            start = self._offset % len(self._noise)
            piece = self._noise[start : start + n - len(out)]
            out += piece
            self._offset += len(piece)
        self._left -= n
        return bytes(out)


def seed(db: Database, store: LocalEvidenceStore, total_mb: int, file_mb: int) -> int:
    """One program, one monthly control, `total_mb` of evidence files spread over its months."""
    actor = Actor.cli()
    with db.transaction() as s:
        year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        s.add(
            Program(
                id=1, name="Bench", start_date=year[0], window_start=year[0], window_end=year[1]
            )
        )
        control = Control(key="CC7.1-VS", title="Vulnerability scans")
        s.add(control)
        s.flush()
        s.add(Task(key="scan", control_id=control.id or 0, title="Scan", schedule="monthly"))
        s.flush()
        materialize_occurrences(session=s, actor=actor, now=NOW, horizon_days=0)
        occurrences = list(s.exec(select(Occurrence).order_by(col(Occurrence.id))).all())
    noise = random.Random(7).randbytes(MB)
    whole, rest = divmod(total_mb, file_mb)
    sizes = [file_mb * MB] * whole + ([rest * MB] if rest else [])
    for number, size in enumerate(sizes):
        stream = cast(BinaryIO, Generated(size, number, noise))
        stored = store.put(stream, original_name=f"scan-{number}.pdf")
        occ = occurrences[number % len(occurrences)]
        with db.transaction() as s:
            s.add(file_evidence(stored, actor, NOW, occurrence_id=occ.id))
            # Logged as the service logs them: the bundle's verifier checks rows against events.
            record_event(
                session=s, actor=actor, action="evidence.submitted", subject_type="occurrence",
                subject_id=occ.id or 0, details={"kind": "file", "sha256": stored.sha256},
            )  # fmt: skip
            s.add(occ)
            if occ.status is not OccurrenceStatus.DONE:
                mark_done(session=s, occ=occ, actor=actor, now=NOW)
    return len(sizes)


def run(total_mb: int, file_mb: int, trace: bool, workdir: Path) -> dict[str, Any]:
    db = Database(f"sqlite:///{workdir / 'bench.db'}")
    db.upgrade()
    store = LocalEvidenceStore(workdir / "evidence", max_bytes=(file_mb + 1) * MB,
                               allowed_types=("application/pdf",))  # fmt: skip
    started = time.perf_counter()
    files = seed(db, store, total_mb, file_mb)
    seeded = time.perf_counter() - started
    out = workdir / "bundle.zip"
    measured = reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    summary = build_bundle(db=db, store=store, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                           out=out, actor=Actor.cli(), now=NOW)  # fmt: skip
    built = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / MB if trace else None
    tracemalloc.stop()
    build_rss = peak_rss_mb()
    started = time.perf_counter()
    report = verify_bundle(out)
    verified = time.perf_counter() - started
    db.dispose()
    return {
        "files": files, "evidence_mb": summary.counts["file_bytes"] / MB,
        "bundle_mb": summary.size / MB, "seed_s": round(seeded, 2), "build_s": round(built, 2),
        "build_mb_per_s": round(summary.size / MB / built, 1), "verify_s": round(verified, 2),
        "verify_ok": report.ok, "problems": report.problems[:5],
        "build_peak_rss_mb": round(build_rss, 1) if measured else None,
        "process_peak_rss_mb": round(peak_rss_mb(), 1),
        "build_traced_peak_mb": round(traced, 1) if traced is not None else None,
        "sha256": summary.sha256,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=int, default=2048, help="evidence to generate")
    parser.add_argument("--file-mb", type=int, default=16, help="size of each evidence file")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument("--max-rss-mb", type=float, default=200.0, help="fail above this peak")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soc2bot-bench-") as tmp:
        result = run(args.total_mb, args.file_mb, args.tracemalloc, Path(tmp))
    peak = result["build_peak_rss_mb"] or result["process_peak_rss_mb"]
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"evidence: {result['files']} files, {result['evidence_mb']:.0f} MB "
            f"(generated and stored in {result['seed_s']} s)"
        )
        print(
            f"build:    {result['bundle_mb']:.0f} MB bundle in {result['build_s']} s "
            f"({result['build_mb_per_s']} MB/s)"
        )
        print(f"verify:   {'OK' if result['verify_ok'] else 'FAILED'} in {result['verify_s']} s")
        print(
            f"peak RSS: {peak} MB during the build, {result['process_peak_rss_mb']} MB "
            f"through build and verify (limit {args.max_rss_mb:.0f} MB)"
        )
        if result["build_traced_peak_mb"] is not None:
            print(f"python allocations: peak {result['build_traced_peak_mb']} MB during the build")
    return 0 if result["verify_ok"] and peak <= args.max_rss_mb else 1


if __name__ == "__main__":
    sys.exit(main())

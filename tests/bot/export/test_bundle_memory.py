"""Streaming: a bundle over hundreds of MB (2 GB in the slow run) keeps memory flat."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from sqlmodel import col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.services import file_evidence
from bot.export import build_bundle, verify_bundle
from models import Occurrence
from tests.bot.export.bundle_support import make_store
from tests.factories import generate, make_control, make_program, make_task

MB = 1024 * 1024
NOW = dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC)
BENCH = Path(__file__).resolve().parents[3] / "bench" / "export_bundle.py"


class Noise:
    """`size` bytes made while read: a unique header, then a repeated random block."""

    def __init__(self, size: int, number: int, block: bytes) -> None:
        self.left, self.head, self.block = size, f"%PDF-1.4 file {number}\n".encode(), block

    def read(self, n: int = -1) -> bytes:
        n = min(self.left, len(self.block) if n < 0 else n)
        data = (self.head + self.block)[:n]
        self.head, self.left = b"", self.left - len(data)
        return data


def test_a_200_mb_bundle_keeps_python_allocations_flat(db: Database, tmp_path: Path) -> None:
    store = make_store(tmp_path / "evidence", max_bytes=16 * MB)
    with db.transaction() as s:
        make_program(s)
        make_task(s, make_control(s), "scan", schedule="monthly")
        generate(s, now=NOW, horizon_days=0)
        occurrences = s.exec(select(Occurrence.id).order_by(col(Occurrence.id))).all()
    block = random.Random(1).randbytes(MB)
    for number in range(25):
        stored = store.put(cast(BinaryIO, Noise(8 * MB, number, block)), original_name="s.pdf")
        with db.transaction() as s:
            occ = occurrences[number % len(occurrences)]
            s.add(file_evidence(stored, Actor.cli(), NOW, occurrence_id=occ))
            record_event(  # the event the verifier checks the evidence row against
                session=s, actor=Actor.cli(), action="evidence.submitted",
                subject_type="occurrence", subject_id=occ, details={"sha256": stored.sha256},
            )  # fmt: skip
    out = tmp_path / "bundle.zip"
    tracemalloc.start()
    started = time.perf_counter()
    summary = build_bundle(
        db=db, store=store, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), out=out,
        actor=Actor.cli(), now=NOW,
    )  # fmt: skip
    built = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    started = time.perf_counter()
    assert verify_bundle(out).ok
    verified = time.perf_counter() - started
    print(
        f"\n{summary.counts['file_bytes'] / MB:.0f} MB of evidence: bundle built in {built:.2f} s, "
        f"Python allocation peak {peak:.1f} MB; verified in {verified:.2f} s"
    )
    assert summary.counts["files"] == 25 and summary.counts["file_bytes"] == 200 * MB
    assert peak < 50, f"peak Python allocation {peak:.1f} MB"


@pytest.mark.slow
def test_a_2_gb_bundle_stays_under_200_mb_of_resident_memory(
    request: pytest.FixtureRequest,
) -> None:
    """The benchmark in a fresh process, so its resident-set peak is the build's alone."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("writes 4 GB to disk; run with -m slow")
    done = subprocess.run(
        [sys.executable, str(BENCH), "--total-mb", "2048", "--json"],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    peak = result["build_peak_rss_mb"] or result["process_peak_rss_mb"]
    print(
        f"\n2 GB bundle: {result['files']} files, built in {result['build_s']} s "
        f"({result['build_mb_per_s']} MB/s), peak RSS {peak} MB, verified in {result['verify_s']} s"
    )
    assert result["verify_ok"], result["problems"]
    assert result["evidence_mb"] == 2048
    assert peak < 200, f"peak RSS {peak} MB"

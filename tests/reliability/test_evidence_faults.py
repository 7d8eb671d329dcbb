"""The evidence store failing: a full disk (a real file-size limit), an unwritable store, and a
process killed in the middle of an upload.

Whatever happens: a clear error, no evidence row without its file, no file without its row,
and temp files of a killed upload swept when the store next opens.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.core.db import Database
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from models import AuditEvent, Evidence, Occurrence, Role
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.reliability.file_sending import PDF, send, stored_objects
from tests.reliability.world import World, changed

NOW = "2026-05-20T14:00:00+00:00"
MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]

# Runs in a child process: store and record one upload of SIZE bytes, fed by a slow stream
# when PAUSE is set (so the parent can kill it mid-upload), under a file-size limit when
# LIMIT is set (the kernel refuses writes past it: a full disk, as the store sees it).
CHILD = textwrap.dedent(
    """
    import datetime as dt, io, os, resource, signal, sys, time
    from bot.core.actor import Actor
    from bot.core.db import Database
    from bot.evidence.local import LocalEvidenceStore
    from bot.evidence.store import EvidenceStoreUnavailable
    from bot.evidence.services import attach_file_evidence
    from bot.core.settings import DEFAULT_ALLOWED_TYPES
    from models import Person

    url, root, occurrence, size, limit, pause = sys.argv[1:7]
    size, limit, pause = int(size), int(limit), float(pause)

    class Slow(io.RawIOBase):
        def __init__(self):
            self.left = size
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.left <= 0:
                return 0
            if pause:
                time.sleep(pause)
            n = min(len(buffer), self.left, 256 * 1024)
            buffer[:n] = (b"%PDF-1.7\\n" + b"x" * n)[:n]
            self.left -= n
            return n

    db = Database(url)
    store = LocalEvidenceStore(root and __import__("pathlib").Path(root), max_bytes=64 << 20,
                               allowed_types=DEFAULT_ALLOWED_TYPES)
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    with db.session() as s:
        raj = s.get(Person, 2)
    try:
        with db.transaction() as s:
            attach_file_evidence(
                session=s, store=store, actor=Actor.for_person(raj), occurrence_id=int(occurrence),
                stream=io.BufferedReader(Slow(), 256 * 1024), original_name="scan.pdf",
                now=dt.datetime.fromisoformat("__NOW__"), media_type="application/pdf",
            )
    except EvidenceStoreUnavailable as error:
        print("REFUSED:", error.user_text())
        sys.exit(3)
    print("STORED")
"""
).replace("__NOW__", NOW)


class Program:
    """A SQLite program with one open occurrence of Raj's, and an evidence folder."""

    def __init__(self, tmp_path: Path, template: Path) -> None:
        shutil.copy(template, tmp_path / "faults.db")
        self.url = f"sqlite:///{tmp_path}/faults.db"
        self.root = tmp_path / "evidence"
        self.db = Database(self.url)
        with self.db.transaction() as s:
            make_program(s)
            make_person(s, "ana@acme.test", role=Role.ADMIN)
            raj = make_person(s, "raj@acme.test")
            assert raj.id == 2  # the child process finds him by id
            make_task(s, make_control(s, owner=raj))
            import datetime as dt

            generate(s, now=dt.datetime.fromisoformat(NOW), horizon_days=30)
        with self.db.session() as s:
            self.occurrence = int(
                s.exec(select(Occurrence.id).where(Occurrence.period_key == "2026-Q2")).one() or 0
            )

    def child(self, *, size: int, limit: int = 0, pause: float = 0.0) -> subprocess.Popen[str]:
        args = [self.url, str(self.root), str(self.occurrence), str(size), str(limit), str(pause)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def counts(self) -> tuple[int, int]:
        with self.db.session() as s:
            evidence = s.exec(select(func.count()).select_from(Evidence)).one()
            events = s.exec(select(func.count()).select_from(AuditEvent)).one()
        return int(evidence), int(events)

    def objects(self) -> list[Path]:
        return (
            [p for p in (self.root / "sha256").rglob("*") if p.is_file()]
            if (self.root / "sha256").exists()
            else []
        )

    def temp_files(self) -> list[Path]:
        return list((self.root / "tmp").glob("*")) if (self.root / "tmp").exists() else []


@pytest.fixture
def program(tmp_path: Path, sqlite_template: Path) -> Program:
    made = Program(tmp_path, sqlite_template)
    yield made
    made.db.dispose()


def test_a_full_disk_refuses_the_upload_clearly_and_keeps_neither_file_nor_record(
    program: Program,
) -> None:
    """RLIMIT_FSIZE makes the kernel refuse writes past 1 MB (EFBIG), as a full disk would."""
    before = program.counts()
    child = program.child(size=3 * MB, limit=1 * MB)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 3, (out, err)
    assert "Evidence storage is unavailable (File too large)" in out, out
    assert "nothing was stored or changed" in out
    assert str(program.root) not in out  # no paths in what the person reads
    assert program.counts() == before
    assert program.objects() == [] and program.temp_files() == []
    # and under the limit the same upload goes through, whole
    child = program.child(size=300 * 1024, limit=8 * MB)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0 and "STORED" in out, (out, err)
    evidence, events = program.counts()
    assert evidence == before[0] + 1 and events >= before[1] + 2
    assert len(program.objects()) == 1 and program.temp_files() == []


def test_a_process_killed_mid_upload_leaves_no_record_and_its_temp_file_is_swept_at_start(
    program: Program,
) -> None:
    before = program.counts()
    child = program.child(size=8 * MB, pause=0.05)
    deadline = time.monotonic() + 20
    while not [p for p in program.temp_files() if p.stat().st_size > 0]:
        assert time.monotonic() < deadline and child.poll() is None, child.communicate()
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert program.counts() == before  # the transaction died with the process
    assert program.objects() == []
    [orphan] = program.temp_files()
    # A store opening now keeps recent temp files (they may be another replica's live
    # uploads) and sweeps the ones older than an hour.
    LocalEvidenceStore(program.root, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert orphan.exists()
    two_hours_ago = time.time() - 7200
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    LocalEvidenceStore(program.root, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert program.temp_files() == []
    # the next upload of the same work is clean
    child = program.child(size=200 * 1024)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, (out, err)
    assert program.counts()[0] == before[0] + 1


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_an_unwritable_store_answers_clearly_in_chat_and_records_nothing(
    world: World, platform: str
) -> None:
    """The evidence disk goes read-only under a running app (a file where tmp/ must be)."""
    root = Path(world.store.root)
    shutil.rmtree(root / "tmp")
    (root / "tmp").write_text("not a directory")  # fails even for root, unlike chmod
    ref = world.open_occurrences("owner")[0]
    before = world.fingerprint()
    said = send(world, platform, PDF, "scan.pdf", "application/pdf", ref)
    assert "Evidence storage is unavailable" in said and "try again" in said, said
    assert "something went wrong" not in said and str(root) not in said
    assert changed(before, world.fingerprint()) == [] and stored_objects(world) == []
    # repaired, the same file goes through
    (root / "tmp").unlink()
    (root / "tmp").mkdir()
    said = send(world, platform, PDF, "scan.pdf", "application/pdf", ref)
    assert "SHA-256" in said, said

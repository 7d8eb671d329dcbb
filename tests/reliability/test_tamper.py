"""Tamper evidence: out-of-band edits to the audit trail or the evidence files are found and named.

Each case changes the database with raw SQL, or a stored file on disk, behind soc2bot's back,
then runs `soc2bot audit verify` as an operator would and checks that it exits 1 and names
the event or the evidence row that no longer adds up.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.audit.chain import event_hash
from bot.audit.trail import event_as_dict, record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import attach_file_evidence
from handlers.cli import app
from models import AuditEvent, Evidence, Occurrence, Role
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n" + b"quarterly access review, signed\n" * 40
runner = CliRunner()


class Trail:
    """A small program with a chain of events and three evidence files, for the CLI to check."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Path) -> None:
        shutil.copy(template, tmp_path / "tamper.db")  # already migrated
        self.url = f"sqlite:///{tmp_path}/tamper.db"
        self.evidence = tmp_path / "evidence"
        monkeypatch.setenv("DATABASE_URL", self.url)
        monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{self.evidence}")
        self.db = Database(self.url)
        store = LocalEvidenceStore(
            self.evidence, max_bytes=1024 * 1024, allowed_types=DEFAULT_ALLOWED_TYPES
        )
        with self.db.transaction() as s:
            make_program(s)
            raj = make_person(s, "raj@acme.test")
            make_person(s, "ana@acme.test", role=Role.ADMIN)
            for n in range(3):
                make_task(s, make_control(s, f"CC{n}.1-X", owner=raj), f"task-{n}")
            generate(s, now=NOW, horizon_days=30)
            actor = Actor.for_person(raj)
        with self.db.session() as s:
            occurrences = s.exec(select(Occurrence.id).where(Occurrence.period_key == "2026-Q2"))
            targets = [int(o or 0) for o in occurrences]
        for n, occurrence_id in enumerate(targets):
            with self.db.transaction() as s:
                attach_file_evidence(
                    session=s, store=store, actor=actor, occurrence_id=occurrence_id,
                    stream=io.BytesIO(PDF + str(n).encode()), original_name=f"review-{n}.pdf",
                    now=NOW, media_type="application/pdf",
                )  # fmt: skip
        with self.db.session() as s:
            self.files = {
                int(e.id or 0): self.evidence / str(e.storage_key)
                for e in s.exec(select(Evidence).order_by(Evidence.id))  # type: ignore[arg-type]
            }
        self.events = self.sql("SELECT count(*) FROM auditevent").scalar_one()

    def sql(self, text: str, **params: object) -> sa.CursorResult[tuple[object, ...]]:
        with self.db.engine.begin() as conn:
            return conn.execute(sa.text(text), params)

    def verify(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["audit", "verify", *args])
        return result.exit_code, result.output


@pytest.fixture
def trail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Trail]:
    made = Trail(tmp_path, monkeypatch, sqlite_template)
    yield made
    made.db.dispose()


def test_an_untouched_trail_and_its_files_verify(trail: Trail) -> None:
    code, out = trail.verify()
    assert code == 0, out
    assert f"Audit chain intact: {trail.events} events" in out
    assert "Evidence files intact: 3 file(s) re-hashed" in out


def _edit_details(t: Trail) -> None:
    t.sql('UPDATE auditevent SET details = \'{"sha256": "forged"}\' WHERE seq = 5')


def _edit_time(t: Trail) -> None:
    t.sql("UPDATE auditevent SET occurred_at = '2020-01-01 00:00:00.000000' WHERE seq = 5")


def _edit_actor(t: Trail) -> None:
    t.sql("UPDATE auditevent SET actor = 'mallory@evil.test' WHERE seq = 5")


def _delete_middle(t: Trail) -> None:
    t.sql("DELETE FROM auditevent WHERE seq = 5")


def _delete_last(t: Trail) -> None:
    t.sql("DELETE FROM auditevent WHERE seq = :s", s=t.events)


def _reorder(t: Trail) -> None:  # swap events 5 and 6
    for old, new in ((5, -1), (6, 5), (-1, 6)):
        t.sql("UPDATE auditevent SET seq = :new WHERE seq = :old", old=old, new=new)


def _rehash(t: Trail, seq: int) -> None:
    """Edit an event and recompute its own hash, as someone who knows the hash rules would."""
    with t.db.session() as s:
        data = event_as_dict(s.exec(select(AuditEvent).where(AuditEvent.seq == seq)).one())
    data["actor"] = "mallory@evil.test"
    t.sql(
        "UPDATE auditevent SET actor = :a, hash = :h WHERE seq = :s",
        a="mallory@evil.test",
        h=event_hash(data),
        s=seq,
    )


def _rehash_one(t: Trail) -> None:
    """Event 5 re-hashed: event 6 no longer points at it."""
    _rehash(t, 5)


def _rehash_last(t: Trail) -> None:
    """The newest event re-hashed: nothing points at it, but the head remembers its hash."""
    _rehash(t, t.events)


def _append_forged(t: Trail) -> None:
    """An event inserted by hand after the head, with a made-up hash."""
    t.sql(
        "INSERT INTO auditevent (seq, occurred_at, actor, actor_platform, action, subject_type,"
        " subject_id, details, prev_hash, hash) VALUES (:seq, '2026-05-21 00:00:00.000000',"
        " 'mallory', 'cli', 'evidence.submitted', 'occurrence', '1', '{}', 'x', :h)",
        seq=t.events + 1,
        h="f" * 64,
    )


def _append_well_hashed(t: Trail) -> None:
    """An event appended with correct chaining and hash, but the head row left alone."""
    with t.db.transaction() as s:
        record_event(
            session=s, actor=Actor.cli(), action="evidence.submitted",
            subject_type="occurrence", subject_id=1,
        )  # fmt: skip
    t.sql("UPDATE auditchainhead SET seq = :s, hash = (SELECT hash FROM auditevent WHERE seq = :s)",
          s=t.events)  # fmt: skip


TAMPERING: dict[str, tuple[Callable[[Trail], None], Callable[[Trail], str]]] = {
    "edited details": (_edit_details, lambda t: "BROKEN at event 5: event 5 was altered"),
    "edited time": (_edit_time, lambda t: "BROKEN at event 5: event 5 was altered"),
    "edited actor": (_edit_actor, lambda t: "BROKEN at event 5: event 5 was altered"),
    "deleted in the middle": (_delete_middle, lambda t: "BROKEN at event 5: expected event 5"),
    "deleted at the end": (_delete_last, lambda t: f"BROKEN at event {t.events}:"),
    "reordered": (_reorder, lambda t: "BROKEN at event 5: event 5 does not point"),
    "edited and re-hashed": (_rehash_one, lambda t: "BROKEN at event 6: event 6 does not point"),
    "last event edited and re-hashed": (_rehash_last, lambda t: f"BROKEN at event {t.events}:"),
    "appended with a forged hash": (_append_forged, lambda t: f"BROKEN at event {t.events + 1}"),
    "appended behind the head": (_append_well_hashed, lambda t: f"BROKEN at event {t.events + 1}:"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_audit_verify_names_each_kind_of_tampering_with_the_chain(trail: Trail, case: str) -> None:
    tamper, expected = TAMPERING[case]
    tamper(trail)
    code, out = trail.verify()
    assert code == 1, out
    assert expected(trail) in " ".join(out.split()), out


def test_appended_events_are_reported_as_appended_not_deleted(trail: Trail) -> None:
    _append_well_hashed(trail)
    code, out = trail.verify()
    assert code == 1 and "appended" in out and "deleted" not in out, out


def _writable(path: Path) -> Path:
    path.chmod(0o644)  # stored objects are read-only (0444): the attacker changes that first
    return path


def _swap_content(t: Trail, evidence_id: int) -> None:
    _writable(t.files[evidence_id]).write_bytes(PDF + b"a different review")


def _flip_one_byte(t: Trail, evidence_id: int) -> None:
    data = bytearray(t.files[evidence_id].read_bytes())
    data[20] ^= 0x01
    _writable(t.files[evidence_id]).write_bytes(bytes(data))


def _truncate(t: Trail, evidence_id: int) -> None:
    _writable(t.files[evidence_id]).write_bytes(t.files[evidence_id].read_bytes()[:100])


def _delete(t: Trail, evidence_id: int) -> None:
    t.files[evidence_id].unlink()


def _replace_by_rename(t: Trail, evidence_id: int) -> None:
    """Another evidence's file moved over this one (a new inode, as `mv` does)."""
    other = next(i for i in t.files if i != evidence_id)
    os.replace(t.files[other], t.files[evidence_id])


def _edit_recorded_hash(t: Trail, evidence_id: int) -> None:
    """The row is changed instead of the file: it now claims other content."""
    t.sql("UPDATE evidence SET sha256 = :h WHERE id = :i", h="0" * 64, i=evidence_id)


FILE_TAMPERING = {
    "content swapped": (_swap_content, "does not match its recorded SHA-256"),
    "one byte flipped": (_flip_one_byte, "does not match its recorded SHA-256"),
    "truncated": (_truncate, "does not match its recorded SHA-256"),
    "deleted": (_delete, "missing from the evidence store"),
    "replaced by another file": (_replace_by_rename, "does not match its recorded SHA-256"),
    "recorded hash edited": (_edit_recorded_hash, "does not match its recorded SHA-256"),
}


@pytest.mark.parametrize("case", list(FILE_TAMPERING))
def test_audit_verify_names_evidence_whose_file_changed_on_disk(trail: Trail, case: str) -> None:
    tamper, expected = FILE_TAMPERING[case]
    victim = sorted(trail.files)[1]
    tamper(trail, victim)
    code, out = trail.verify()
    flat = " ".join(out.split())
    assert code == 1, out
    assert "Audit chain intact" in flat  # the chain is fine; the file is not
    assert f"Evidence #{victim} (review-1.pdf): its file" in flat or (
        f"Evidence #{victim} (review-1.pdf): the stored file" in flat
    ), out
    assert expected in flat, out
    others = [i for i in trail.files if i != victim and case != "replaced by another file"]
    assert all(f"Evidence #{i} " not in flat for i in others), out
    assert "Evidence files BROKEN: " in flat


def test_no_files_skips_the_evidence_check(trail: Trail) -> None:
    _delete(trail, sorted(trail.files)[0])
    code, out = trail.verify("--no-files")
    assert code == 0 and "Evidence files" not in out, out


def _rewrite_history(t: Trail, seq: int) -> None:
    """Edit event `seq`, then re-hash it and every later event and the head, as someone with
    the database and the hash rules can: the chain verifies, only a head held elsewhere tells."""
    with t.db.session() as s:
        query = select(AuditEvent).where(col(AuditEvent.seq) >= seq).order_by(col(AuditEvent.seq))
        events = [event_as_dict(e) for e in s.exec(query)]
    events[0]["actor"], prev = "mallory@evil.test", events[0]["prev_hash"]
    for e in events:
        e["prev_hash"], e["hash"] = prev, ""
        e["hash"] = prev = event_hash(e)
        t.sql("UPDATE auditevent SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s",
              a=e["actor"], p=e["prev_hash"], h=e["hash"], s=e["seq"])  # fmt: skip
    t.sql("UPDATE auditchainhead SET hash = :h", h=prev)


def test_a_history_rewritten_before_a_witnessed_head_fails_the_witness_check(
    trail: Trail, tmp_path: Path
) -> None:
    digest = runner.invoke(app, ["digest"]).output.splitlines()  # the leadership channel's copy
    (tmp_path / "witnesses.txt").write_text("\n".join(digest))
    line = next(n for n, text in enumerate(digest, 1) if f"soc2bot-head.{trail.events}." in text)
    code, out = trail.verify("--witness", str(tmp_path / "witnesses.txt"))
    assert code == 0 and "Witnessed heads intact: the chain extends all 1" in out, out
    _rewrite_history(trail, 5)
    assert trail.verify()[0] == 0  # re-chained throughout: the database alone cannot tell
    code, out = trail.verify("--witness", str(tmp_path / "witnesses.txt"))
    flat = " ".join(out.split())
    assert (
        code == 1 and f"Witness BROKEN: witness line {line} (head event {trail.events}" in flat
    ), out
    assert f"event {trail.events} now has hash" in flat and "was rewritten" in flat, out

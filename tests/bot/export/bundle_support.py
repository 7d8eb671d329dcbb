"""Seed data and zip helpers for the evidence-bundle tests."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.audit.chain import canonical_json, event_hash
from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import (
    attach_file_evidence,
    complete_by_attestation,
    file_evidence,
    supersede_evidence,
)
from bot.work.occurrences import skip_occurrence
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    ItemDecision,
    Occurrence,
    Role,
    Task,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
REVIEW_PDF = b"%PDF-1.4 Q1 production access review, signed"
SCAN_PDF = b"%PDF-1.4 March vulnerability scan report"
DECISIONS_CSV = b"account,decision\nraj,keep\n"


@dataclass(frozen=True)
class Seeded:
    ana: Actor
    raj: Actor
    eve: Actor
    audrey: Actor
    store: LocalEvidenceStore


def make_store(root: Path, *, max_bytes: int = 10 * 1024 * 1024) -> LocalEvidenceStore:
    return LocalEvidenceStore(root, max_bytes=max_bytes, allowed_types=DEFAULT_ALLOWED_TYPES)


def occurrence_id(db: Database, task_key: str, period: str) -> int:
    with db.session() as s:
        occ = s.exec(
            select(Occurrence)
            .join(Task, col(Task.id) == Occurrence.task_id)
            .where(Task.key == task_key, Occurrence.period_key == period)
        ).one()
    return occ.id or 0


def seed(db: Database, store: LocalEvidenceStore) -> Seeded:
    """Two controls in New York time; files, attestations, a skip, a supersede, a campaign."""
    with db.transaction() as s:
        make_program(s, timezone="America/New_York", window=(dt.date(2026, 1, 1), WINDOW[1]))
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj <Iyer>")
        eve = make_person(s, "eve@acme.test")
        audrey = make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        review = make_control(s, owner=raj, title="Access review <script>alert(1)</script>")
        make_task(s, review)
        scans = make_control(s, "CC7.1-VS", owner=raj, criteria=("CC7.1", "CC7.2"))
        make_task(s, scans, "vuln-scan", schedule="monthly", due="7d", title="Scan for vulns")
        generate(s, now=NOW, horizon_days=60)
        actors = [Actor.for_person(p) for p in (ana, raj, eve, audrey)]
    seeded = Seeded(*actors, store=store)
    _evidence(db, seeded)
    _campaign(db, seeded)
    return seeded


def _evidence(db: Database, x: Seeded) -> None:
    def attach(actor: Actor, period: str, task: str, data: bytes, name: str) -> int:
        with db.transaction() as s:
            ev = attach_file_evidence(
                session=s, store=x.store, actor=actor, stream=io.BytesIO(data),
                occurrence_id=occurrence_id(db, task, period), original_name=name, now=NOW,
            )  # fmt: skip
            return ev.id or 0

    attach(x.raj, "2026-Q1", "prod-access-review", REVIEW_PDF, "q1 review.pdf")
    attach(x.raj, "2026-02", "vuln-scan", REVIEW_PDF, "same bytes.pdf")  # deduplicated
    wrong = attach(x.raj, "2026-03", "vuln-scan", SCAN_PDF, "march.pdf")
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=x.raj, occurrence_id=occurrence_id(db, "vuln-scan", "2026-01"),
            now=NOW, statement="=HYPERLINK(\"http://evil\") I ran the January scan",
        )  # fmt: skip
        supersede_evidence(
            session=s, actor=x.ana, evidence_id=wrong, reason="wrong month's report", now=NOW
        )
        skip_occurrence(
            session=s, actor=x.ana, reason="scanner migration",
            occurrence_id=occurrence_id(db, "vuln-scan", "2026-04"),
        )  # fmt: skip


def _campaign(db: Database, x: Seeded) -> None:
    with db.transaction() as s:
        campaign = Campaign(
            kind=CampaignKind.ACCESS_REVIEW,
            name="Q1 GitHub review",
            created_at=NOW - dt.timedelta(days=30),
            created_by_id=x.ana.person_id,
        )
        s.add(campaign)
        s.flush()
        decided = CampaignItem(
            campaign_id=campaign.id or 0, subject="raj", subject_email="raj@acme.test",
            reviewer_id=x.eve.person_id, decision=ItemDecision.KEEP,
            decided_by_id=x.eve.person_id, decided_at=NOW - dt.timedelta(days=29),
        )  # fmt: skip
        pending = CampaignItem(campaign_id=campaign.id or 0, subject="old-bot")
        s.add_all([decided, pending])
        stored = x.store.put(io.BytesIO(DECISIONS_CSV), original_name="decisions.csv")
        s.add(file_evidence(stored, x.eve, NOW, campaign_id=campaign.id))
        record_event(  # as the service records a campaign's document
            session=s, actor=x.eve, action="evidence.submitted", subject_type="campaign",
            subject_id=campaign.id or 0,
            details={"kind": "file", "sha256": stored.sha256, "name": stored.original_name},
        )  # fmt: skip


def entries(data: bytes | Path) -> dict[str, bytes]:
    raw = data.read_bytes() if isinstance(data, Path) else data
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rows(bundle: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(bundle[name].decode("utf-8"), newline="")))


def rewrite(src: Path, dst: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """A copy of the bundle zip with its entries changed by `change`."""
    changed = change(entries(src))
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in changed.items():
            zf.writestr(name, data)
    return dst


def extract(src: Path, folder: Path) -> Path:
    with zipfile.ZipFile(src) as zf:
        zf.extractall(folder)
    return folder


def rehashed(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with a manifest that lists each one's new hash and counts, as a forger
    would make it."""
    manifest = json.loads(files["manifest.json"])
    evidence = [n for n in files if n.startswith("files/")]
    manifest["counts"] |= {
        "evidence": len(rows(files, "evidence.csv")),
        "occurrences": len(rows(files, "occurrences.csv")),
        "files": len(evidence),
        "file_bytes": sum(len(files[n]) for n in evidence),
    }
    manifest["files"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in sorted(files.items())
        if name not in ("manifest.json", "manifest.sig")
    }
    return {**files, "manifest.json": json.dumps(manifest, indent=2).encode()}


def edited_csv(
    files: dict[str, bytes], name: str, change: Callable[[list[dict[str, str]]], None]
) -> dict[str, bytes]:
    """The files with `change` applied to the rows of one CSV (header kept)."""
    table = rows(files, name)
    header = next(csv.reader(io.StringIO(files[name].decode("utf-8"))))
    change(table)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=header)
    writer.writeheader()
    writer.writerows(table)
    return {**files, name: text.getvalue().encode("utf-8")}


def rechained(
    files: dict[str, bytes], seq: int, change: Callable[[dict[str, Any]], None]
) -> dict[str, bytes]:
    """The audit log with event `seq` changed and every later event re-hashed and re-linked,
    as someone who knows the hash rules would rewrite history; the manifest's head follows."""
    lines = files["audit_log.jsonl"].decode().splitlines()
    anchor, events = lines[0], [json.loads(line) for line in lines[1:]]
    prev = json.loads(anchor)["anchor"]["hash"]
    for event in events:
        if event["seq"] == seq:
            change(event)
        event["prev_hash"], event["hash"] = prev, ""
        event["hash"] = prev = event_hash(event)
    log = "\n".join([anchor, *(canonical_json(e) for e in events)]) + "\n"
    manifest = json.loads(files["manifest.json"])
    manifest["audit_chain"]["head"]["hash"] = prev
    return {
        **files,
        "audit_log.jsonl": log.encode(),
        "manifest.json": json.dumps(manifest).encode(),
    }

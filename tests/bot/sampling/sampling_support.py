"""A small program to sample from: a monthly and a daily control, a campaign with follow-ups."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlmodel import col, func, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import attach_file_evidence, complete_by_attestation
from bot.work.occurrences import skip_occurrence
from models import (
    AuditEvent,
    Campaign,
    CampaignItem,
    CampaignKind,
    FollowUp,
    ItemDecision,
    Occurrence,
    Role,
    Sample,
    Task,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 7, 2, 12, 0, tzinfo=dt.UTC)
H1 = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
SCAN_PDF = b"%PDF-1.4 March vulnerability scan"


@dataclass(frozen=True)
class Program:
    ana: Actor  # admin
    raj: Actor  # member, owns the controls
    audrey: Actor  # auditor
    lena: Actor  # leadership
    campaign_id: int


def build(db: Database, store: LocalEvidenceStore | None = None) -> Program:
    """CC7.1-VS (monthly scans, due 7 days in), CC7.2-LOG (a daily log review, due the same
    day), evidence on two scans, a skipped scan, and an access review of 30 accounts with
    three follow-ups."""
    with db.transaction() as s:
        make_program(s)
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN)
        raj = make_person(s, "raj@acme.test")
        audrey = make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        lena = make_person(s, "lena@acme.test", role=Role.LEADERSHIP)
        scans = make_control(s, "CC7.1-VS", owner=raj, criteria=("CC7.1",), title="Scans")
        make_task(s, scans, "vuln-scan", schedule="monthly", due="7d", title="Scan")
        logs = make_control(s, "CC7.2-LOG", owner=raj, criteria=("CC7.2",), title="Logs")
        make_task(s, logs, "log-review", schedule="daily", due="0d", title="Review logs")
        generate(s, now=NOW, horizon_days=0)
        campaign = Campaign(
            kind=CampaignKind.ACCESS_REVIEW,
            name="Q2 GitHub review",
            created_at=NOW - dt.timedelta(days=20),
            created_by_id=ana.id,
        )
        s.add(campaign)
        s.flush()
        items = [
            CampaignItem(campaign_id=campaign.id or 0, subject=f"user-{n:02d}") for n in range(30)
        ]
        s.add_all(items)
        s.flush()
        for n, item in enumerate(items[:3]):
            item.decision = ItemDecision.REVOKE
            s.add(
                FollowUp(
                    campaign_id=campaign.id or 0,
                    campaign_item_id=item.id,
                    title=f"Remove {item.subject}",
                    due_on=dt.date(2026, 6, 20 + n),
                    created_at=NOW - dt.timedelta(days=10),
                )
            )
        actors = [Actor.for_person(p) for p in (ana, raj, audrey, lena)]
    program = Program(*actors, campaign_id=campaign.id or 0)
    with db.transaction() as s:
        complete_by_attestation(
            session=s,
            actor=program.raj,
            now=NOW,
            occurrence_id=occurrence(db, "vuln-scan", "2026-01"),
        )
        skip_occurrence(
            session=s,
            actor=program.ana,
            reason="scanner migration",
            occurrence_id=occurrence(db, "vuln-scan", "2026-04"),
        )
        if store is not None:
            attach_file_evidence(
                session=s,
                store=store,
                actor=program.raj,
                stream=io.BytesIO(SCAN_PDF),
                occurrence_id=occurrence(db, "vuln-scan", "2026-03"),
                original_name="march.pdf",
                now=NOW,
            )
    return program


def occurrence(db: Database, task_key: str, period: str) -> int:
    with db.session() as s:
        found = s.exec(
            select(Occurrence.id)
            .join(Task, col(Task.id) == Occurrence.task_id)
            .where(Task.key == task_key, Occurrence.period_key == period)
        ).one()
    return int(found or 0)


def records(db: Database) -> tuple[int, int]:
    """Samples and audit events recorded so far: a refusal must leave both alone."""
    with db.session() as s:
        samples = s.exec(select(func.count()).select_from(Sample)).one()
        events = s.exec(select(func.count()).select_from(AuditEvent)).one()
    return int(samples), int(events)

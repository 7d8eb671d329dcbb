"""Training rounds: confirm by button, certificates as evidence, rates per team, yearly renewal."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest

from bot.campaigns.audience import refresh_campaign_audiences
from bot.campaigns.items import attach_certificate, confirm_training
from bot.campaigns.progress import completion_by_manager
from bot.campaigns.rounds import start_training_round
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.digest.messages import digest_details_view
from bot.digest.services import compose_digest
from bot.evidence.local import LocalEvidenceStore
from models import Campaign, CampaignStatus, EvidenceKind, ItemDecision
from tests.campaign_support import (
    START,
    Company,
    actor,
    build_company,
    events,
    evidence_of,
    item_of,
    outbox,
)

CERTIFICATE = b"%PDF-1.7\n" + b"Certificate of completion: security awareness 2026\n" * 40


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(tmp_path / "ev", max_bytes=10**6, allowed_types=DEFAULT_ALLOWED_TYPES)


@pytest.fixture
def company(db: Database) -> Company:
    return build_company(db)


@pytest.fixture
def round_id(db: Database, company: Company) -> int:
    with db.transaction() as session:
        started = start_training_round(
            session=session, actor=Actor.cli(), title="Security awareness training", now=START,
            link="https://learn.acme.test/security",
        )  # fmt: skip
    return started.campaign.id or 0


def upload(db: Database, store: LocalEvidenceStore, person_id: int, item_id: int, data: bytes):
    with db.transaction() as session:
        return attach_certificate(
            session=session, store=store, actor=actor(db, person_id), item_id=item_id,
            stream=io.BytesIO(data), original_name="certificate.pdf", now=START,
            media_type="application/pdf",
        )  # fmt: skip


def test_a_round_is_this_years_and_its_dm_offers_both_ways_to_finish(
    db: Database, round_id: int
) -> None:
    with db.session() as session:
        campaign = session.get(Campaign, round_id)
        assert campaign is not None
    assert campaign.name == "Security awareness training (2026)"
    assert campaign.details["next_round_on"] == "2027-03-02"
    [invite] = [r for r in outbox(db, "campaign:") if r.recipient == "UANA"]
    labels = [b["label"] for b in invite.payload["buttons"]]
    assert labels == ["Open training", "I have completed the training", "Attach certificate"]
    assert "I have completed Security awareness training (2026)." in invite.payload["text"]


def test_confirming_records_the_statement(db: Database, company: Company, round_id: int) -> None:
    person = company.employees[11]
    item = item_of(db, round_id, person)
    with db.transaction() as session:
        answer = confirm_training(session=session, actor=actor(db, person), item_id=item.id or 0,
                                  now=START)  # fmt: skip
    [evidence] = evidence_of(db, item.id or 0)
    assert evidence.statement == "I have completed Security awareness training (2026)."
    assert answer.card.decision is ItemDecision.COMPLETED
    assert [e.details["item"] for e in events(db, "campaign.training_completed")] == [item.id]


def test_a_certificate_completes_the_item_and_keeps_the_exact_bytes(
    db: Database, store: LocalEvidenceStore, company: Company, round_id: int
) -> None:
    person = company.employees[12]
    item = item_of(db, round_id, person)
    answer = upload(db, store, person, item.id or 0, CERTIFICATE)
    assert answer.card.decision is ItemDecision.COMPLETED
    [evidence] = evidence_of(db, item.id or 0)
    assert evidence.kind is EvidenceKind.FILE and evidence.note == "training certificate"
    served = b"".join(store.open(evidence.storage_key or ""))
    assert served == CERTIFICATE
    assert evidence.sha256 == hashlib.sha256(served).hexdigest()
    # A second certificate is kept too (the item stays completed, once).
    upload(db, store, person, item.id or 0, CERTIFICATE + b"page 2")
    assert len(evidence_of(db, item.id or 0)) == 2
    assert len(events(db, "campaign.training_completed")) == 1
    assert len(events(db, "evidence.submitted")) == 1


def test_nobody_attaches_a_certificate_to_someone_elses_item(
    db: Database, store: LocalEvidenceStore, company: Company, round_id: int
) -> None:
    theirs = item_of(db, round_id, company.employees[13])
    with pytest.raises(PermissionDenied, match="belongs to someone else"):
        upload(db, store, company.employees[14], theirs.id or 0, CERTIFICATE)
    with pytest.raises(PermissionDenied):
        upload(db, store, company.auditor, theirs.id or 0, CERTIFICATE)
    assert evidence_of(db, theirs.id or 0) == []
    stored = store.root / "sha256"
    assert not stored.exists() or not any(stored.rglob("*"))


def test_completion_rate_per_team_shows_in_the_digest(
    db: Database, company: Company, round_id: int
) -> None:
    for person in company.employees[1:10]:  # every Platform report
        with db.transaction() as session:
            confirm_training(session=session, actor=actor(db, person),
                             item_id=item_of(db, round_id, person).id or 0, now=START)  # fmt: skip
    with db.session() as session:
        rates = completion_by_manager(session=session)
        digest = compose_digest(session=session, now=START)
    by_team = {r.manager: (r.done, r.total) for r in rates}
    assert by_team["Platform Lead"] == (9, 9) and by_team["Sales Lead"] == (0, 9)
    assert by_team[None] == (0, 6)  # the admin and the five leads have no manager
    text = str(digest_details_view(digest))  # behind the digest's "Show details"
    assert "Training completion by team (manager)" in text
    assert "Platform Lead: 9 of 9 (100%)" in text


def test_the_next_round_starts_by_itself_a_year_later(
    db: Database, company: Company, round_id: int
) -> None:
    with db.transaction() as session:
        assert refresh_campaign_audiences(session=session, now=START).renewed == 0
    next_year = START + dt.timedelta(days=366)
    with db.transaction() as session:
        assert refresh_campaign_audiences(session=session, now=next_year).renewed == 1
    with db.transaction() as session:
        assert refresh_campaign_audiences(session=session, now=next_year).renewed == 0
    with db.session() as session:
        old = session.get(Campaign, round_id)
        new = session.get(Campaign, round_id + 1)
        assert old is not None and new is not None
    assert old.status is CampaignStatus.SUPERSEDED and new.version == "2027"
    stale = item_of(db, round_id, company.employees[0])
    with pytest.raises(Conflict), db.transaction() as session:
        confirm_training(session=session, actor=actor(db, company.employees[0]),
                         item_id=stale.id or 0, now=next_year)  # fmt: skip

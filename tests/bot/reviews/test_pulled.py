"""Starting a pulled access review: the frozen snapshot, its campaigns, one start only."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
from sqlmodel import col, select

from bot.connectors.facts import Account, Population
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.pulled import PulledReview, start_pulled_review
from models import (
    AuditEvent,
    Campaign,
    CampaignItem,
    ChatIdentity,
    Evidence,
    Occurrence,
    OccurrenceStatus,
    Platform,
    Role,
    Task,
)
from tests.bot.reviews.review_support import NOW, decide, items, person, q2, seed
from tests.factories import make_person
from tests.reliability.world import changed, fingerprint

SOURCE = {"type": "github", "org": "acme"}
LABEL = "GitHub organization acme"
# Rita reports to Mo, Eve to Gina; "ghost" maps to nobody; Mo has no manager.
TEAM = (
    Account("101", "rita-gh", email="rita@acme.test", mfa=True, last_active=NOW),
    Account("102", "eve", mfa=True, last_active=NOW - dt.timedelta(days=120)),
    Account("103", "ghost", privileges=("admin",), mfa=False),
    Account("104", "mo.chen", mfa=True),
)


def world(db: Database, reviewer: str = "manager", timezone: str = "UTC") -> dict[str, Actor]:
    """The review-support company, plus Lee (Raj's manager), Gina managing Eve, chat
    accounts for the managers and Raj, and the task pulling GitHub with `reviewer`."""
    actors = seed(db, timezone=timezone)
    with db.transaction() as s:
        raj, gina, eve = person(s, "raj"), person(s, "gina"), person(s, "eve")
        lee = make_person(s, "lee@acme.test", role=Role.LEADERSHIP, name="Lee Boss")
        raj.manager_id, eve.manager_id = lee.id, gina.id
        for who in (raj, gina, lee, person(s, "mo")):
            chat_id = "U" + who.email.split("@")[0].upper()
            s.add(ChatIdentity(person_id=who.id or 0, platform="slack", external_id=chat_id))
        task = s.exec(select(Task)).one()
        task.review = {"source": SOURCE, "reviewer": reviewer, "channel": "C123"}
        s.add_all([raj, eve, task])
        actors["lee"] = Actor.for_person(lee, platform=Platform.SLACK, platform_id="ULEE")
    return actors


def population(*accounts: Account, at: dt.datetime = NOW) -> Population:
    return Population("github", LABEL, at, accounts or TEAM)


def start(
    db: Database,
    store: LocalEvidenceStore,
    pop: Population | None = None,
    actor: Actor | None = None,
) -> PulledReview:
    occurrence_id = q2(db).id or 0
    with db.transaction() as s:
        return start_pulled_review(
            session=s, actor=actor or Actor.scheduler(), occurrence_id=occurrence_id,
            population=pop or population(), store=store, now=NOW,
        )  # fmt: skip


def shares(db: Database, started: PulledReview) -> dict[str, list[CampaignItem]]:
    """Each campaign's items by the name of its reviewer, in campaign order."""
    with db.session() as s:
        campaigns = [s.get(Campaign, cid) for cid in started.campaign_ids]
    return {str(c.details["reviewer_name"]): items(db, c.id or 0) for c in campaigns if c}


def stored_files(store: LocalEvidenceStore) -> list[str]:
    return sorted(p.name for p in store.root.rglob("*") if p.is_file())


def test_the_snapshot_is_filed_once_with_hashes_of_the_stored_bytes(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    started = start(db, store)
    with db.session() as s:
        files = s.exec(select(Evidence).order_by(col(Evidence.id))).all()
        campaigns = [s.get(Campaign, cid) for cid in started.campaign_ids]
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "review.snapshot_taken")).one()
    assert [(f.original_name, f.media_type, f.campaign_id) for f in files] == [
        ("access-review-prod-access-review-2026-Q2-snapshot.json", "application/json",
         started.campaign_ids[0]),
        ("access-review-prod-access-review-2026-Q2-snapshot.csv", "text/csv",
         started.campaign_ids[0]),
    ]  # fmt: skip
    data = {f.media_type: b"".join(store.open(f.storage_key or "")) for f in files}
    for f in files:
        assert f.sha256 == hashlib.sha256(data[f.media_type or ""]).hexdigest()
    document = json.loads(data["application/json"])
    assert (document["label"], document["count"], document["occurrence"]) == (
        LABEL, 4, started.occurrence_id,
    )  # fmt: skip
    assert [a["id"] for a in document["accounts"]] == ["102", "103", "104", "101"]  # by name
    rows = list(csv.reader(io.StringIO(data["text/csv"].decode())))
    assert rows[0][:3] == ["id", "account", "email"] and len(rows) == 5
    json_sha, csv_sha = files[0].sha256, files[1].sha256
    assert started.snapshot_sha256 == json_sha and (started.accounts, started.flagged) == (4, 2)
    assert event.subject_id == str(started.occurrence_id)
    assert event.details == {
        "source": LABEL, "accounts": 4, "flagged": 2, "pulled_at": NOW.isoformat(),
        "json_sha256": json_sha, "csv_sha256": csv_sha, "campaigns": list(started.campaign_ids),
    }  # fmt: skip
    for campaign in campaigns:  # every share names the same frozen snapshot
        assert campaign is not None and campaign.occurrence_id == started.occurrence_id
        assert campaign.details["snapshot"] == {"json_sha256": json_sha, "csv_sha256": csv_sha}
        assert campaign.details["source_spec"] == SOURCE and campaign.channel == "C123"


def test_one_review_for_the_owner_holds_every_account_flagged_first(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db, reviewer="owner")
    started = start(db, store)
    assert not started.split and len(started.campaign_ids) == 1
    ((reviewer, got),) = shares(db, started).items()
    assert reviewer == "Raj Iyer"
    assert [i.subject for i in got] == ["ghost", "eve", "mo.chen", "rita-gh"]
    ghost, eve, mo, rita = got
    assert ghost.details["flags"] == ["orphan", "privileged", "no_mfa"]
    assert ghost.details["role"] == "admin" and ghost.details["source_id"] == "103"
    assert eve.details["flags"] == ["unused"] and "flags" not in rita.details
    assert (rita.subject_email, mo.subject_email) == ("rita@acme.test", "mo@acme.test")
    with db.session() as s:
        assert {i.reviewer_id for i in got} == {person(s, "raj").id}


def test_a_second_start_is_refused_and_records_nothing(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    started = start(db, store)
    before, files = fingerprint(db), stored_files(store)
    with pytest.raises(Conflict, match=f"started already \\(camp-{started.campaign_ids[0]}\\)"):
        start(db, store, population(*TEAM[:2]))
    assert changed(before, fingerprint(db)) == [] and stored_files(store) == files


def test_only_an_admin_or_the_control_owner_starts_it(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db)
    before = fingerprint(db)
    with pytest.raises(PermissionDenied):
        start(db, store, actor=actors["eve"])
    assert changed(before, fingerprint(db)) == [] and stored_files(store) == []
    assert start(db, store, actor=actors["raj"]).accounts == 4


def test_closed_work_takes_no_review(db: Database, store: LocalEvidenceStore) -> None:
    world(db)
    with db.transaction() as s:
        occ = s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q2")).one()
        occ.status = OccurrenceStatus.SKIPPED
        s.add(occ)
    before = fingerprint(db)
    with pytest.raises(Conflict, match="skipped"):
        start(db, store)
    assert changed(before, fingerprint(db)) == []


def test_a_split_review_proves_its_work_only_when_the_last_share_completes(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db)
    started = start(db, store)
    by_reviewer = shares(db, started)
    assert list(by_reviewer) == ["Gina", "Mo Chen", "Raj Iyer"]
    deciders = {"Gina": "gina", "Mo Chen": "mo", "Raj Iyer": "raj"}
    for n, (reviewer, share) in enumerate(by_reviewer.items()):
        for item in share:
            outcome = decide(db, actors[deciders[reviewer]], item.id or 0, "keep", store)
        assert outcome.completed  # this share is complete…
        work = q2(db)
        last = n == len(by_reviewer) - 1
        assert (work.status is OccurrenceStatus.DONE) is last  # …the work only with the last
    with db.session() as s:
        proofs = s.exec(select(Evidence).where(Evidence.occurrence_id == work.id)).all()
        done = s.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.completed")).all()
    assert len(proofs) == 3 and work.proven  # each share's decisions prove the work
    assert len(done) == 1

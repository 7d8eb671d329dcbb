"""Catalog sync of policies: the registry, the review task, the published version, retirement."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.policy_sync import review_schedule
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from models import (
    AuditEvent,
    Control,
    Occurrence,
    Person,
    Policy,
    PolicyVersion,
    Task,
    VersionStatus,
)
from tests.catalog_text import as_yaml, with_policy

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
LINK_SHA = "ab" * 32
DOCUMENT = b"# Acceptable Use\n\nUse company systems for company work.\n"


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(
        tmp_path / "evidence", max_bytes=1 << 20, allowed_types=DEFAULT_ALLOWED_TYPES
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The catalog file's folder, with the policy document beside it."""
    (tmp_path / "catalog" / "policies").mkdir(parents=True)
    (tmp_path / "catalog" / "policies" / "aup.md").write_bytes(DOCUMENT)
    return tmp_path / "catalog"


def sync(db: Database, data: dict[str, Any], **files: Any) -> list[str]:
    spec = validate_catalog_text(as_yaml(data))
    report, _ = apply_catalog(
        db, spec, actor=Actor.cli(), now=NOW, horizon_days=90, accept_overdue=True, **files
    )
    return report.changes


def file_policy(**fields: Any) -> dict[str, Any]:
    return with_policy(document={"file": "policies/aup.md"}, **fields)


def policy(db: Database) -> Policy:
    with db.session() as session:
        return session.exec(select(Policy).where(Policy.key == "acceptable-use")).one()


def versions(db: Database) -> list[PolicyVersion]:
    with db.session() as session:
        query = select(PolicyVersion).order_by(col(PolicyVersion.id))
        return list(session.exec(query).all())


def events(db: Database, prefix: str = "policy.") -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
    return [(e.action, e.details) for e in rows if e.action.startswith(prefix)]


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def person_ids(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {p.email: p.id or 0 for p in session.exec(select(Person)).all()}


def test_first_sync_registers_the_policy_with_its_approvers_in_order(db: Database) -> None:
    changes = sync(db, with_policy())
    ids, registered = person_ids(db), policy(db)
    assert registered.title == "Acceptable Use Policy"
    assert registered.owner_id == ids["raj@acme.test"]
    assert registered.approver_ids == [ids["lee@acme.test"], ids["ana@acme.test"]]
    assert (registered.review_cycle, registered.audience) == ("12m", "all")
    assert registered.control_keys == ["CC6.1-AR"] and registered.retired_at is None
    assert "policy.registered acceptable-use" in changes
    assert "policy.version_registered acceptable-use" in changes
    [(action, details)] = events(db, "policy.registered")
    assert details["owner"] == "raj@acme.test"
    assert details["approvers"] == ["lee@acme.test", "ana@acme.test"]
    assert details["review_task"] == "policy-acceptable-use"


def test_the_review_is_a_task_of_the_first_control_done_by_the_owner(db: Database) -> None:
    data = with_policy(controls=["A1.2-BACKUP", "CC6.1-AR"])
    sync(db, data)
    raj = person_ids(db)["raj@acme.test"]
    with db.session() as session:
        task = session.exec(select(Task).where(Task.key == "policy-acceptable-use")).one()
        occurrences = session.exec(select(Occurrence).where(Occurrence.task_id == task.id)).all()
        control_key = session.exec(select(Control.key).where(Control.id == task.control_id)).one()
    assert (task.title, task.kind, task.schedule) == (
        "Review Acceptable Use Policy",
        "policy_review",
        "annual",
    )
    assert (task.due_offset, task.evidence.value, task.assignee_id) == ("30d", "any", raj)
    assert control_key == "A1.2-BACKUP"
    assert policy(db).task_id == task.id
    # The window is 2026-01-01..06-30: this year's review, due 30 days in, done by the owner.
    assert [(o.period_key, o.assignee_id) for o in occurrences] == [("2026", raj)]
    assert occurrences[0].due_on == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("cycle", "schedule"),
    [
        ("12m", "annual"),
        ("6m", "semiannual"),
        ("3M", "quarterly"),
        ("1m", "monthly"),
        ("18m", "RRULE:FREQ=MONTHLY;INTERVAL=18;BYMONTHDAY=1"),
    ],
)
def test_the_review_cycle_sets_the_review_schedule(cycle: str, schedule: str) -> None:
    assert review_schedule(cycle) == schedule


def test_a_quarterly_review_gets_an_occurrence_each_quarter(db: Database) -> None:
    sync(db, with_policy(review="3m"))
    with db.session() as session:
        keys = session.exec(
            select(Occurrence.period_key)
            .join(Task)
            .where(Task.key == "policy-acceptable-use")
            .order_by(col(Occurrence.period_start))
        ).all()
    assert policy(db).review_cycle == "3m"
    assert keys == ["2026-Q1", "2026-Q2"]  # up to the 90-day horizon


def test_a_linked_document_is_the_published_version_with_its_hash(db: Database) -> None:
    sync(db, with_policy())
    [version] = versions(db)
    assert (version.version, version.status) == ("2026.1", VersionStatus.PUBLISHED)
    assert (version.link, version.sha256) == ("https://wiki.acme.test/aup", LINK_SHA)
    assert version.storage_key is None and version.submitted_by_id is None
    assert version.published_at is not None and version.details == {"from": "catalog"}
    assert policy(db).current_version_id == version.id
    [(_, details)] = events(db, "policy.version_registered")
    assert (details["version"], details["sha256"], details["superseded"]) == (
        "2026.1",
        LINK_SHA,
        [],
    )


def test_a_file_document_is_kept_in_the_evidence_store(
    db: Database, store: LocalEvidenceStore, folder: Path
) -> None:
    sync(db, file_policy(), store=store, base_dir=folder)
    [version] = versions(db)
    assert version.sha256 == hashlib.sha256(DOCUMENT).hexdigest()
    assert (version.document_name, version.size, version.link) == ("aup.md", len(DOCUMENT), None)
    assert version.status is VersionStatus.PUBLISHED
    assert version.storage_key is not None
    assert b"".join(store.open(version.storage_key)) == DOCUMENT


def test_a_file_document_matches_the_hash_the_catalog_gives(
    db: Database, store: LocalEvidenceStore, folder: Path
) -> None:
    good = hashlib.sha256(DOCUMENT).hexdigest()
    data = with_policy(document={"file": "policies/aup.md", "sha256": good.upper()})
    sync(db, data, store=store, base_dir=folder)
    assert versions(db)[0].sha256 == good
    with pytest.raises(InvalidInput, match="has SHA-256 .* but the catalog says"):
        sync(db, with_policy(id="other", document={"file": "policies/aup.md", "sha256": "0" * 64}),
             store=store, base_dir=folder)  # fmt: skip


def test_a_file_document_without_a_store_is_refused_and_nothing_is_written(
    db: Database, folder: Path
) -> None:
    with pytest.raises(InvalidInput, match="no evidence store was given"):
        sync(db, file_policy(), base_dir=folder)
    assert count(db, Policy) == 0 and count(db, AuditEvent) == 0


def test_a_missing_document_file_is_a_clear_error(
    db: Database, store: LocalEvidenceStore, folder: Path
) -> None:
    data = with_policy(document={"file": "policies/gone.md"})
    with pytest.raises(InvalidInput, match="cannot read document file policies/gone.md"):
        sync(db, data, store=store, base_dir=folder)
    assert count(db, Policy) == 0


def test_a_second_sync_of_the_same_catalog_writes_nothing(
    db: Database, store: LocalEvidenceStore, folder: Path
) -> None:
    data = file_policy()
    data["policies"].append(with_policy(id="backup-policy")["policies"][0])
    sync(db, data, store=store, base_dir=folder)
    before = (count(db, AuditEvent), count(db, PolicyVersion), count(db, Occurrence))
    assert sync(db, data, store=store, base_dir=folder) == []
    assert (count(db, AuditEvent), count(db, PolicyVersion), count(db, Occurrence)) == before


def test_a_new_version_in_the_catalog_supersedes_the_published_one(db: Database) -> None:
    sync(db, with_policy())
    new_sha = "cd" * 32
    link = "https://wiki.acme.test/aup-2"
    changes = sync(db, with_policy(version="2026.2", document={"link": link, "sha256": new_sha}))
    assert changes == ["policy.version_registered acceptable-use"]
    old, new = versions(db)
    assert (old.version, old.status) == ("2026.1", VersionStatus.SUPERSEDED)
    assert (new.version, new.status, new.sha256) == ("2026.2", VersionStatus.PUBLISHED, new_sha)
    assert policy(db).current_version_id == new.id
    assert events(db, "policy.version_registered")[-1][1]["superseded"] == ["2026.1"]


def test_a_changed_document_under_the_same_version_is_refused(db: Database) -> None:
    sync(db, with_policy())
    document = {"link": "https://wiki.acme.test/aup", "sha256": "cd" * 32}
    with pytest.raises(InvalidInput, match="version 2026.1 is registered with another document"):
        sync(db, with_policy(document=document))
    assert [v.sha256 for v in versions(db)] == [LINK_SHA]


def test_changes_to_the_registry_are_logged_with_people_by_email(db: Database) -> None:
    sync(db, with_policy())
    changes = sync(db, with_policy(approvers=["ana@acme.test"], audience="role:member"))
    assert changes == ["policy.updated acceptable-use (approvers, audience)"]
    [(_, details)] = events(db, "policy.updated")
    assert details["changes"]["approvers"] == [
        ["lee@acme.test", "ana@acme.test"],
        ["ana@acme.test"],
    ]
    assert policy(db).approver_ids == [person_ids(db)["ana@acme.test"]]


def test_a_policy_removed_from_the_catalog_is_retired_with_its_review(db: Database) -> None:
    sync(db, with_policy())
    data = with_policy()
    del data["policies"]
    changes = sync(db, data)
    assert "policy.retired acceptable-use" in changes
    assert "task.retired policy-acceptable-use" in changes
    with db.session() as session:
        task = session.exec(select(Task).where(Task.key == "policy-acceptable-use")).one()
    assert policy(db).retired_at is not None and task.retired_at is not None
    assert len(versions(db)) == 1  # its history stays
    assert sync(db, data) == []
    restored = sync(db, with_policy())
    assert "policy.updated acceptable-use (retired_at)" in restored
    assert policy(db).retired_at is None

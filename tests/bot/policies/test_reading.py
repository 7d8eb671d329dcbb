"""`policies` and `policy <id>`: each state, history with approvals, read on both platforms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core.db import Database
from bot.evidence.store import EvidenceStore
from bot.policies.approvals import decide_version
from bot.policies.facts import PolicyState
from bot.policies.reading import list_policies, policy_detail
from bot.policies.services import replace_document, submit_version
from bot.policies.views import policies_view, policy_view
from tests.bot.policies.policy_support import (
    KEY,
    LINK,
    NOW,
    OLD_SHA,
    PDF,
    People,
    actor,
    build_world,
    evidence_store,
    stored,
)
from tests.both_platforms import both

UTC = dt.UTC


@pytest.fixture
def people(db: Database) -> People:
    return build_world(db)


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return evidence_store(tmp_path / "evidence")


def state_at(db: Database, now: dt.datetime) -> PolicyState:
    with db.session() as session:
        [row] = list_policies(session=session, now=now)
    return row.state


def test_each_state_a_policy_goes_through(
    db: Database, people: People, store: EvidenceStore
) -> None:
    assert state_at(db, dt.datetime(2025, 12, 31, tzinfo=UTC)) is PolicyState.CURRENT
    assert state_at(db, NOW) is PolicyState.IN_REVIEW
    assert state_at(db, dt.datetime(2026, 2, 3, tzinfo=UTC)) is PolicyState.OVERDUE
    with db.transaction() as session:
        row = submit_version(session=session, actor=actor(db, people.owner), policy_key=KEY,
                             version="1.1", now=NOW, document=stored(store, PDF))  # fmt: skip
        version_id = row.id or 0
    with db.session() as session:
        [listed] = list_policies(session=session, now=NOW)
    assert listed.state is PolicyState.AWAITING_APPROVAL and (listed.step, listed.steps) == (1, 2)
    with db.transaction() as session:
        decide_version(session=session, actor=actor(db, people.first), version_id=version_id,
                       approve=True, now=NOW)  # fmt: skip
    with db.session() as session:
        [listed] = list_policies(session=session, now=dt.datetime(2026, 2, 3, tzinfo=UTC))
    assert listed.step == 2 and listed.overdue
    shown = both(policies_view([listed]))
    for text in shown.values():
        assert "awaiting approval of 1.1 (step 2 of 2) · review overdue" in text
    with db.transaction() as session:
        decide_version(session=session, actor=actor(db, people.second), version_id=version_id,
                       approve=False, now=NOW, comment="Date it")  # fmt: skip
    assert state_at(db, NOW) is PolicyState.CHANGES_REQUESTED


def test_a_policy_in_full_shows_its_document_versions_and_every_approval(
    db: Database, people: People, store: EvidenceStore
) -> None:
    first = stored(store, PDF)
    with db.transaction() as session:
        row = submit_version(session=session, actor=actor(db, people.owner), policy_key=KEY,
                             version="1.1", now=NOW, document=first)  # fmt: skip
        version_id = row.id or 0
    with db.transaction() as session:
        decide_version(session=session, actor=actor(db, people.first), version_id=version_id,
                       approve=True, now=NOW, comment="Fine by me")  # fmt: skip
    with db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.owner), version_id=version_id,
                         now=NOW, document=stored(store, PDF + b"%2"))  # fmt: skip
    with db.session() as session:
        detail = policy_detail(session=session, key=KEY, now=NOW)
    assert detail.current is not None and detail.current.sha256 == OLD_SHA
    [approval] = detail.versions[0].approvals
    assert approval.sha256 == first.sha256 and approval.invalidated_at is not None
    view = policy_view(detail, zone=UTC)
    assert [b.url for b in view.buttons] == [LINK]  # the published version is a link
    for platform, text in both(view).items():
        assert "Version 1.1 — awaiting approval" in text, platform
        assert "Step 1: Eve Park approved Mon 12 Jan 2026 15:00" in text, platform
        assert "“Fine by me”" in text and "no longer counts: the document changed" in text
        assert OLD_SHA in text and "registered from the catalog" in text

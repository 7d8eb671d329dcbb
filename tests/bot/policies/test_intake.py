"""A new document from chat: the version its message names, the next one, submit or replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.db import Database
from bot.evidence.store import EvidenceStore
from bot.policies.intake import next_version, receive_document, version_in_text
from models import VersionStatus
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    PDF,
    People,
    actor,
    build_world,
    evidence_store,
    stored,
    versions,
)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("", None),
        ("fixed 2 typos", None),  # a lone number is not a version
        ("v2", "2"),
        ("version 3.0, final", "3.0"),
        ("here is 1.2", "1.2"),
        ("see #12", None),
    ],
)
def test_the_version_a_message_names(text: str, version: str | None) -> None:
    assert version_in_text(text) == version


def test_the_next_version_is_the_last_number_plus_one_and_unused() -> None:
    assert next_version("1.0", set()) == "1.1"
    assert next_version("1.0", {"1.1"}) == "1.2"
    assert next_version("v3", set()) == "v4"
    assert next_version(None, set()) == "1"
    assert next_version("draft", set()) == "draft.1"


@pytest.fixture
def people(db: Database) -> People:
    return build_world(db)


def test_a_file_without_a_version_is_the_next_one_or_the_revised_document_in_approval(
    db: Database, people: People, tmp_path: Path
) -> None:
    store: EvidenceStore = evidence_store(tmp_path / "evidence")
    owner = actor(db, people.owner)
    with db.transaction() as session:
        receive_document(session=session, actor=owner, policy_key=KEY, version=None, now=NOW,
                         document=stored(store, PDF))  # fmt: skip
    with db.transaction() as session:
        receive_document(session=session, actor=owner, policy_key=KEY, version=None, now=NOW,
                         document=stored(store, PDF + b"%2"))  # fmt: skip
    [_, pending] = versions(db)
    assert pending.version == "1.1" and pending.sha256 == stored(store, PDF + b"%2").sha256
    with db.transaction() as session:
        receive_document(session=session, actor=owner, policy_key=KEY, version="2.0", now=NOW,
                         document=stored(store, PDF + b"%3"))  # fmt: skip
    statuses = [(v.version, v.status) for v in versions(db)]
    assert statuses[1:] == [
        ("1.1", VersionStatus.WITHDRAWN),
        ("2.0", VersionStatus.AWAITING_APPROVAL),
    ]

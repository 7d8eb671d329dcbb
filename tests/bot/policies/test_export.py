"""The auditor's bundle: a policy's versions, approvals (one invalidated by a new document, one
request for changes) and publication are listed and check out against the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from bot.core.actor import Actor
from bot.core.db import Database
from bot.export.bundle import build_bundle
from bot.export.verify import verify_bundle
from bot.policies.approvals import decide_version
from bot.policies.services import replace_document, submit_version
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    PDF,
    actor,
    build_world,
    evidence_store,
    stored,
)


def test_a_policy_reviewed_in_chat_verifies_in_the_bundle(db: Database, tmp_path: Path) -> None:
    people, store = build_world(db), evidence_store(tmp_path / "evidence")
    owner = actor(db, people.owner)

    def decide(who: int, version_id: int, approve: bool = True, comment: str | None = None) -> None:
        with db.transaction() as session:
            decide_version(session=session, actor=actor(db, who), version_id=version_id,
                           approve=approve, now=NOW, comment=comment)  # fmt: skip

    def replace(version_id: int, content: bytes) -> None:
        with db.transaction() as session:
            replace_document(session=session, actor=owner, version_id=version_id, now=NOW,
                             document=stored(store, content))  # fmt: skip

    with db.transaction() as session:
        version_id = submit_version(session=session, actor=owner, policy_key=KEY, version="1.1",
                                    now=NOW, document=stored(store, PDF)).id or 0  # fmt: skip
    decide(people.first, version_id)
    replace(version_id, PDF + b"% 2\n")  # Eve's approval stops counting
    decide(people.first, version_id)
    decide(people.second, version_id, approve=False, comment="Date the review")
    replace(version_id, PDF + b"% 3\n")
    decide(people.first, version_id)
    decide(people.second, version_id)  # published

    out = tmp_path / "bundle.zip"
    build_bundle(db=db, store=store, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                 out=out, actor=Actor.cli(), now=NOW + dt.timedelta(days=1))  # fmt: skip
    assert verify_bundle(out).problems == []
    with zipfile.ZipFile(out) as bundle:
        name = next(n for n in bundle.namelist() if n.endswith("policies.csv"))
        rows = list(csv.DictReader(io.StringIO(bundle.read(name).decode("utf-8"))))
    decided = [(r["approval_step"], r["decision"], bool(r["invalidated_at"])) for r in rows
               if r["version"] == "1.1"]  # fmt: skip
    assert sorted(decided) == [
        ("1", "approved", False), ("1", "approved", True), ("1", "approved", True),
        ("2", "approved", False), ("2", "changes_requested", True),
    ]  # fmt: skip

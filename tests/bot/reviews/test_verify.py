"""Revoked access, verified against a fresh pull: closed with proof, or chased until gone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from bot.connectors.facts import Account, Population, SourceError
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.verify import close_verified, follow_ups_to_check, verify_revocations
from models import AuditEvent, Evidence, FollowUp, FollowUpStatus, OutboxMessage
from tests.bot.reviews.review_support import decide, person
from tests.bot.reviews.test_pulled import LABEL, SOURCE, TEAM, population, shares, start, world

DUE = dt.date(2026, 5, 27)  # five business days after the review (Wed 20 May)
MORNING = dt.datetime(2026, 5, 21, 9, 0, tzinfo=dt.UTC)
RITA, EVE, GHOST, MO = TEAM


class FakePull:
    """The source as it is now: `accounts`, or `error`; counts the pulls."""

    def __init__(self, *accounts: Account, error: SourceError | None = None) -> None:
        self.accounts, self.error, self.calls = accounts, error, 0

    def __call__(
        self, spec: dict[str, Any], *, env: Mapping[str, str], now: dt.datetime
    ) -> Population:
        assert spec == SOURCE
        self.calls += 1
        if self.error:
            raise self.error
        return population(*self.accounts, at=now)


def revoked(db: Database, store: LocalEvidenceStore, timezone: str = "UTC") -> dict[str, int]:
    """A review by the owner that revoked ghost, rita-gh and eve: their follow-ups by account."""
    actors = world(db, reviewer="owner", timezone=timezone)
    ((_, got),) = shares(db, start(db, store)).items()
    for item in got:
        decision = "keep" if item.subject == "mo.chen" else "revoke"
        decide(db, actors["raj"], item.id or 0, decision, store)
    with db.session() as s:
        follow_ups = s.exec(select(FollowUp).order_by(col(FollowUp.id))).all()
        assert {f.due_on for f in follow_ups} == {DUE}
        assert {f.assignee_id for f in follow_ups} == {person(s, "raj").id}
    return {f.title.removeprefix("Remove access: "): f.id or 0 for f in follow_ups}


def check(db: Database, store: LocalEvidenceStore, ids: list[int], *accounts: Account,
          now: dt.datetime = MORNING) -> tuple[int, int]:  # fmt: skip
    with db.transaction() as s:
        return close_verified(
            session=s, population=population(*accounts, at=now), follow_up_ids=ids,
            store=store, now=now,
        )  # fmt: skip


def follow_up(db: Database, follow_up_id: int) -> FollowUp:
    with db.session() as s:
        found = s.get(FollowUp, follow_up_id)
        assert found is not None
        return found


def outbox_keys(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage.idempotency_key).order_by(col(OutboxMessage.id))))


def test_gone_or_suspended_access_closes_its_follow_up_with_proof(
    db: Database, store: LocalEvidenceStore
) -> None:
    ids = revoked(db, store)
    suspended = dataclasses.replace(RITA, active=False)
    assert check(db, store, list(ids.values()), suspended, EVE, MO) == (2, 1)  # ghost is gone
    with db.session() as s:
        proofs = s.exec(select(Evidence).where(col(Evidence.statement).is_not(None))
                        .where(col(Evidence.storage_key).is_not(None))).all()  # fmt: skip
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "follow_up.completed")).all()
    (sha,) = {p.sha256 for p in proofs}  # one re-pulled snapshot proves both
    data = b"".join(store.open(proofs[0].storage_key or ""))
    assert hashlib.sha256(data).hexdigest() == sha
    assert [a["id"] for a in json.loads(data)["accounts"]] == ["102", "104", "101"]
    statements = {p.statement for p in proofs}
    assert statements == {
        f"absent from {LABEL} at 2026-05-21 09:00 UTC, snapshot sha256 {sha}",
        f"suspended in {LABEL} at 2026-05-21 09:00 UTC, snapshot sha256 {sha}",
    }
    assert {e.details["verified"] for e in events} == statements
    assert {e.details["sha256"] for e in events} == {sha}
    for name in ("ghost", "rita-gh"):
        done = follow_up(db, ids[name])
        assert (done.status, done.done_at) == (FollowUpStatus.DONE, MORNING)
    still = follow_up(db, ids["eve"])
    assert (still.status, still.checked_at) == (FollowUpStatus.OPEN, MORNING)
    assert outbox_keys(db) == []  # not due yet: nobody is chased


def test_a_privileged_account_that_lost_its_rights_counts_as_revoked(
    db: Database, store: LocalEvidenceStore
) -> None:
    ids = revoked(db, store)
    assert check(db, store, [ids["ghost"]], GHOST) == (0, 1)  # still an admin
    demoted = dataclasses.replace(GHOST, privileges=())
    later = MORNING + dt.timedelta(days=1)
    assert check(db, store, [ids["ghost"]], demoted, now=later) == (1, 0)
    with db.session() as s:
        lost = col(Evidence.statement).startswith("no longer")
        proof = s.exec(select(Evidence).where(lost)).one()
    assert proof.statement == (
        f"no longer privileged in {LABEL} at 2026-05-22 09:00 UTC, snapshot sha256 {proof.sha256}"
    )
    # eve was never flagged privileged: still there, her follow-up stays open
    assert check(db, store, [ids["eve"]], dataclasses.replace(EVE, privileges=())) == (0, 1)


def test_access_still_there_after_its_due_day_is_chased_then_escalated_once(
    db: Database, store: LocalEvidenceStore
) -> None:
    ids = revoked(db, store)
    pull = FakePull(EVE, MO)  # ghost and rita are gone; eve's account stays
    eve = ids["eve"]
    at_nine = {day: dt.datetime(2026, m, day, 9, tzinfo=dt.UTC) for m, day in
               ((5, 27), (5, 28), (6, 1), (6, 5), (6, 8))}  # fmt: skip
    verify_revocations(db=db, store=store, env={}, now=at_nine[27], pull=pull)
    assert outbox_keys(db) == []  # the due day itself: no chasing yet
    verify_revocations(db=db, store=store, env={}, now=at_nine[28], pull=pull)
    assert outbox_keys(db) == [f"follow-up-still:{eve}:2026-05-28"]
    verify_revocations(db=db, store=store, env={}, now=at_nine[1], pull=pull)  # 3 bd late
    verify_revocations(db=db, store=store, env={}, now=at_nine[5], pull=pull)  # 7 bd late
    verify_revocations(db=db, store=store, env={}, now=at_nine[8], pull=pull)
    assert outbox_keys(db) == [
        f"follow-up-still:{eve}:2026-05-28",
        f"follow-up-still:{eve}:2026-06-01",
        f"follow-up-escalation:{eve}:manager",
        f"follow-up-still:{eve}:2026-06-05",
        f"follow-up-escalation:{eve}:compliance",
        f"follow-up-still:{eve}:2026-06-08",
    ]
    with db.session() as s:
        rows = s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [(r.recipient, r.kind) for r in rows[1:5]] == [
        ("URAJ", "reminder"), ("ULEE", "reminder"), ("URAJ", "reminder"), ("#soc2", "reminder"),
    ]  # fmt: skip
    assert "still in GitHub organization acme" in json.dumps(rows[0].payload)
    assert follow_up(db, eve).status is FollowUpStatus.OPEN and pull.calls == 5


def test_each_follow_up_is_checked_once_a_program_day(
    db: Database, store: LocalEvidenceStore
) -> None:
    ids = revoked(db, store)
    pull = FakePull(RITA, EVE, MO, GHOST)  # everything still there
    (outcome,) = verify_revocations(db=db, store=store, env={}, now=MORNING, pull=pull)
    assert (outcome.source, outcome.checked, outcome.closed, outcome.still_present) == (
        LABEL, 3, 0, 3,
    )  # fmt: skip
    assert (
        verify_revocations(db=db, store=store, env={}, now=MORNING.replace(hour=22), pull=pull)
        == []
    )
    assert pull.calls == 1
    with db.session() as s:
        again = follow_ups_to_check(session=s, now=MORNING, every_day=False)
        other = follow_ups_to_check(session=s, now=MORNING, every_day=False, task_key="other")
        tomorrow = follow_ups_to_check(session=s, now=MORNING + dt.timedelta(days=1))
    assert list(again.values()) == [sorted(ids.values())] and other == {}
    assert list(tomorrow.values()) == [sorted(ids.values())]
    assert list(again) == [json.dumps(SOURCE, sort_keys=True)]  # one pull per source


def test_the_day_is_the_programs_day(db: Database, store: LocalEvidenceStore) -> None:
    revoked(db, store, timezone="America/Los_Angeles")
    pull = FakePull(RITA, EVE, MO, GHOST)
    late_evening = dt.datetime(2026, 5, 21, 6, 0, tzinfo=dt.UTC)  # 23:00 on the 20th in LA
    verify_revocations(db=db, store=store, env={}, now=late_evening, pull=pull)
    verify_revocations(db=db, store=store, env={}, now=late_evening.replace(hour=9), pull=pull)
    assert pull.calls == 2  # 02:00 on the 21st in LA: a new program day, checked again
    verify_revocations(db=db, store=store, env={}, now=late_evening.replace(hour=23), pull=pull)
    assert pull.calls == 2  # 16:00 on the 21st in LA: same day


def test_a_failed_re_pull_closes_nothing_and_checks_again_later(
    db: Database, store: LocalEvidenceStore
) -> None:
    ids = revoked(db, store)
    error = SourceError(LABEL, "the token was refused (401)", kind="unauthorized")
    (outcome,) = verify_revocations(
        db=db, store=store, env={}, now=MORNING, pull=FakePull(error=error)
    )
    assert outcome.failure == f"{LABEL}: the token was refused (401)" and outcome.closed == 0
    for follow_up_id in ids.values():
        found = follow_up(db, follow_up_id)
        assert (found.status, found.checked_at) == (FollowUpStatus.OPEN, None)
    (retry,) = verify_revocations(db=db, store=store, env={}, now=MORNING, pull=FakePull(MO))
    assert (retry.closed, retry.still_present) == (3, 0)

"""Access reviews: starting, routing, deciding, completing into evidence and follow-ups."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from sqlmodel import Session, col, select

from bot.audit.verify import verify_chain
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.store import EvidenceStoreUnavailable, StoredFile
from bot.reviews.csv_files import AccountRow
from bot.reviews.services import (
    complete_follow_up,
    decide_review_item,
    get_review_progress,
    list_open_follow_ups,
    review_progress_for,
    start_access_review,
)
from models import (
    AuditEvent,
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    Evidence,
    EvidenceKind,
    FollowUp,
    FollowUpStatus,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Platform,
    Role,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)  # a Wednesday in 2026-Q2
ROWS = [
    AccountRow("alice", "alice@acme.test", "GitHub", "gina@acme.test"),
    AccountRow("bob", "bob@acme.test", "AWS", "gina@acme.test"),
    AccountRow("carol", None, None, "nobody@acme.test"),
]


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(tmp_path / "ev", max_bytes=10**6, allowed_types=DEFAULT_ALLOWED_TYPES)


def seed(db: Database, *, timezone: str = "UTC") -> dict[str, Actor]:
    """Ana admin, Raj owns the control, Rita reviews (Mo is her manager), Gina owns systems."""
    with db.transaction() as s:
        make_program(s, timezone=timezone)
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        mo = make_person(s, "mo@acme.test", name="Mo Chen")
        people = [ana, raj, mo, make_person(s, "rita@acme.test", name="Rita Roe", manager=mo)]
        people += [make_person(s, f"{n}@acme.test") for n in ("gina", "eve")]
        people.append(make_person(s, "audrey@acme.test", role=Role.AUDITOR))
        task = make_task(s, make_control(s, owner=raj))
        task.kind = "access_review"
        s.add(task)
        generate(s, now=NOW, horizon_days=30)
        return {
            p.email.split("@")[0]: Actor.for_person(p, platform=Platform.SLACK, platform_id="U1")
            for p in people
        }


def person(s: Session, name: str) -> Person:
    return s.exec(select(Person).where(Person.email == f"{name}@acme.test")).one()


def start(
    db: Database,
    actor: Actor,
    *,
    rows: list[AccountRow] = ROWS,
    reviewer: str = "rita",
    control: str | None = "CC6.1-AR",
    name: str = "Q2 prod access",
) -> int:
    with db.transaction() as s:
        campaign = start_access_review(
            session=s,
            actor=actor,
            name=name,
            rows=rows,
            reviewer=person(s, reviewer),
            channel="C123",
            now=NOW,
            control_key=control,
        )
        return campaign.id or 0


def items(db: Database, campaign_id: int) -> list[CampaignItem]:
    with db.session() as s:
        query = select(CampaignItem).where(CampaignItem.campaign_id == campaign_id)
        return list(s.exec(query.order_by(col(CampaignItem.id))).all())


def decide(db: Database, actor: Actor, item_id: int, decision: Any, store: Any) -> Any:
    with db.transaction() as s:
        return decide_review_item(
            session=s, actor=actor, item_id=item_id, decision=decision, now=NOW, store=store
        )


def actions(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))).all())


def q2(db: Database) -> Occurrence:
    with db.session() as s:
        return s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q2")).one()


def test_admin_starts_a_review_with_one_item_per_account(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"], control=None)
    with db.session() as s:
        campaign = s.get(Campaign, campaign_id)
        rita, gina = person(s, "rita"), person(s, "gina")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).one()
    assert campaign is not None and campaign.kind is CampaignKind.ACCESS_REVIEW
    assert (campaign.channel, campaign.details, campaign.occurrence_id) == (
        "C123",
        {"accounts": 3},
        None,
    )
    got = [
        (i.subject, i.subject_email, i.system_owner_id, i.reviewer_id)
        for i in items(db, campaign_id)
    ]
    assert got == [
        ("alice (GitHub)", "alice@acme.test", gina.id, rita.id),
        ("bob (AWS)", "bob@acme.test", gina.id, rita.id),
        ("carol", None, None, rita.id),  # unknown owner and no control: nobody
    ]
    assert event.subject_id == str(campaign_id)
    assert event.details["accounts"] == 3 and event.details["reviewer"] == "rita@acme.test"


def test_control_owner_starts_a_review_that_proves_the_current_work(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])
    with db.session() as s:
        campaign, raj = s.get(Campaign, campaign_id), person(s, "raj")
    assert campaign is not None and campaign.occurrence_id == q2(db).id
    assert items(db, campaign_id)[2].system_owner_id == raj.id  # unknown owner: the control's


@pytest.mark.parametrize(("who", "control"), [("eve", "CC6.1-AR"), ("raj", None), ("audrey", None)])
def test_members_who_do_not_own_the_control_and_auditors_cannot_start(
    db: Database, who: str, control: str | None
) -> None:
    actors = seed(db)
    with pytest.raises(PermissionDenied, match="admin or the control's owner"):
        start(db, actors[who], control=control)
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reviewer": "audrey"}, "auditor"),
        ({"name": "  "}, "name of 1 to 200"),
        ({"name": "x" * 201}, "name of 1 to 200"),
        ({"rows": []}, "no accounts"),
    ],
)
def test_bad_start_input_is_refused(db: Database, kwargs: dict[str, Any], message: str) -> None:
    actors = seed(db)
    with pytest.raises(InvalidInput, match=message):
        start(db, actors["ana"], **kwargs)


def test_an_inactive_reviewer_is_refused(db: Database) -> None:
    actors = seed(db)
    with db.transaction() as s:
        eve = person(s, "eve")
        eve.active = False
        s.add(eve)
    with pytest.raises(InvalidInput, match="not active"):
        start(db, actors["ana"], reviewer="eve")


def test_the_reviewers_own_account_goes_to_their_manager(db: Database) -> None:
    actors = seed(db)
    rows = [*ROWS, AccountRow("rita", "rita@acme.test", "GitHub", None)]
    campaign_id = start(db, actors["ana"], rows=rows)
    with db.session() as s:
        rita, mo = person(s, "rita"), person(s, "mo")
    assert [i.reviewer_id for i in items(db, campaign_id)] == [rita.id, rita.id, rita.id, mo.id]


def test_without_a_manager_the_own_account_goes_to_whoever_started_the_review(
    db: Database,
) -> None:
    actors = seed(db)
    campaign_id = start(
        db, actors["ana"], rows=[AccountRow("eve", "eve@acme.test", None, None)], reviewer="eve"
    )
    assert items(db, campaign_id)[0].reviewer_id == actors["ana"].person_id


def test_an_own_account_nobody_else_can_review_is_refused(db: Database) -> None:
    actors = seed(db)  # Ana has no manager and starts a review she reviews herself
    rows = [AccountRow("ana", "ana@acme.test", "AWS", None)]
    with pytest.raises(InvalidInput, match="Nobody else can review ana's own account"):
        start(db, actors["ana"], rows=rows, reviewer="ana", control=None)


def test_the_assigned_reviewer_decides_and_it_is_attested(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    outcome = decide(db, actors["rita"], first.id or 0, "keep", store)
    assert not outcome.completed and outcome.follow_ups == []
    decided = items(db, first.campaign_id)[0]
    assert decided.decision is ItemDecision.KEEP and decided.decided_at == NOW
    assert decided.decided_by_id == actors["rita"].person_id
    with db.session() as s:
        ev = s.exec(select(Evidence).where(Evidence.campaign_item_id == first.id)).one()
    assert ev.kind is EvidenceKind.ATTESTATION and ev.statement == "Keep access: alice (GitHub)"
    assert ev.platform is Platform.SLACK and ev.submitted_by_id == actors["rita"].person_id
    assert actions(db)[-1] == "review.item_decided"


@pytest.mark.parametrize("who", ["eve", "ana", "audrey"])
def test_someone_else_is_told_not_yours_and_nothing_is_recorded(
    db: Database, store: LocalEvidenceStore, who: str
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    before = actions(db)
    with pytest.raises(PermissionDenied, match="only the reviewer assigned to this item"):
        decide(db, actors[who], first.id or 0, "revoke", store)
    assert items(db, first.campaign_id)[0].decision is ItemDecision.PENDING
    assert actions(db) == before
    with db.session() as s:
        assert s.exec(select(Evidence)).all() == []


def test_nobody_decides_on_their_own_account_even_when_assigned(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    rows = [AccountRow("rita", "rita@acme.test", "GitHub", None)]
    own = items(db, start(db, actors["ana"], rows=rows))[0]
    with db.transaction() as s:  # e.g. reassigned by hand in the database
        row = s.get(CampaignItem, own.id)
        assert row is not None
        row.reviewer_id = actors["rita"].person_id
        s.add(row)
    with pytest.raises(PermissionDenied, match="you cannot decide on your own account"):
        decide(db, actors["rita"], own.id or 0, "keep", store)
    assert items(db, own.campaign_id)[0].decision is ItemDecision.PENDING


def test_a_second_decision_on_an_item_conflicts_and_says_who_decided(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    decide(db, actors["rita"], first.id or 0, "keep", store)
    with pytest.raises(Conflict, match="already decided .keep. by Rita Roe on 20 May 2026"):
        decide(db, actors["rita"], first.id or 0, "revoke", store)


def test_unknown_items_and_closed_reviews_are_refused(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"])
    with pytest.raises(NotFound):
        decide(db, actors["rita"], 999, "keep", store)
    with db.transaction() as s:
        campaign = s.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.CANCELLED
        s.add(campaign)
    with pytest.raises(Conflict, match="cancelled"):
        decide(db, actors["rita"], items(db, campaign_id)[0].id or 0, "keep", store)


def test_the_last_decision_completes_the_review_into_evidence_work_and_follow_ups(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])
    alice, bob, carol = items(db, campaign_id)
    decide(db, actors["rita"], alice.id or 0, "keep", store)
    decide(db, actors["rita"], bob.id or 0, "revoke", store)
    outcome = decide(db, actors["rita"], carol.id or 0, "revoke", store)

    assert outcome.completed and outcome.campaign.status is CampaignStatus.COMPLETED
    with db.session() as s:
        campaign = s.get(Campaign, campaign_id)
        (file,) = s.exec(select(Evidence).where(Evidence.campaign_id == campaign_id)).all()
        on_work = s.exec(select(Evidence).where(Evidence.occurrence_id == q2(db).id)).one()
        follow_ups = s.exec(select(FollowUp).order_by(col(FollowUp.id))).all()
        gina, raj = person(s, "gina"), person(s, "raj")
    assert campaign is not None and campaign.completed_at == NOW
    assert file.original_name == f"access-review-{campaign_id}-decisions.csv"
    assert file.media_type == "text/csv" and file.kind is EvidenceKind.FILE
    stored = b"".join(store.open(file.storage_key or ""))
    assert hashlib.sha256(stored).hexdigest() == file.sha256 and file.size == len(stored)
    when, who = "2026-05-20T14:00:00Z", ["rita@acme.test", "raj@acme.test"]  # reviewer, starter
    assert list(csv.reader(io.StringIO(stored.decode()))) == [
        ["account", "system", "email", "decision", "decided_by", "decided_at", "reviewer",
         "started_by"],
        ["alice", "GitHub", "alice@acme.test", "keep", "rita@acme.test", when, *who],
        ["bob", "AWS", "bob@acme.test", "revoke", "rita@acme.test", when, *who],
        ["carol", "", "", "revoke", "rita@acme.test", when, *who],
    ]  # fmt: skip
    assert (on_work.sha256, on_work.storage_key) == (file.sha256, file.storage_key)
    work = q2(db)
    assert work.status is OccurrenceStatus.DONE and work.completed_by_id == actors["rita"].person_id
    assert [(f.title, f.assignee_id, f.due_on, f.campaign_item_id) for f in follow_ups] == [
        ("Remove access: bob (AWS)", gina.id, dt.date(2026, 5, 27), bob.id),
        ("Remove access: carol", raj.id, dt.date(2026, 5, 27), carol.id),  # the control's owner
    ]
    tail = actions(db)[-6:]
    assert tail == [
        "review.item_decided",
        "evidence.submitted",
        "occurrence.completed",
        "follow_up.created",
        "follow_up.created",
        "campaign.completed",
    ]
    with db.session() as s:
        done = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.completed")).one()
        assert verify_chain(session=s).ok
    assert (done.details["kept"], done.details["revoked"], done.details["follow_ups"]) == (1, 2, 2)
    # The completion names both who started the review and who reviewed it.
    assert (done.details["started_by"], done.details["reviewed_by"]) == (
        "raj@acme.test",
        ["rita@acme.test"],
    )


def test_follow_ups_fall_back_to_whoever_started_a_review_without_a_control(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db, timezone="Pacific/Auckland")
    campaign_id = start(db, actors["ana"], control=None, rows=[ROWS[2]])
    thursday_evening_utc = dt.datetime(2026, 5, 21, 13, 0, tzinfo=dt.UTC)  # Friday in Auckland
    with db.transaction() as s:
        outcome = decide_review_item(
            session=s,
            actor=actors["rita"],
            item_id=items(db, campaign_id)[0].id or 0,
            decision="revoke",
            now=thursday_evening_utc,
            store=store,
        )
    (follow_up,) = outcome.follow_ups
    assert follow_up.assignee_id == actors["ana"].person_id
    assert follow_up.due_on == dt.date(2026, 5, 29)  # five business days after local Friday
    assert q2(db).status is OccurrenceStatus.PENDING  # no control: no work linked


class BrokenStore:
    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredFile:
        raise EvidenceStoreUnavailable("the evidence store is down")


def test_a_failing_store_leaves_the_last_decision_unrecorded(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"], rows=[ROWS[0]])
    with pytest.raises(EvidenceStoreUnavailable):
        decide(db, actors["rita"], items(db, campaign_id)[0].id or 0, "keep", BrokenStore())
    assert items(db, campaign_id)[0].decision is ItemDecision.PENDING
    assert q2(db).status is OccurrenceStatus.PENDING
    assert actions(db)[-1] == "campaign.started"


def test_progress_counts_decisions_and_names_reviewers(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    rows = [*ROWS, AccountRow("rita", "rita@acme.test", "GitHub", None)]
    campaign_id = start(db, actors["ana"], rows=rows)
    first = items(db, campaign_id)[0]
    decide(db, actors["rita"], first.id or 0, "revoke", store)
    with db.session() as s:
        progress = get_review_progress(session=s, campaign_id=campaign_id)
    assert (
        progress.total,
        progress.decided,
        progress.kept,
        progress.revoked,
        progress.pending,
    ) == (4, 1, 0, 1, 3)
    assert progress.reviewers == ["Rita Roe", "Mo Chen"] and progress.follow_ups == 0
    assert [r.item.subject for r in progress.items] == [
        "alice (GitHub)",
        "bob (AWS)",
        "carol",
        "rita (GitHub)",
    ]
    assert (progress.items[0].decided_by, progress.items[3].reviewer) == ("Rita Roe", "Mo Chen")


def test_progress_of_an_unknown_or_other_campaign_is_not_found(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        other = Campaign(kind=CampaignKind.POLICY_ACK, name="Handbook")
        s.add(other)
        s.flush()
        other_id = other.id or 0
    for campaign_id in (other_id, 999):
        with pytest.raises(NotFound), db.session() as s:
            get_review_progress(session=s, campaign_id=campaign_id)


def test_follow_ups_are_listed_for_their_assignee_and_done_once(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"], rows=[ROWS[1], ROWS[2]])
    for item in items(db, campaign_id):
        decide(db, actors["rita"], item.id or 0, "revoke", store)
    with db.session() as s:
        (for_gina,) = list_open_follow_ups(session=s, person_id=actors["gina"].person_id or 0)
        (for_raj,) = list_open_follow_ups(session=s, person_id=actors["raj"].person_id or 0)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        complete_follow_up(session=s, actor=actors["eve"], follow_up_id=for_gina.id or 0, now=NOW)
    with db.transaction() as s:
        done = complete_follow_up(
            session=s, actor=actors["gina"], follow_up_id=for_gina.id or 0, now=NOW
        )
        complete_follow_up(session=s, actor=actors["ana"], follow_up_id=for_raj.id or 0, now=NOW)
    assert done.status is FollowUpStatus.DONE and done.done_by_id == actors["gina"].person_id
    with pytest.raises(Conflict, match="already done"), db.transaction() as s:
        complete_follow_up(session=s, actor=actors["gina"], follow_up_id=for_gina.id or 0, now=NOW)
    with db.session() as s:
        assert list_open_follow_ups(session=s, person_id=actors["gina"].person_id or 0) == []
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "follow_up.completed")).all()
        assert verify_chain(session=s).ok
    assert [e.details.get("on_behalf") for e in events] == [None, True]


def test_the_controls_owner_reviews_it_only_when_an_admin_writes_why(db: Database) -> None:
    actors = seed(db)
    with pytest.raises(PermissionDenied, match="Raj Iyer owns CC6.1-AR"):
        start(db, actors["raj"], reviewer="raj")
    with pytest.raises(InvalidInput, match="give the reason"):
        start(db, actors["ana"], reviewer="raj")
    assert actions(db)[-1] != "campaign.started"
    with db.transaction() as s:
        campaign = start_access_review(
            session=s, actor=actors["ana"], name="Q2", rows=ROWS, reviewer=person(s, "raj"),
            channel="C1", now=NOW, control_key="CC6.1-AR", reason="  only Raj knows  the roles ",
        )  # fmt: skip
        assert campaign.details["owner_review_reason"] == "only Raj knows the roles"
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).one()
    assert event.details["owner_review_reason"] == "only Raj knows the roles"


def test_own_accounts_are_recognised_by_handle_without_an_email(db: Database) -> None:
    actors = seed(db)
    names = ["rita", "Rita Roe", "rita.roe", "RitaRoe", "@rita", "rita@acme.test", "ritual"]
    rows = [AccountRow(n, None, None, None) for n in names]
    campaign_id = start(db, actors["ana"], rows=rows, control=None)
    with db.session() as s:
        rita, mo = person(s, "rita"), person(s, "mo")
    assert [i.reviewer_id for i in items(db, campaign_id)] == [mo.id] * 6 + [rita.id]


def test_an_auditor_as_system_owner_is_refused(db: Database) -> None:
    actors = seed(db)
    rows = [AccountRow("svc", None, "AWS", "audrey@acme.test")]
    with pytest.raises(InvalidInput, match="audrey@acme.test cannot be a system owner"):
        start(db, actors["ana"], rows=rows)
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []


def test_only_a_reviews_people_may_page_it(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])  # Raj starts; Rita reviews
    for who in ("raj", "rita", "ana"):
        with db.session() as s:
            progress = review_progress_for(session=s, actor=actors[who], campaign_id=campaign_id)
            assert progress.total == 3
    for who in ("eve", "audrey", "mo"):
        with db.session() as s, pytest.raises(PermissionDenied, match="not yours"):
            review_progress_for(session=s, actor=actors[who], campaign_id=campaign_id)

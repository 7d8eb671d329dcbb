"""A pulled access review, decided and partly verified, for the evidence-bundle tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from bot.connectors.facts import Account, Population
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.export import build_bundle
from bot.reviews.pulled import start_pulled_review
from bot.reviews.services import decide_review_item
from bot.reviews.verify import close_verified
from models import CampaignItem, FollowUp, Occurrence, Person, Role
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
CHECKED = NOW + dt.timedelta(days=2)
WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
SOURCE = "GitHub organization acme"
ALICE = Account("101", "alice", "alice@acme.test", mfa=True)
BOB = Account("102", "bob", "bob@acme.test", privileges=("admin",), mfa=False)
MALLORY = Account("103", "mallory", None, privileges=("owner",))


@dataclass(frozen=True)
class PulledReview:
    """The review as the tests see it: who did what, and the ids the bundle should name."""

    ana: Actor
    raj: Actor
    auditor: Actor
    occurrence_id: int
    campaign_ids: tuple[int, ...]


def population(*accounts: Account, at: dt.datetime = NOW) -> Population:
    return Population("github", SOURCE, at, accounts)


def seed_pulled_review(
    db: Database, store: LocalEvidenceStore, *, reviewer: str = "owner"
) -> PulledReview:
    """Raj owns the control; the accounts are alice (Raj's report), bob (Mo's report) and
    mallory (nobody's). Alice is kept, bob and mallory revoked; then a re-pull finds bob gone
    (verified) and mallory still there (open)."""
    review = start_review(db, store, reviewer=reviewer)
    decide_all(db, store, {"alice": "keep", "bob": "revoke", "mallory": "revoke"})
    with db.transaction() as s:
        close_verified(
            session=s, population=population(ALICE, MALLORY, at=CHECKED),
            follow_up_ids=list(follow_ups(db).values()), store=store, now=CHECKED,
        )  # fmt: skip
    return review


def start_review(db: Database, store: LocalEvidenceStore, *, reviewer: str) -> PulledReview:
    """The company, and the review of its 2026-Q2 occurrence started by Raj at NOW."""
    with db.transaction() as s:
        make_program(s, window=WINDOW)
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        mo = make_person(s, "mo@acme.test", name="Mo Chen")
        auditor = make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        make_person(s, "alice@acme.test", manager=raj)
        make_person(s, "bob@acme.test", manager=mo)
        task = make_task(s, make_control(s, owner=raj))
        task.kind = "access_review"
        task.review = {
            "source": {"type": "github", "org": "acme"},
            "channel": "C123",
            "reviewer": reviewer,
        }
        s.add(task)
        generate(s, now=NOW, horizon_days=30)
        occ = s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q2")).one()
        actors = [Actor.for_person(p) for p in (ana, raj, auditor)]
        started = start_pulled_review(
            session=s, actor=actors[1], occurrence_id=occ.id or 0,
            population=population(ALICE, BOB, MALLORY), store=store, now=NOW,
        )  # fmt: skip
    return PulledReview(*actors, occ.id or 0, started.campaign_ids)


def decide_all(db: Database, store: LocalEvidenceStore, decisions: dict[str, str]) -> None:
    """The named accounts decided, each by the reviewer it is assigned to."""
    with db.session() as s:
        items = [
            (item.id or 0, item.subject, Actor.for_person(reviewer))
            for item, reviewer in s.exec(
                select(CampaignItem, Person)
                .join(Person, col(Person.id) == CampaignItem.reviewer_id)
                .order_by(col(CampaignItem.id))
            ).all()
            if item.subject in decisions
        ]
    for item_id, subject, actor in items:
        with db.transaction() as s:
            decide_review_item(
                session=s, actor=actor, item_id=item_id,
                decision=decisions[subject],  # type: ignore[arg-type]
                now=NOW + dt.timedelta(hours=1), store=store,
            )  # fmt: skip


def follow_ups(db: Database) -> dict[str, int]:
    """account → its revoke's follow-up id."""
    with db.session() as s:
        return {
            item.subject: follow_up.id or 0
            for follow_up, item in s.exec(
                select(FollowUp, CampaignItem)
                .join(CampaignItem, col(CampaignItem.id) == FollowUp.campaign_item_id)
                .order_by(col(FollowUp.id))
            ).all()
        }


def export(
    db: Database,
    store: LocalEvidenceStore,
    actor: Actor,
    out: Path,
    window: tuple[dt.date, dt.date] = WINDOW,
) -> Path:
    build_bundle(
        db=db, store=store, start=window[0], end=window[1], out=out, actor=actor,
        now=CHECKED + dt.timedelta(hours=1),
    )  # fmt: skip
    return out

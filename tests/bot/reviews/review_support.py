"""A company for the access-review tests, and reviews started and decided in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.reviews.csv_files import AccountRow
from bot.reviews.services import decide_review_item, start_access_review
from models import AuditEvent, CampaignItem, Occurrence, Person, Platform, Role
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)  # a Wednesday in 2026-Q2
ROWS = [
    AccountRow("alice", "alice@acme.test", "GitHub", "gina@acme.test"),
    AccountRow("bob", "bob@acme.test", "AWS", "gina@acme.test"),
    AccountRow("carol", None, None, "nobody@acme.test"),
]


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

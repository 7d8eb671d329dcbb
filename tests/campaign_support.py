"""A company for policy and training rounds: 50 employees in five teams, linked to chat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.db import Database
from models import (
    AuditEvent,
    CampaignItem,
    ChatIdentity,
    Evidence,
    OutboxMessage,
    Person,
    Role,
)
from tests.factories import make_person, make_program

UTC = dt.UTC
# Monday 2 March 2026, 15:00 UTC (10:00 in New York): rounds start here.
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TEAMS = ("Platform", "Product", "Sales", "Support", "Finance")


@dataclass(frozen=True)
class Company:
    admin: int
    managers: list[int]
    employees: list[int]  # the 50 who are asked: managers and their reports (admin excluded)
    auditor: int
    unreachable: list[int]  # employees with no chat account linked


def build_company(db: Database, *, size: int = 50) -> Company:
    """Ana (admin), five managers with nine reports each (size 50), an auditor, a placeholder.

    Chat accounts: the first 30 employees are on Slack, the next 15 on Teams, the last 5
    have none yet. People live in New York, except the Platform team in Berlin.
    """
    with db.transaction() as session:
        make_program(session, timezone="America/New_York")
        admin = make_person(session, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        auditor = make_person(session, "audrey@audit.test", role=Role.AUDITOR, name="Audrey")
        session.add(Person(email="tbd@acme.test", name="To be decided", placeholder=True))
        managers, employees = [], []
        per_team = size // len(TEAMS)
        for t, team in enumerate(TEAMS):
            tz = "Europe/Berlin" if team == "Platform" else "America/New_York"
            boss = make_person(session, f"lead{t}@acme.test", name=f"{team} Lead", timezone=tz)
            boss.department = team
            managers.append(boss.id or 0)
            employees.append(boss.id or 0)
            for n in range(per_team - 1):
                who = make_person(
                    session, f"{team.lower()}{n}@acme.test", name=f"{team} Person {n}",
                    manager=boss, timezone=tz,
                )  # fmt: skip
                who.department = team
                employees.append(who.id or 0)
        for n, person_id in enumerate(employees):
            if n < 30:
                link(session, person_id, "slack", f"U{person_id:04d}")
            elif n < 45:
                link(session, person_id, "teams", f"aad-{person_id}")
        link(session, admin.id or 0, "slack", "UANA")
        return Company(admin.id or 0, managers, employees, auditor.id or 0, employees[45:])


def link(session: Session, person_id: int, platform: str, external_id: str) -> None:
    session.add(ChatIdentity(person_id=person_id, platform=platform, external_id=external_id))
    session.flush()


def actor(db: Database, person_id: int) -> Actor:
    with db.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return Actor.for_person(person)


def items_of(db: Database, campaign_id: int) -> list[CampaignItem]:
    with db.session() as session:
        query = select(CampaignItem).where(CampaignItem.campaign_id == campaign_id)
        return list(session.exec(query.order_by(col(CampaignItem.id))).all())


def item_of(db: Database, campaign_id: int, person_id: int) -> CampaignItem:
    [item] = [i for i in items_of(db, campaign_id) if i.person_id == person_id]
    return item


def outbox(db: Database, prefix: str = "") -> list[OutboxMessage]:
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [r for r in rows if r.idempotency_key.startswith(prefix)]


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.seq))).all())


def evidence_of(db: Database, item_id: int) -> list[Evidence]:
    with db.session() as session:
        query = select(Evidence).where(Evidence.campaign_item_id == item_id)
        return list(session.exec(query.order_by(col(Evidence.id))).all())

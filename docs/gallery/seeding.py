"""The gallery's world: the demo company in a throwaway SQLite at a fixed time, plus extras.

`soc2bot demo`'s seed (bot.demo) gives the company, a year of history and its policy and
training rounds. On top of it, through the real services, this links everyone's chat
account but one (whose reminders become a notice in #soc2) and starts a 20-account access
review with a few accounts decided. Same code, same clock, same seed: the same messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from sqlmodel import col, select

from bot.campaigns.cards import get_campaign_card
from bot.campaigns.rounds import start_policy_campaign, start_training_round
from bot.chat.runtime import Runtime
from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.settings import Settings
from bot.demo.seed import seed_demo
from bot.evidence.stores import open_evidence_store
from bot.people.services import get_person_by_email_or_raise, link_chat_identity
from bot.reminders.services import decide_due_reminders
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.progress import get_review_progress
from bot.reviews.services import start_access_review
from docs.gallery.world import ADMIN, LEADER, NOW, REVIEWER, World
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    Control,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Platform,
    Task,
)

DOMAIN = "northwind.example"
SYSTEMS = ("AWS", "GitHub", "Okta", "Snowflake")
ROLES = ("admin", "developer", "read-only", "developer", "billing")  # as the systems export them
DECISIONS = ("keep", "keep", "keep", "revoke", "keep")  # the review's first accounts
# The digest signs the audit trail's head with the service's key: the gallery's own, public
# key (never a real one) keeps that line the same on every machine.
GALLERY_KEY = hashlib.sha256(b"soc2bot gallery, not a secret").hexdigest()


def build_world(workdir: Path, now: dt.datetime = NOW) -> World:
    """Seed the demo into `workdir` (a fresh SQLite and evidence folder) and add the extras.

    Sets SOC2BOT_SIGNING_KEY for this process (the digest reads the service's settings).
    """
    os.environ["SOC2BOT_SIGNING_KEY"] = GALLERY_KEY
    settings = Settings(
        _env_file=None,  # pydantic-settings' own keyword: no .env file
        DATABASE_URL=f"sqlite:///{workdir / 'gallery.db'}",
        SOC2BOT_EVIDENCE_URL=f"file://{workdir / 'evidence'}",
    )
    db = Database(settings.database_url)
    db.upgrade()
    store = open_evidence_store(settings)
    seed_demo(db=db, store=store, now=now)
    world = World(Runtime(db=db, store=store, settings=settings, clock=lambda: now))
    _link_people(world, unlinked=_unreachable(world))
    world.policy_id = _open_round(world, CampaignKind.POLICY_ACK)
    world.training_id = _open_round(world, CampaignKind.TRAINING)
    world.member = _busiest(world, _pending_in(world, world.policy_id))
    world.trainee = _busiest(world, _pending_in(world, world.training_id))
    world.refs = _refs(world, control=_start_review(world))
    return world


def _refs(world: World, *, control: str) -> dict[str, object]:
    """What the rows of KINDS may name (see build.py), taken before any row runs."""
    today = world.now.date()
    with world.db.session() as session:
        policy = get_campaign_card(session=session, item_id=world.item(world.policy_id))
        next_id = world.open_work(overdue=False)
        upcoming = session.get(Occurrence, next_id) if next_id else None
    policy_due = policy.due_on or today
    next_due = upcoming.due_at.date() if upcoming else today
    return {
        "control": control,
        "policy": world.policy_id,
        "policy_slug": policy.topic_slug,
        "policy_item": policy.item_id,
        "policy_eve": (policy_due - today).days - 1,  # days from now to the day before it is due
        "overdue": world.open_work(overdue=True),
        # Reminders start 7 days before the due day: from a day before that on.
        "next_due_week": max((next_due - today).days - 8, 0),
    }


def _unreachable(world: World) -> int:
    """Someone with a reminder due now, who will never talk to the bot: that reminder becomes
    a notice in #soc2. (Before anyone is linked, every reminder is such a notice.)"""
    with world.db.session() as session:
        notices = decide_due_reminders(session=session, now=world.now)
        for notice in sorted(notices, key=lambda n: n.key):
            meta = notice.meta or {}
            occurrence = session.get(Occurrence, meta.get("about_occurrence_id", 0))
            person = session.get(Person, occurrence.assignee_id) if occurrence else None
            cast = {f"{who}@{DOMAIN}" for who in (ADMIN, LEADER, REVIEWER)}
            if meta.get("audience") == "assignee" and person and person.email not in cast:
                return person.id or 0
    raise AssertionError(f"no reminder is due at {world.now}")


def _link_people(world: World, *, unlinked: int) -> None:
    """Everyone has talked to the bot on Slack once, except `unlinked` (a person's id)."""
    with world.db.transaction() as session:
        people = session.exec(select(Person).order_by(col(Person.email))).all()
        for number, person in enumerate(people, start=1):
            handle, slack_id = person.email.split("@")[0], f"U{number:05d}"
            world.linked[handle] = person.id != unlinked
            if world.linked[handle]:
                account = ChatAccount(
                    Platform.SLACK, slack_id, person.email, home=True, name=person.name
                )
                link_chat_identity(session=session, account=account)
            world.people[handle] = Actor.for_person(
                person, platform=Platform.SLACK, platform_id=slack_id
            )


def _open_round(world: World, kind: CampaignKind) -> int:
    """The demo's latest open round of `kind` that someone has still to answer; else one is
    started (the demo's rounds may all be answered)."""
    with world.db.transaction() as session:
        found = session.exec(
            select(Campaign.id)
            .join(CampaignItem, col(CampaignItem.campaign_id) == Campaign.id)
            .where(Campaign.kind == kind, Campaign.status == CampaignStatus.OPEN)
            .where(CampaignItem.decision == ItemDecision.PENDING)
            .order_by(col(Campaign.id).desc())
        ).first()
        if found is not None:
            return found
        admin, now = world.actor(ADMIN), world.now
        if kind is CampaignKind.POLICY_ACK:
            started = start_policy_campaign(
                session=session, actor=admin, title="Acceptable Use Policy", version="2026.1",
                now=now, link=f"https://intranet.{DOMAIN}/policies/acceptable-use",
            )  # fmt: skip
        else:
            started = start_training_round(
                session=session, actor=admin, title="Security awareness training", now=now
            )
        session.flush()
        return started.campaign.id or 0


def _pending_in(world: World, campaign_id: int) -> set[int]:
    with world.db.session() as session:
        found = session.exec(
            select(CampaignItem.person_id).where(
                CampaignItem.campaign_id == campaign_id,
                CampaignItem.decision == ItemDecision.PENDING,
            )
        ).all()
    return {person_id for person_id in found if person_id is not None}


def _busiest(world: World, among: set[int]) -> str:
    """The linked member (of `among`, when any is) with the most work started and pending."""
    today = world.now.date()
    with world.db.session() as session:
        assignees = session.exec(
            select(Occurrence.assignee_id).where(
                Occurrence.status == OccurrenceStatus.PENDING, Occurrence.period_start <= today
            )
        ).all()
    counts = {h: 0 for h, a in world.people.items() if world.linked[h] and a.role == "member"}
    by_id = {a.person_id: h for h, a in world.people.items()}
    for person_id in assignees:
        handle = by_id.get(person_id)
        if handle in counts:
            counts[handle] += 1
    wanted = [h for h in sorted(counts) if world.people[h].person_id in among] or sorted(counts)
    return max(wanted, key=lambda h: counts[h])


def _start_review(world: World) -> str:
    """A 20-account quarterly access review, its first accounts decided; its control's key."""
    with world.db.transaction() as session:
        control = session.exec(
            select(Control.key)
            .join(Task, col(Task.control_id) == Control.id)
            .where(Task.kind == "access_review")
            .order_by(col(Control.key))
        ).first()
        staff = session.exec(select(Person).order_by(col(Person.email))).all()
        reviewer = get_person_by_email_or_raise(session=session, email=f"{REVIEWER}@{DOMAIN}")
        lines = ["account,email,system,system_owner,role,last_login"]
        for n in range(20):
            person, system = staff[n % len(staff)], SYSTEMS[n % len(SYSTEMS)]
            named = n < 16  # the last few are service accounts, with no email
            account = person.email.split("@")[0] if named else f"svc-deploy-{n}"
            seen = (world.now - dt.timedelta(days=3 + 11 * n)).date()  # some long unused
            lines.append(
                f"{account},{person.email if named else ''},{system},{reviewer.email},"
                f"{ROLES[n % len(ROLES)]},{seen.isoformat()}"
            )
        campaign = start_access_review(
            session=session, actor=world.actor(ADMIN), name="Q1 2026 production access",
            rows=parse_accounts_csv("\n".join(lines).encode()), reviewer=reviewer,
            channel="#soc2-reviews", now=world.now, control_key=control,
        )  # fmt: skip
        session.flush()
        world.review_id = campaign.id or 0
    with world.db.session() as session:
        items = get_review_progress(session=session, campaign_id=world.review_id).items
    for row, decision in zip(items, DECISIONS, strict=False):
        world.press(f"review_{decision}:{row.item.id}", REVIEWER)
    return control or ""

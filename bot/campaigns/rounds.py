"""Policy acknowledgement and training rounds: start one for an audience, enroll people in it.

Who a round is for is its audience (`bot.campaigns.groups`). A new round of the same
topic (a policy's next version, the next training year) supersedes the open one: its
acknowledgements do not count for the new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.campaigns.cards import (
    policy_statement,
    queue_invites,
    topic_slug,
    training_statement,
)
from bot.campaigns.groups import audience_people
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise, program_today, zone
from bot.core.recurrence import Duration, end_of_local_day, parse_duration
from bot.evidence.services import file_evidence
from bot.evidence.store import StoredFile
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, Person

DEFAULT_POLICY_DUE = "14d"
DEFAULT_TRAINING_DUE = "30d"
DEFAULT_TRAINING_EVERY = "12m"
MAX_TITLE, MAX_VERSION, MAX_SUMMARY, MAX_LINK = 150, 40, 1500, 500


@dataclass(frozen=True)
class RoundStart:
    """A started round: how many people it reached now, and who has no chat account yet."""

    campaign: Campaign
    enrolled: int
    queued: int
    unreachable: list[str] = field(default_factory=list)
    superseded: int | None = None


def start_policy_campaign(
    *,
    session: Session,
    actor: Actor,
    title: str,
    version: str,
    now: dt.datetime,
    link: str | None = None,
    document: StoredFile | None = None,
    summary: str | None = None,
    audience: str = "all",
    due: str = DEFAULT_POLICY_DUE,
) -> RoundStart:
    """Ask every person of the audience to accept this version of the policy, by DM."""
    require(actor, Action.START_CAMPAIGN)
    title, version = _text(title, "title", MAX_TITLE), _text(version, "version", MAX_VERSION)
    link = _link(link)
    if link is None and document is None:
        raise InvalidInput("Give the policy a link (--link) or attach its PDF (--file).")
    details: dict[str, Any] = {
        "title": title,
        "summary": _optional(summary, "summary", MAX_SUMMARY),
        "link": link,
        "statement": policy_statement(title, version),
    }
    if document is not None:
        details["document"] = {"name": document.original_name, "sha256": document.sha256}
    return _start_round(
        session, actor, CampaignKind.POLICY_ACK, f"{title}, version {version}", version,
        details, audience=audience, due=due, now=now, document=document,
    )  # fmt: skip


def start_training_round(
    *,
    session: Session,
    actor: Actor,
    title: str,
    now: dt.datetime,
    round_label: str | None = None,
    summary: str | None = None,
    link: str | None = None,
    audience: str = "all",
    due: str = DEFAULT_TRAINING_DUE,
    every: str = DEFAULT_TRAINING_EVERY,
) -> RoundStart:
    """Ask every person of the audience to confirm this round of training (annual by default)."""
    require(actor, Action.START_CAMPAIGN)
    title = _text(title, "title", MAX_TITLE)
    today = program_today(get_program_or_raise(session=session), now)
    label = _text(round_label or str(today.year), "round", MAX_VERSION)
    next_round = _renewal_interval(every).apply(today)
    details: dict[str, Any] = {
        "title": title,
        "summary": _optional(summary, "summary", MAX_SUMMARY),
        "link": _link(link),
        "statement": training_statement(title, label),
        "every": every,
        "next_round_on": next_round.isoformat(),
    }
    return _start_round(
        session, actor, CampaignKind.TRAINING, f"{title} ({label})", label, details,
        audience=audience, due=due, now=now,
    )  # fmt: skip


def _renewal_interval(every: str) -> Duration:
    """How often a training comes back; zero would start a new round every day."""
    try:
        interval = parse_duration(every)
    except InvalidInput as exc:
        raise InvalidInput(f"How often the training repeats (--every): {exc.message}") from None
    if interval.amount == 0:
        raise InvalidInput(
            f"How often the training repeats (--every) must be longer than {every.strip()}: "
            "a round would start every day. Use e.g. 12m for once a year."
        )
    return interval


def _start_round(
    session: Session,
    actor: Actor,
    kind: CampaignKind,
    name: str,
    version: str,
    details: dict[str, Any],
    *,
    audience: str,
    due: str,
    now: dt.datetime,
    document: StoredFile | None = None,
) -> RoundStart:
    prefix = "policy" if kind is CampaignKind.POLICY_ACK else "training"
    topic = f"{prefix}:{topic_slug(details['title'])}"
    people = audience_people(session=session, audience=audience)
    due_days = parse_duration(due)
    previous = _open_round(session, topic)
    if previous is not None and previous.version == version:
        raise Conflict(f"{name} is already running as camp-{previous.id}.")
    program = get_program_or_raise(session=session)
    due_on = due_days.apply(program_today(program, now))
    campaign = Campaign(
        kind=kind, name=name[:200], version=version, topic=topic, created_by_id=actor.person_id,
        created_at=now, details={**details, "audience": audience, "due": str(due_days),
                                 "due_on": due_on.isoformat()},
    )  # fmt: skip
    session.add(campaign)
    session.flush()
    if previous is not None:
        supersede_round(session=session, actor=actor, campaign=previous, by=campaign, now=now)
    if document is not None:
        _record_document(session, actor, campaign, document, now)
    record_event(
        session=session, actor=actor, action="campaign.started", subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"kind": kind.value, "name": campaign.name, "version": version,
                 "audience": audience, "people": len(people), "due_on": due_on.isoformat(),
                 "supersedes": previous.id if previous else None},
    )  # fmt: skip
    queued, unreachable = enroll_people(
        session=session, actor=actor, campaign=campaign, people=people, now=now, log=False
    )
    names = {p.id: p.email for p in people}
    return RoundStart(
        campaign,
        len(people),
        queued,
        sorted(names[i] for i in unreachable),
        previous.id if previous else None,
    )


def _record_document(
    session: Session, actor: Actor, campaign: Campaign, stored: StoredFile, now: dt.datetime
) -> None:
    evidence = file_evidence(stored, actor, now, campaign_id=campaign.id, note="policy document")
    session.add(evidence)
    session.flush()
    record_event(
        session=session, actor=actor, action="evidence.submitted", subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"kind": "file", "sha256": stored.sha256, "name": stored.original_name,
                 "size": stored.size, "role": "policy document"},
    )  # fmt: skip


def enroll_people(
    *,
    session: Session,
    actor: Actor,
    campaign: Campaign,
    people: list[Person],
    now: dt.datetime,
    log: bool = True,
) -> tuple[int, list[int]]:
    """Create the people's items (due per the round's rule) and queue their DMs.

    `log` writes one `campaign.person_enrolled` event per person (late joiners); a round's
    start logs them all in its `campaign.started` event instead. Returns (queued, unreachable).
    """
    program = get_program_or_raise(session=session)
    today = program_today(program, now)
    round_due = dt.date.fromisoformat(campaign.details["due_on"])
    due_on = max(round_due, parse_duration(campaign.details["due"]).apply(today))
    due_at = end_of_local_day(due_on, zone(program.timezone))
    items = [
        CampaignItem(
            campaign_id=campaign.id or 0,
            subject=p.name[:300],
            subject_email=p.email,
            person_id=p.id,
            version=campaign.version,
            due_on=due_on,
            due_at=due_at,
            details={"enrolled_on": today.isoformat()},
        )  # fmt: skip
        for p in people
    ]
    session.add_all(items)
    session.flush()
    pairs = zip(items, people, strict=True) if log else iter(())
    for item, person in pairs:
        record_event(
            session=session, actor=actor, action="campaign.person_enrolled",
            subject_type="campaign", subject_id=campaign.id or 0,
            details={"item": item.id, "person": person.email, "due_on": due_on.isoformat()},
        )  # fmt: skip
    names = {p.id or 0: p.name for p in people}
    return queue_invites(session=session, campaign=campaign, items=items, names=names)


def supersede_round(
    *, session: Session, actor: Actor, campaign: Campaign, by: Campaign, now: dt.datetime
) -> None:
    """Close an open round because a newer one replaces it; its pending items stay unanswered."""
    campaign.status, campaign.completed_at = CampaignStatus.SUPERSEDED, now
    campaign.details = {**campaign.details, "superseded_by": by.id}
    session.add(campaign)
    record_event(
        session=session, actor=actor, action="campaign.superseded", subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"by": by.id, "version": campaign.version, "new_version": by.version},
    )  # fmt: skip


def _open_round(session: Session, topic: str) -> Campaign | None:
    query = select(Campaign).where(Campaign.topic == topic, Campaign.status == CampaignStatus.OPEN)
    return session.exec(query.order_by(col(Campaign.id).desc()).with_for_update()).first()


def _text(value: str, what: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if not 1 <= len(text) <= limit:
        raise InvalidInput(f"Give the {what} as 1 to {limit} characters.")
    return text


def _optional(value: str | None, what: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"The {what} is too long ({len(text)} characters; at most {limit}).")
    return text or None


def _link(link: str | None) -> str | None:
    text = (link or "").strip()
    if text and (
        not text.startswith(("https://", "http://")) or len(text) > MAX_LINK or " " in text
    ):
        raise InvalidInput(f"“{text[:60]}” is not a web link: use https://…")
    return text or None

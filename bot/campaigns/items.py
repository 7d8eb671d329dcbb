"""One person's answer to a round: accept a policy version, confirm training, attach a certificate.

Only the person an item belongs to can answer it (ids arriving in buttons are checked against
the caller); a second press records nothing and says so; each answer stores the exact
statement shown as an attestation, with its audit event, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.campaigns.cards import ROUND_KINDS, card_for, reader_zone, topic_slug
from bot.campaigns.facts import CampaignCard
from bot.core.actor import Actor
from bot.core.errors import Conflict, NotFound, PermissionDenied
from bot.core.permissions import Action, require
from bot.evidence.services import file_evidence
from bot.evidence.store import EvidenceStore
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    Evidence,
    EvidenceKind,
    ItemDecision,
    Person,
)

_DONE = {
    CampaignKind.POLICY_ACK: ItemDecision.ACKNOWLEDGED,
    CampaignKind.TRAINING: ItemDecision.COMPLETED,
}
# A press's statements, built once (building them per click cost more than running them).
_EVIDENCE: sa.Table = Evidence.__table__  # type: ignore[attr-defined]
_ITEMS: sa.Table = CampaignItem.__table__  # type: ignore[attr-defined]
_INSERT_ATTESTATION = sa.insert(_EVIDENCE).returning(_EVIDENCE.c.id)
_DECIDE_ITEM = sa.update(_ITEMS).where(_ITEMS.c.id == sa.bindparam("item"))
# Both rows in one query; only the item is locked (presses of one round run side by side).
_OWN_ITEM = (
    select(CampaignItem, Campaign)
    .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
    .where(CampaignItem.id == sa.bindparam("item"))
    .with_for_update(of=CampaignItem)
    .execution_options(populate_existing=True)
)
_ACTION = {
    CampaignKind.POLICY_ACK: "campaign.item_acknowledged",
    CampaignKind.TRAINING: "campaign.training_completed",
}


@dataclass(frozen=True)
class ItemAnswer:
    """What an answer did: the item's card now, the file evidence stored (None for a press:
    its attestation is inserted, not loaded), whether it was done before."""

    card: CampaignCard
    evidence: Evidence | None
    already: bool


def acknowledge_policy(
    *, session: Session, actor: Actor, item_id: int, now: dt.datetime
) -> ItemAnswer:
    """Record the caller's acceptance of the policy version their item asks about."""
    return _answer(session, actor, item_id, CampaignKind.POLICY_ACK, now)


def confirm_training(
    *, session: Session, actor: Actor, item_id: int, now: dt.datetime
) -> ItemAnswer:
    """Record the caller's confirmation that they completed the training round."""
    return _answer(session, actor, item_id, CampaignKind.TRAINING, now)


def _answer(
    session: Session, actor: Actor, item_id: int, kind: CampaignKind, now: dt.datetime
) -> ItemAnswer:
    item, campaign, person = _locked_own_item(session, actor, item_id, kind)
    if item.decision is _DONE[kind]:
        return ItemAnswer(_card(session, campaign, item, person, actor), None, already=True)
    _check_open(item, campaign)
    statement = str(campaign.details["statement"])
    # The hot path of a click: a plain insert and update, no ORM unit of work to flush.
    connection = session.connection()
    evidence_id = connection.execute(_INSERT_ATTESTATION, {
        "campaign_item_id": item.id, "kind": EvidenceKind.ATTESTATION, "statement": statement,
        "submitted_by_id": actor.person_id, "platform": actor.platform, "submitted_at": now,
    }).scalar_one()  # fmt: skip
    decided = {"decision": _DONE[kind], "decided_by_id": actor.person_id, "decided_at": now}
    connection.execute(_DECIDE_ITEM, {"item": item.id} | decided)
    for name, value in decided.items():  # the loaded row shows it, with nothing to flush
        set_committed_value(item, name, value)
    _log(session, actor, campaign, _ACTION[kind], item, version=item.version,
         evidence=evidence_id, statement=statement)  # fmt: skip
    return ItemAnswer(_card(session, campaign, item, person, actor), None, already=False)


def _card(
    session: Session, campaign: Campaign, item: CampaignItem, person: str, actor: Actor
) -> CampaignCard:
    """The card as its reader sees it: the actor is the item's own person (checked)."""
    zone = reader_zone(session=session, timezone=actor.timezone)
    return card_for(campaign, item, person, zone=zone)


def check_can_attach_certificate(*, session: Session, actor: Actor, item_id: int) -> CampaignCard:
    """Permission and state checks for a certificate, run before anything is downloaded."""
    item, campaign, person = _locked_own_item(session, actor, item_id, CampaignKind.TRAINING)
    _check_open(item, campaign)
    return _card(session, campaign, item, person, actor)


def attach_certificate(
    *,
    session: Session,
    store: EvidenceStore,
    actor: Actor,
    item_id: int,
    stream: BinaryIO,
    original_name: str,
    now: dt.datetime,
    media_type: str | None = None,
) -> ItemAnswer:
    """Store, hash and record a training certificate; it completes the item when still pending."""
    item, campaign, person = _locked_own_item(session, actor, item_id, CampaignKind.TRAINING)
    _check_open(item, campaign)
    stored = store.put(stream, original_name=original_name, media_type=media_type)
    evidence = file_evidence(stored, actor, now, note="training certificate")
    evidence.campaign_item_id = item.id
    if item.decision is ItemDecision.PENDING:
        _decide(session, actor, item, campaign, evidence, now, sha256=stored.sha256)
    else:
        session.add(evidence)
        session.flush()
        _log(session, actor, campaign, "evidence.submitted", item, sha256=stored.sha256,
             name=stored.original_name, size=stored.size, evidence=evidence.id)  # fmt: skip
    return ItemAnswer(_card(session, campaign, item, person, actor), evidence, already=False)


def _decide(
    session: Session,
    actor: Actor,
    item: CampaignItem,
    campaign: Campaign,
    evidence: Evidence,
    now: dt.datetime,
    **details: object,
) -> None:
    item.decision, item.decided_by_id, item.decided_at = _DONE[campaign.kind], actor.person_id, now
    session.add_all([item, evidence])
    session.flush()
    _log(session, actor, campaign, _ACTION[campaign.kind], item, version=item.version,
         evidence=evidence.id, **details)  # fmt: skip


def _log(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    action: str,
    item: CampaignItem,
    **details: object,
) -> None:
    record_event(
        session=session, actor=actor, action=action, subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"item": item.id, "person": item.subject_email, "platform": actor.platform.value}
        | {k: v for k, v in details.items() if v is not None},
    )  # fmt: skip


def _locked_own_item(
    session: Session, actor: Actor, item_id: int, kind: CampaignKind
) -> tuple[CampaignItem, Campaign, str]:
    """The caller's own item of this kind, locked so that two presses take turns."""
    require(actor, Action.OWN_WORK)
    row = session.exec(_OWN_ITEM, params={"item": item_id}).first()
    item, campaign = row if row is not None else (None, None)
    noun = "policy acknowledgement" if kind is CampaignKind.POLICY_ACK else "training item"
    if item is None or campaign is None or campaign.kind is not kind:
        raise NotFound(f"There is no {noun} {item_id}.")
    if actor.person_id is None or item.person_id != actor.person_id:
        raise PermissionDenied(
            f"Sorry, this {noun} belongs to someone else: only they can answer it."
        )
    return item, campaign, item.subject


def _check_open(item: CampaignItem, campaign: Campaign) -> None:
    if item.decision is ItemDecision.WITHDRAWN:
        raise Conflict("You are no longer part of this round; there is nothing to do.")
    if campaign.status is CampaignStatus.SUPERSEDED:
        raise Conflict(
            f"Version {campaign.version} was replaced by a newer round (camp-"
            f"{campaign.details.get('superseded_by')}); answer that one instead."
        )
    if campaign.status is not CampaignStatus.OPEN:
        raise Conflict(f"“{campaign.name}” is {campaign.status.value}; it takes no more answers.")


def list_my_rounds(
    *, session: Session, person_id: int, kind: CampaignKind, query: str = ""
) -> list[CampaignCard]:
    """The person's items of open rounds of `kind` (newest first), filtered by `query`.

    `query` matches the round's reference (`camp-12`), its topic (`acceptable-use`) or words
    of its title, ignoring case.
    """
    rows = session.exec(
        select(CampaignItem, Campaign)
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .where(
            CampaignItem.person_id == person_id,
            Campaign.kind == kind,
            Campaign.status == CampaignStatus.OPEN,
            col(CampaignItem.decision) != ItemDecision.WITHDRAWN,
        )
        .order_by(col(Campaign.id).desc(), col(CampaignItem.id).desc())
    ).all()
    wanted = topic_slug(query) if query.strip() else ""
    person = session.get(Person, person_id)  # the reader: dates in their timezone
    zone = reader_zone(session=session, timezone=person.timezone if person else None)
    return [card_for(c, i, i.subject, zone=zone) for i, c in rows if _matches(c, wanted, query)]


def _matches(campaign: Campaign, wanted: str, query: str) -> bool:
    if not wanted:
        return True
    reference = query.strip().lower().removeprefix("campaign-").removeprefix("camp-")
    slug = (campaign.topic or "").partition(":")[2]
    return reference == str(campaign.id) or wanted in slug or wanted in topic_slug(campaign.name)


def item_for_person(*, session: Session, campaign_id: int, person_id: int) -> int | None:
    """The person's current item of a round (a file posted under its message is for it)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind not in ROUND_KINDS:
        return None
    return session.exec(
        select(CampaignItem.id)
        .where(
            CampaignItem.campaign_id == campaign_id,
            CampaignItem.person_id == person_id,
            col(CampaignItem.decision) != ItemDecision.WITHDRAWN,
        )
        .order_by(col(CampaignItem.id).desc())
    ).first()

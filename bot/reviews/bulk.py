"""Keep every account still pending on a page of a review: one decision, one event, each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.core.permissions import Action, require
from bot.evidence.store import EvidenceStore
from bot.reviews.duties import account_handles, check_not_control_owner, is_own_account
from bot.reviews.facts import BulkKeep
from bot.reviews.services import decide_review_item
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, ItemDecision, Person

MAX_ITEMS = 100  # a page shows far fewer; more is a forged press
DECIDED, NOT_YOURS, OWN = "already decided", "assigned to another reviewer", "your own account"


def keep_remaining(
    *,
    session: Session,
    actor: Actor,
    campaign_id: int,
    item_ids: Sequence[int],
    now: dt.datetime,
    store: EvidenceStore,
) -> BulkKeep:
    """Keep each listed account of the review that is still pending and the actor's to decide.

    Each goes through `decide_review_item` (its checks, its evidence, its audit event), all in
    the caller's one transaction; the others are skipped with their reason. When none is
    kept, the press is refused and nothing is recorded. Segregation of duties stays in the
    service: an account is skipped here only so as to say why; the service refuses it anyway.
    """
    require(actor, Action.DECIDE_REVIEW_ITEM, related=True)  # auditors never decide
    if not item_ids or len(item_ids) > MAX_ITEMS:
        raise InvalidInput("That button is out of date; page through the review again.")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind is not CampaignKind.ACCESS_REVIEW:
        raise NotFound(f"There is no access review {campaign_id}.")
    if campaign.status is not CampaignStatus.OPEN:
        raise Conflict(f"The review “{campaign.name}” is {campaign.status.value}; nothing to keep.")
    check_not_control_owner(session, actor, campaign)  # the whole page is not theirs
    items = session.exec(
        select(CampaignItem)
        .where(col(CampaignItem.id).in_(sorted(set(item_ids))))
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(col(CampaignItem.id))
    ).all()
    person = session.get(Person, actor.person_id) if actor.person_id else None
    handles = account_handles(session, person) if person else frozenset()
    kept: list[str] = []
    skipped: dict[str, list[str]] = {}
    completed = False
    for item in items:
        reason = _skip(actor, item, handles)
        if reason:
            skipped.setdefault(reason, []).append(_name(item))
            continue
        decided = decide_review_item(
            session=session,
            actor=actor,
            item_id=item.id or 0,
            decision="keep",
            now=now,
            store=store,
        )
        kept.append(_name(item))
        completed = completed or decided.completed
    if not kept:
        _refuse(skipped)
    reasons = tuple((r, tuple(skipped[r])) for r in (NOT_YOURS, OWN, DECIDED) if r in skipped)
    return BulkKeep(campaign_id, tuple(kept), reasons, completed)


def _skip(actor: Actor, item: CampaignItem, handles: frozenset[str]) -> str | None:
    if item.decision is not ItemDecision.PENDING:
        return DECIDED
    if actor.person_id is None or item.reviewer_id != actor.person_id:
        return NOT_YOURS
    account = str(item.details.get("account") or item.subject)
    if is_own_account(handles, account, item.subject_email):
        return OWN
    return None


def _name(item: CampaignItem) -> str:
    return str(item.details.get("account") or item.subject)


def _refuse(skipped: dict[str, list[str]]) -> None:
    """Nothing kept: say why, and record nothing (the caller's transaction rolls back)."""
    if not (skipped.get(NOT_YOURS) or skipped.get(OWN)):
        raise Conflict("Nothing was kept: every account on that page is already decided.")
    why = ", ".join(f"{len(skipped[r])} {r}" for r in (NOT_YOURS, OWN) if skipped.get(r))
    raise PermissionDenied(
        f"Sorry, no account still pending on that page is yours to decide ({why}). "
        "Nothing was changed."
    )

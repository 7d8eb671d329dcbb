"""What one person is asked in a policy or training round, and queuing that ask as a DM."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from bot.campaigns.facts import CampaignCard
from bot.campaigns.messages import campaign_card_view
from bot.core.errors import NotFound
from bot.core.program import local_day, program_zone
from bot.core.program import zone as named_zone
from bot.outbox.queue import Outgoing, enqueue_messages
from bot.reminders.recipients import Address, load_addresses
from models import Campaign, CampaignItem, CampaignKind, Person

ROUND_KINDS = (CampaignKind.POLICY_ACK, CampaignKind.TRAINING)
_SLUG = re.compile(r"[^a-z0-9]+")


def topic_slug(text: str) -> str:
    """`Acceptable Use Policy` → `acceptable-use-policy` (what `ack <policy>` matches)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_text.lower()).strip("-")[:80] or "untitled"


def policy_statement(title: str, version: str) -> str:
    """The sentence a person accepts, word for word, for one version of a policy."""
    return f"I have read and accept {title}, version {version}."


def training_statement(title: str, round_label: str) -> str:
    """The sentence a person confirms for one training round."""
    return f"I have completed {title} ({round_label})."


def card_for(
    campaign: Campaign, item: CampaignItem, person: str, *, zone: dt.tzinfo
) -> CampaignCard:
    """The card of an item (pure: everything comes from the two rows; dates are told in
    `zone`: the reader's, see `reader_zone`, or the program's)."""
    details: dict[str, Any] = campaign.details or {}
    document = details.get("document") or None
    shown_document = f"{document['name']} · SHA-256 {document['sha256']}" if document else None
    return CampaignCard(
        campaign_id=campaign.id or 0,
        item_id=item.id or 0,
        kind=campaign.kind,
        title=str(details.get("title") or campaign.name),
        version=item.version or campaign.version or "",
        topic_slug=(campaign.topic or "").partition(":")[2],
        statement=str(details.get("statement") or ""),
        summary=details.get("summary"),
        link=details.get("link"),
        document=shown_document,
        due_on=item.due_on,
        decision=item.decision,
        decided_on=local_day(item.decided_at, zone) if item.decided_at else None,
        round_status=campaign.status,
        person=person,
    )


def get_campaign_card(*, session: Session, item_id: int) -> CampaignCard:
    """The card of one policy or training item."""
    item = session.get(CampaignItem, item_id)
    campaign = session.get(Campaign, item.campaign_id) if item else None
    if item is None or campaign is None or campaign.kind not in ROUND_KINDS:
        raise NotFound(f"There is no acknowledgement or training item {item_id}.")
    person = session.get(Person, item.person_id) if item.person_id else None
    zone = reader_zone(session=session, timezone=person.timezone if person else None)
    return card_for(campaign, item, person.name if person else item.subject, zone=zone)


def reader_zone(*, session: Session, timezone: str | None) -> dt.tzinfo:
    """Where the card's reader is: their own timezone when known, else the program's."""
    return named_zone(timezone) if timezone else program_zone(session=session)


def invite_key(item_id: int) -> str:
    return f"campaign:{item_id}:invite"


def campaign_meta(card: CampaignCard, **extra: Any) -> dict[str, Any]:
    """Outbox meta: the sender links the posted DM to the campaign (files in its thread count)."""
    return {
        "campaign_id": card.campaign_id,
        "campaign_item_id": card.item_id,
        "chat_kind": "campaign",
        **extra,
    }


def invite_outgoing(card: CampaignCard, address: Address) -> Outgoing:
    """The first DM of an item: the policy (or training) and its button."""
    return Outgoing(
        key=invite_key(card.item_id),
        platform=address.platform,
        recipient=address.recipient,
        message=campaign_card_view(card),
        kind="campaign",
        meta=campaign_meta(card),
    )


def queue_invites(
    *, session: Session, campaign: Campaign, items: Iterable[CampaignItem], names: dict[int, str]
) -> tuple[int, list[int]]:
    """Queue the DM of each item whose person has a chat address: (queued, unreachable ids)."""
    items = [i for i in items if i.person_id is not None]
    addresses = load_addresses(session=session, person_ids=[i.person_id or 0 for i in items])
    outgoing, unreachable, zone = [], [], program_zone(session=session)
    for item in items:
        address = addresses.get(item.person_id or 0)
        if address is None:
            unreachable.append(item.person_id or 0)
            continue
        card = card_for(campaign, item, names.get(item.person_id or 0, item.subject), zone=zone)
        outgoing.append(invite_outgoing(card, address))
    return len(enqueue_messages(session=session, messages=outgoing)), unreachable

"""Round buttons and certificate files from chat: one transaction each, answered as messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO

from bot.campaigns.facts import CampaignCard
from bot.campaigns.items import (
    ItemAnswer,
    acknowledge_policy,
    attach_certificate,
    check_can_attach_certificate,
    confirm_training,
    item_for_person,
)
from bot.campaigns.messages import (
    ACK_ACTION,
    TRAINING_DONE_ACTION,
    campaign_card_view,
    item_recorded_view,
)
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.outbox.conversations import take_awaited_certificate
from bot.outbox.inbound import find_message

_PRESSES = {ACK_ACTION: acknowledge_policy, TRAINING_DONE_ACTION: confirm_training}
# `camp-12` or `campaign-12` in a message's text names a round.
CAMPAIGN_REF = re.compile(r"(?:^|\s)camp(?:aign)?-(\d{1,12})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answered:
    """The item's message as it now reads (it replaces the pressed one) and a short reply."""

    card: Message
    reply: Message


def _answered(answer: ItemAnswer, certificate: str | None = None) -> Answered:
    reply = item_recorded_view(answer.card, already=answer.already, certificate=certificate)
    return Answered(campaign_card_view(answer.card), reply)


def check_certificate(runtime: Runtime, actor: Actor, item_id: int) -> CampaignCard:
    """The checks for a certificate upload, run before anything is downloaded."""
    with runtime.db.session() as session:
        return check_can_attach_certificate(session=session, actor=actor, item_id=item_id)


def awaited_certificate(runtime: Runtime, actor: Actor, conversation: str) -> int | None:
    """The item a certificate is awaited for in this conversation (taken once), or None."""
    with runtime.db.transaction() as session:
        return take_awaited_certificate(
            session=session,
            conversation=conversation,
            person_id=actor.person_id or 0,
            now=runtime.clock(),
        )


def record_certificate(
    runtime: Runtime,
    actor: Actor,
    item_id: int,
    stream: IO[bytes],
    *,
    name: str,
    media_type: str | None,
) -> Answered:
    """Store, hash and record a downloaded certificate in one transaction."""
    with runtime.db.transaction() as session:
        answer = attach_certificate(
            session=session,
            store=runtime.store,
            actor=actor,
            item_id=item_id,
            stream=stream,  # type: ignore[arg-type]
            original_name=name,
            media_type=media_type,
            now=runtime.clock(),
        )
    sha256 = answer.evidence.sha256 if answer.evidence else ""
    line = f"Stored {name} for camp-{answer.card.campaign_id}. SHA-256: {sha256}"
    return _answered(answer, certificate=line)


def item_under_message(
    runtime: Runtime, actor: Actor, *, platform: str, channel: str, message_id: str
) -> int | None:
    """The caller's item of the round whose DM (or reminder) this message is, if it is one."""
    if actor.person_id is None:
        return None
    with runtime.db.session() as session:
        row = find_message(
            session=session, platform=platform, channel=channel, message_id=message_id
        )
        if row is None or row.campaign_id is None or row.occurrence_id is not None:
            return None
        return item_for_person(
            session=session, campaign_id=row.campaign_id, person_id=actor.person_id
        )


def item_by_reference(runtime: Runtime, actor: Actor, campaign_id: int) -> int | None:
    """The caller's item of round `camp-N` (a file sent with that reference is for it)."""
    if actor.person_id is None:
        return None
    with runtime.db.session() as session:
        return item_for_person(session=session, campaign_id=campaign_id, person_id=actor.person_id)


def campaign_reference(text: str | None) -> int | None:
    """The round a message names with exactly one `camp-N`, else None."""
    refs = set(CAMPAIGN_REF.findall(text or ""))
    return int(refs.pop()) if len(refs) == 1 else None


def item_for_thread_file(
    runtime: Runtime,
    actor: Actor,
    *,
    platform: str,
    channel: str,
    thread: str | None,
    campaign_id: int | None,
) -> int | None:
    """The item a file is a certificate for: its thread's round DM, else round `campaign_id`."""
    item_id = None
    if thread:
        item_id = item_under_message(
            runtime, actor, platform=platform, channel=channel, message_id=thread
        )
    if item_id is None and campaign_id is not None:
        item_id = item_by_reference(runtime, actor, campaign_id)
    return item_id


def item_for_chat_file(
    runtime: Runtime, actor: Actor, *, conversation: str, text: str | None
) -> int | None:
    """The item a file sent in a chat is a certificate for: one `camp-N`, else the awaited one."""
    campaign_id = campaign_reference(text)
    if campaign_id is not None:
        return item_by_reference(runtime, actor, campaign_id)
    return awaited_certificate(runtime, actor, conversation)

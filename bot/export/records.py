"""The bundle's evidence and campaign records: evidence.csv, files/, campaigns (export layer)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.errors import Conflict, NotFound
from bot.evidence.store import EvidenceStore, is_valid_key
from bot.export.tables import write_csv
from bot.export.window import Window, campaign_in_window, evidence_in_window, stream
from bot.export.zipout import BundleZip
from models import (
    Campaign,
    CampaignItem,
    Control,
    Evidence,
    EvidenceKind,
    ItemDecision,
    Occurrence,
    Person,
)

Submitter, OnBehalf, Superseder = (aliased(Person) for _ in range(3))
Subject, Reviewer, Decider, SystemOwner, Creator = (aliased(Person) for _ in range(5))
_SLUG = re.compile(r"[^a-z0-9]+")

EVIDENCE_HEADER = (
    "evidence_id", "kind", "control_id", "occurrence_id", "period", "campaign_id",
    "campaign_item_id", "submitted_at", "submitted_by_email", "submitted_by_name",
    "on_behalf_of_email", "platform", "statement", "note", "original_name", "media_type",
    "size", "sha256", "file", "superseded", "superseded_at", "superseded_by_email",
    "supersede_reason",
    # Appended (readers by position keep working): when it stops counting, empty for never.
    "expires_at",
)  # fmt: skip


def file_path(sha256: str) -> str:
    """Where an evidence file lives inside the bundle."""
    return f"files/{sha256}"


def evidence_rows(session: Session, window: Window) -> Iterable[Sequence[Any]]:
    campaign_of = sa.func.coalesce(Evidence.campaign_id, CampaignItem.campaign_id)
    query = (
        sa.select(
            Evidence,
            col(Control.key),
            col(Occurrence.period_key),
            campaign_of,
            col(Submitter.email),
            col(Submitter.name),
            col(OnBehalf.email),
            col(Superseder.email),
        )
        .outerjoin(Occurrence, col(Occurrence.id) == Evidence.occurrence_id)
        .outerjoin(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
        .outerjoin(Campaign, col(Campaign.id) == campaign_of)
        .outerjoin(
            Control,
            col(Control.id) == sa.func.coalesce(Occurrence.control_id, Campaign.control_id),
        )
        .outerjoin(Submitter, col(Submitter.id) == Evidence.submitted_by_id)
        .outerjoin(OnBehalf, col(OnBehalf.id) == Evidence.on_behalf_of_id)
        .outerjoin(Superseder, col(Superseder.id) == Evidence.superseded_by_id)
        .where(evidence_in_window(window))
        .order_by(col(Evidence.id))
    )
    for e, control, period, campaign, by, by_name, behalf, superseder in stream(session, query):
        is_file = e.kind is EvidenceKind.FILE and e.sha256
        yield (
            e.id, e.kind, control, e.occurrence_id, period, campaign, e.campaign_item_id,
            e.submitted_at, by, by_name, behalf, e.platform, e.statement, e.note,
            e.original_name, e.media_type, e.size, e.sha256,
            file_path(e.sha256) if is_file else None, e.superseded_at is not None,
            e.superseded_at, superseder, e.supersede_reason, e.expires_at,
        )  # fmt: skip


@dataclass(frozen=True)
class FilesCopied:
    count: int
    size: int


def copy_files(
    session: Session, store: EvidenceStore, bundle: BundleZip, window: Window
) -> FilesCopied:
    """Copy each evidence file once, by hash, checking the store still holds those bytes."""
    query = (
        sa.select(col(Evidence.sha256), sa.func.min(Evidence.storage_key))
        .where(evidence_in_window(window), col(Evidence.kind) == EvidenceKind.FILE)
        .where(col(Evidence.sha256).is_not(None))
        .group_by(col(Evidence.sha256))
        .order_by(col(Evidence.sha256))
    )
    count = size = 0
    for sha, key in stream(session, query):
        if not key or not is_valid_key(key):
            raise Conflict(f"Evidence file {sha} has no usable storage key; no bundle written.")
        try:
            chunks = store.open(key)
        except NotFound:
            raise Conflict(
                f"The evidence file {sha} is missing from the evidence store; no bundle was "
                "written. The evidence store needs checking."
            ) from None
        digest = bundle.write_chunks(file_path(sha), chunks, compress=False)
        if digest.sha256 != sha:  # the bundle is abandoned, so the bad copy never ships
            raise Conflict(
                f"The stored evidence file {sha} no longer matches its SHA-256; no bundle was "
                "written. The evidence store needs checking."
            )
        count, size = count + 1, size + digest.size
    return FilesCopied(count, size)


def slug(name: str) -> str:
    """A short ASCII file-name part for a campaign name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_name.lower()).strip("-")[:40].strip("-") or "campaign"


def campaign_file(campaign_id: int, name: str) -> str:
    return f"campaigns/{campaign_id}-{slug(name)}.csv"


CAMPAIGN_HEADER = (
    "campaign_id", "kind", "name", "control_id", "occurrence_id", "status", "version",
    "channel", "created_by_email", "created_at", "completed_at", "items", "decided", "file",
)  # fmt: skip


def _campaigns(window: Window) -> Any:
    # Withdrawn items (people who left) are listed in the campaign's own CSV, never counted.
    items = select(sa.func.count(col(CampaignItem.id))).where(
        CampaignItem.campaign_id == Campaign.id,
        col(CampaignItem.decision) != ItemDecision.WITHDRAWN,
    )
    decided = items.where(col(CampaignItem.decision) != ItemDecision.PENDING)
    return (
        sa.select(
            Campaign,
            col(Control.key),
            col(Creator.email),
            items.scalar_subquery(),
            decided.scalar_subquery(),
        )
        .outerjoin(Control, col(Control.id) == Campaign.control_id)
        .outerjoin(Creator, col(Creator.id) == Campaign.created_by_id)
        .where(campaign_in_window(window))
        .order_by(col(Campaign.id))
    )


def campaign_rows(session: Session, window: Window) -> Iterable[Sequence[Any]]:
    for c, control, creator, items, decided in stream(session, _campaigns(window)):
        yield (
            c.id, c.kind, c.name, control, c.occurrence_id, c.status, c.version, c.channel,
            creator, c.created_at, c.completed_at, items, decided, campaign_file(c.id, c.name),
        )  # fmt: skip


ITEM_HEADER = (
    "item_id", "subject", "subject_email", "person_email", "reviewer_email", "decision",
    "decided_by_email", "decided_at", "note", "system_owner_email",
)  # fmt: skip


def item_rows(session: Session, campaign_id: int) -> Iterable[Sequence[Any]]:
    query = (
        sa.select(
            CampaignItem,
            col(Subject.email),
            col(Reviewer.email),
            col(Decider.email),
            col(SystemOwner.email),
        )
        .outerjoin(Subject, col(Subject.id) == CampaignItem.person_id)
        .outerjoin(Reviewer, col(Reviewer.id) == CampaignItem.reviewer_id)
        .outerjoin(Decider, col(Decider.id) == CampaignItem.decided_by_id)
        .outerjoin(SystemOwner, col(SystemOwner.id) == CampaignItem.system_owner_id)
        .where(col(CampaignItem.campaign_id) == campaign_id)
        .order_by(col(CampaignItem.id))
    )
    for i, person, reviewer, decider, owner in stream(session, query):
        yield (
            i.id, i.subject, i.subject_email, person, reviewer, i.decision, decider,
            i.decided_at, i.note, owner,
        )  # fmt: skip


def write_campaigns(session: Session, bundle: BundleZip, window: Window) -> int:
    """campaigns.csv and one CSV of items and decisions per campaign; the campaign count."""
    count = write_csv(bundle, "campaigns.csv", CAMPAIGN_HEADER, campaign_rows(session, window))
    names = session.execute(
        sa.select(col(Campaign.id), col(Campaign.name))
        .where(campaign_in_window(window))
        .order_by(col(Campaign.id))
    ).all()
    for campaign_id, name in names:
        write_csv(
            bundle, campaign_file(campaign_id, name), ITEM_HEADER, item_rows(session, campaign_id)
        )
    return count

"""The bundle's access-review trail: each review's snapshot, decisions and verified revokes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.core.errors import Conflict
from bot.export.records import file_path
from bot.export.tables import write_csv
from bot.export.window import Window, campaign_in_window, stream
from bot.export.zipout import BundleZip
from models import (
    AuditEvent,
    Campaign,
    CampaignItem,
    CampaignKind,
    Control,
    Evidence,
    EvidenceKind,
    FollowUp,
    FollowUpStatus,
    Occurrence,
    Task,
)

REVIEWS_FILE = "access_reviews.csv"
# One row per revoke's follow-up; a review with none has one row with those columns empty.
REVIEW_HEADER = (
    "control_id", "task_id", "period", "occurrence_id", "campaign_id", "campaign_status",
    "source", "snapshot_json_sha256", "snapshot_csv_sha256", "decisions_sha256",
    "follow_up_id", "item_id", "subject", "follow_up_status", "follow_up_due_on",
    "follow_up_done_at", "verification_evidence_id", "verification_sha256",
)  # fmt: skip
# Appended to coverage.csv (after its older columns, so readers by position keep working).
COVERAGE_COLUMNS = ("review_campaigns", "revocations", "revocations_verified", "revocations_open")
OPEN = "open"


@dataclass(frozen=True)
class ReviewLine:
    """One row of access_reviews.csv."""

    campaign: Campaign
    control: str | None
    task: str | None
    period: str | None
    decisions: str | None
    follow_up: FollowUp | None = None
    subject: str | None = None
    verification: tuple[int, str] | None = None  # evidence id, sha256

    @property
    def status(self) -> str:
        """open, verified (closed by a re-pull with evidence), done (closed by a person)."""
        if self.follow_up is None:
            return ""
        if self.follow_up.status is FollowUpStatus.OPEN:
            return OPEN
        return "verified" if self.verification else "done"

    def snapshot(self) -> tuple[str, str]:
        found = (self.campaign.details or {}).get("snapshot") or {}
        return str(found.get("json_sha256") or ""), str(found.get("csv_sha256") or "")

    def hashes(self) -> list[str]:
        """Every file hash the row names: the bundle must hold each under files/."""
        found = [*self.snapshot(), self.decisions or ""]
        found.append(self.verification[1] if self.verification else "")
        return [h for h in found if h]

    def cells(self) -> Sequence[Any]:
        c, f = self.campaign, self.follow_up
        evidence, sha = self.verification or (None, OPEN if self.status == OPEN else None)
        return (
            self.control, self.task, self.period, c.occurrence_id, c.id, c.status,
            (c.details or {}).get("source"), *self.snapshot(), self.decisions,
            f.id if f else None, f.campaign_item_id if f else None, self.subject,
            self.status, f.due_on if f else None, f.done_at if f else None, evidence, sha,
        )  # fmt: skip


def review_lines(session: Session, window: Window) -> list[ReviewLine]:
    """The window's access reviews, campaign by campaign, each revoke's follow-up in order.

    Held in memory: a few rows per review (one per revoke), and coverage.csv, written
    before the files, needs their totals per occurrence.
    """
    reviews = (
        sa.select(Campaign, col(Control.key), col(Task.key), col(Occurrence.period_key))
        .outerjoin(Control, col(Control.id) == Campaign.control_id)
        .outerjoin(Occurrence, col(Occurrence.id) == Campaign.occurrence_id)
        .outerjoin(Task, col(Task.id) == Occurrence.task_id)
        .where(campaign_in_window(window), col(Campaign.kind) == CampaignKind.ACCESS_REVIEW)
        .order_by(col(Campaign.id))
    )
    decisions, verified = _decisions(session, window), _verifications(session, window)
    follow_ups = _follow_ups(session, window)
    lines = []
    for campaign, control, task, period in stream(session, reviews):
        base = (campaign, control, task, period, decisions.get(campaign.id))
        mine = follow_ups.get(campaign.id, [])
        lines += [
            ReviewLine(*base, f, subject, verified.get((campaign.id, f.campaign_item_id or 0)))
            for f, subject in mine
        ] or [ReviewLine(*base)]
    return lines


def _review_ids(window: Window) -> Any:
    return select(Campaign.id).where(
        campaign_in_window(window), col(Campaign.kind) == CampaignKind.ACCESS_REVIEW
    )


def _decisions(session: Session, window: Window) -> dict[int, str]:
    """campaign id → its decisions file's SHA-256, as its `campaign.completed` event says."""
    ids = select(sa.cast(col(Campaign.id), sa.String(200))).where(
        col(Campaign.id).in_(_review_ids(window))
    )
    query = (
        select(AuditEvent.subject_id, AuditEvent.details)
        .where(
            col(AuditEvent.action) == "campaign.completed",
            col(AuditEvent.subject_type) == "campaign",
            col(AuditEvent.subject_id).in_(ids),
        )
        .order_by(col(AuditEvent.seq))
    )
    found = {}
    for subject, details in session.exec(query):
        if (details or {}).get("sha256"):
            found[int(subject)] = str(details["sha256"])
    return found


def _follow_ups(session: Session, window: Window) -> dict[int, list[tuple[FollowUp, str | None]]]:
    query = (
        select(FollowUp, CampaignItem.subject)
        .outerjoin(CampaignItem, col(CampaignItem.id) == FollowUp.campaign_item_id)
        .where(col(FollowUp.campaign_id).in_(_review_ids(window)))
        .order_by(col(FollowUp.campaign_id), col(FollowUp.id))
    )
    found: dict[int, list[tuple[FollowUp, str | None]]] = {}
    for follow_up, subject in session.exec(query):
        found.setdefault(follow_up.campaign_id, []).append((follow_up, subject))
    return found


def _verifications(session: Session, window: Window) -> dict[tuple[int, int], tuple[int, str]]:
    """(campaign, item) → the latest file evidence filed for that item: its verification."""
    query = (
        select(Evidence.campaign_id, Evidence.campaign_item_id, Evidence.id, Evidence.sha256)
        .where(
            col(Evidence.campaign_id).in_(_review_ids(window)),
            col(Evidence.campaign_item_id).is_not(None),
            col(Evidence.kind) == EvidenceKind.FILE,
            col(Evidence.sha256).is_not(None),
        )
        .order_by(col(Evidence.id))
    )
    return {(c or 0, i or 0): (e or 0, s or "") for c, i, e, s in session.exec(query)}


def coverage_columns(lines: Iterable[ReviewLine]) -> dict[int, tuple[str, int, int, int]]:
    """occurrence id → its review campaigns (`;`-separated), revokes, verified, still open."""
    campaigns: dict[int, list[int]] = {}
    counts: dict[int, list[int]] = {}
    for line in lines:
        occurrence = line.campaign.occurrence_id
        if occurrence is None:
            continue
        ids = campaigns.setdefault(occurrence, [])
        if line.campaign.id not in ids:
            ids.append(line.campaign.id or 0)
        tally = counts.setdefault(occurrence, [0, 0, 0])
        if line.follow_up is not None:
            tally[0] += 1
            tally[1] += line.status == "verified"
            tally[2] += line.status == OPEN
    return {
        k: (";".join(map(str, ids)), counts[k][0], counts[k][1], counts[k][2])
        for k, ids in campaigns.items()
    }


def write_reviews(bundle: BundleZip, lines: list[ReviewLine]) -> int:
    """access_reviews.csv, after the files: every hash it names must be in the bundle."""
    for line in lines:
        for sha in line.hashes():
            if file_path(sha) not in bundle.digests:
                raise Conflict(
                    f"Access review camp-{line.campaign.id} names the file {sha}, which is not "
                    "among the bundle's evidence files; no bundle was written."
                )
    return write_csv(bundle, REVIEWS_FILE, REVIEW_HEADER, (line.cells() for line in lines))

"""Policy facts: each policy's state and coverage, its versions and approvals, and the cards."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from bot.core.text import share
from models import ApprovalDecision, VersionStatus


class PolicyState(enum.StrEnum):
    """Where a policy stands, as `policies` shows it."""

    CURRENT = "current"
    IN_REVIEW = "in review"  # its review is open and the owner has not answered yet
    AWAITING_APPROVAL = "awaiting approval"
    CHANGES_REQUESTED = "changes requested"
    OVERDUE = "overdue"  # its review is past due and nothing is in approval


@dataclass(frozen=True)
class Coverage:
    """Acceptances of the current version's acknowledgement round."""

    campaign_id: int
    accepted: int
    enrolled: int

    @property
    def pct(self) -> float | None:
        return share(self.accepted, self.enrolled)


@dataclass(frozen=True)
class PolicyRow:
    """One policy as the list shows it."""

    key: str
    title: str
    owner: str
    version: str | None  # the published version people accept
    state: PolicyState
    pending_version: str | None = None  # the version in approval, when there is one
    step: int = 0  # awaiting approval: step `step` of `steps`
    steps: int = 0
    review_due: dt.date | None = None
    overdue: bool = False  # the review is past due (whatever else is going on)
    coverage: Coverage | None = None


@dataclass(frozen=True)
class ApprovalLine:
    """One approver's decision on a version."""

    step: int
    approver: str
    decision: ApprovalDecision
    decided_at: dt.datetime
    sha256: str
    comment: str | None
    invalidated_at: dt.datetime | None  # the document changed after it: it no longer counts


@dataclass(frozen=True)
class VersionLine:
    """One version of a policy with its document and its approvals, oldest approval first."""

    version_id: int
    version: str
    status: VersionStatus
    sha256: str
    document: str  # the file's name, or the link
    link: str | None
    submitted_by: str | None  # None: registered from the catalog
    submitted_at: dt.datetime
    published_at: dt.datetime | None
    campaign_id: int | None
    approvals: tuple[ApprovalLine, ...] = ()


@dataclass(frozen=True)
class PolicyDetail:
    """One policy in full: its document, history and who has not accepted it yet."""

    row: PolicyRow
    approvers: tuple[str, ...]
    audience: str
    controls: tuple[str, ...]
    current: VersionLine | None
    versions: tuple[VersionLine, ...]  # newest first
    not_acknowledged: tuple[str, ...]
    review_occurrence: int | None


@dataclass(frozen=True)
class ApprovalRequest:
    """What an approver's DM shows: the version, its document and hash, and whose turn it is."""

    version_id: int
    policy_id: int
    policy_key: str
    title: str
    version: str
    document: str
    link: str | None
    sha256: str
    submitted_by: str
    step: int
    steps: int
    note: str | None = None


@dataclass(frozen=True)
class ReviewRequest:
    """What the owner's review DM shows: the version to confirm or replace, and when."""

    policy_id: int
    policy_key: str
    title: str
    version: str | None
    document: str | None
    sha256: str | None
    occurrence_id: int
    due_on: dt.date


@dataclass(frozen=True)
class ReviewAnswered:
    """The owner's "no changes": the statement recorded on the review's occurrence."""

    policy_key: str
    title: str
    version: str
    occurrence_id: int
    statement: str


@dataclass(frozen=True)
class Decided:
    """An approver's decision and what followed it."""

    policy_key: str
    title: str
    version: str
    approved: bool
    step: int
    steps: int
    next_approver: str | None = None  # approved, not the last: whose turn it is now
    published: bool = False
    campaign_id: int | None = None
    enrolled: int = 0
    comment: str | None = None

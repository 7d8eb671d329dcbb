"""Reading policies: each one's version, state and acceptance, and one policy in full."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from bot.campaigns.cards import topic_slug
from bot.campaigns.progress import get_round_detail, list_round_progress
from bot.policies import records
from bot.policies.facts import (
    ApprovalLine,
    Coverage,
    PolicyDetail,
    PolicyRow,
    PolicyState,
    VersionLine,
)
from models import (
    Campaign,
    CampaignKind,
    Occurrence,
    OccurrenceStatus,
    Policy,
    PolicyApproval,
    PolicyVersion,
    VersionStatus,
)


def list_policies(*, session: Session, now: dt.datetime) -> list[PolicyRow]:
    """Every policy in the catalog, by title, with its state and acceptance."""
    policies = session.exec(
        select(Policy).where(col(Policy.retired_at).is_(None)).order_by(col(Policy.title))
    ).all()
    rounds = {p.id: _round_of(session, p) for p in policies}
    found = [c for c in rounds.values() if c is not None]
    progress = {
        r.campaign_id: r for r in list_round_progress(session=session, now=now, campaign_ids=found)
    }
    rows = []
    for policy in policies:
        campaign = rounds[policy.id]
        counted = progress.get(campaign) if campaign is not None else None
        coverage = Coverage(counted.campaign_id, counted.done, counted.total) if counted else None
        rows.append(_row(session, policy, now, coverage))
    return rows


def policy_detail(*, session: Session, key: str, now: dt.datetime) -> PolicyDetail:
    """One policy: its document, every version with its approvals, who has not accepted."""
    policy = records.get_policy_or_raise(session=session, key=key)
    campaign = _round_of(session, policy)
    coverage: Coverage | None = None
    pending: tuple[str, ...] = ()
    if campaign is not None:
        detail = get_round_detail(session=session, campaign_id=campaign, now=now)
        p = detail.progress
        coverage = Coverage(p.campaign_id, p.done, p.total)
        pending = tuple(f"{r.name} <{r.email}>" if r.email else r.name for r in detail.pending)
    versions = session.exec(
        select(PolicyVersion)
        .where(PolicyVersion.policy_id == policy.id)
        .order_by(col(PolicyVersion.id).desc())
    ).all()
    approvals = records.approvals_of(session=session, version_ids=[v.id or 0 for v in versions])
    people = records.names(
        session=session,
        ids=[policy.owner_id, *policy.approver_ids, *(a.approver_id for a in approvals)]
        + [v.submitted_by_id for v in versions],
    )
    lines = tuple(
        _line(v, [a for a in approvals if a.version_id == v.id], people) for v in versions
    )
    current = next((line for line in lines if line.version_id == policy.current_version_id), None)
    occurrence = records.open_review(session=session, policy=policy, now=now)
    return PolicyDetail(
        row=_row(session, policy, now, coverage),
        approvers=tuple(people.get(i, f"#{i}") for i in policy.approver_ids),
        audience=policy.audience,
        controls=tuple(policy.control_keys),
        current=current,
        versions=lines,
        not_acknowledged=pending,
        review_occurrence=occurrence.id if occurrence else None,
    )


def _row(
    session: Session, policy: Policy, now: dt.datetime, coverage: Coverage | None
) -> PolicyRow:
    owner = records.names(session=session, ids=[policy.owner_id]).get(policy.owner_id, "?")
    version = records.current(session=session, policy=policy)
    pending = records.in_flight(session=session, policy=policy)
    review = _next_review(session, policy)
    opened = records.open_review(session=session, policy=policy, now=now)
    overdue = opened is not None and opened.due_at <= now
    step, state = 0, PolicyState.CURRENT
    if pending is not None and pending.status is VersionStatus.CHANGES_REQUESTED:
        state = PolicyState.CHANGES_REQUESTED
    elif pending is not None:
        step, state = (
            records.next_step(session=session, version=pending),
            PolicyState.AWAITING_APPROVAL,
        )
    elif overdue:
        state = PolicyState.OVERDUE
    elif opened is not None:
        state = PolicyState.IN_REVIEW
    return PolicyRow(
        key=policy.key, title=policy.title, owner=owner,
        version=version.version if version else None, state=state,
        pending_version=pending.version if pending else None, step=step,
        steps=len(policy.approver_ids),
        review_due=review.due_on if review else None, overdue=overdue,
        coverage=coverage,
    )  # fmt: skip


def _next_review(session: Session, policy: Policy) -> Occurrence | None:
    """The review's earliest pending occurrence (open, overdue or still to come)."""
    if policy.task_id is None:
        return None
    query = select(Occurrence).where(
        Occurrence.task_id == policy.task_id, Occurrence.status == OccurrenceStatus.PENDING
    )
    return session.exec(query.order_by(col(Occurrence.due_at))).first()


def _round_of(session: Session, policy: Policy) -> int | None:
    """The acknowledgement round of the current version: the one its publication started,
    else a round of the same policy and version started by hand."""
    version = records.current(session=session, policy=policy)
    if version is None:
        return None
    if version.campaign_id is not None:
        return version.campaign_id
    query = select(Campaign.id).where(
        Campaign.kind == CampaignKind.POLICY_ACK,
        Campaign.topic == f"policy:{topic_slug(policy.title)}",
        Campaign.version == version.version,
    )
    return session.exec(query.order_by(col(Campaign.id).desc())).first()


def _line(
    version: PolicyVersion, approvals: list[PolicyApproval], people: dict[int, str]
) -> VersionLine:
    return VersionLine(
        version_id=version.id or 0, version=version.version, status=version.status,
        sha256=version.sha256, document=records.document_of(version), link=version.link,
        submitted_by=people.get(version.submitted_by_id or 0) if version.submitted_by_id else None,
        submitted_at=version.submitted_at, published_at=version.published_at,
        campaign_id=version.campaign_id,
        approvals=tuple(
            ApprovalLine(
                a.step, people.get(a.approver_id, f"#{a.approver_id}"), a.decision,
                a.decided_at, a.sha256, a.comment, a.invalidated_at,
            )
            for a in approvals
        ),
    )  # fmt: skip

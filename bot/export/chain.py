"""The bundle's audit_log.jsonl: the chain from the window's first event to the head (export)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.chain import GENESIS_HASH, canonical_json, verify_events
from bot.audit.trail import iter_events
from bot.core.errors import Conflict
from bot.export.window import (
    Window,
    campaign_in_window,
    evidence_in_window,
    occurrence_ids,
    occurrence_in_window,
)
from bot.export.zipout import BundleZip
from models import AuditChainHead, AuditEvent, Campaign, Evidence, Occurrence, Task

AUDIT_LOG = "audit_log.jsonl"


@dataclass(frozen=True)
class Segment:
    """What audit_log.jsonl holds: events first_seq..head_seq, anchored on the event before."""

    anchor_seq: int
    anchor_hash: str
    head_seq: int
    head_hash: str
    events: int
    window_events: int
    problem: str | None = None

    @property
    def first_seq(self) -> int:
        return self.anchor_seq + 1

    def as_manifest(self) -> dict[str, Any]:
        return {
            "anchor": {"seq": self.anchor_seq, "hash": self.anchor_hash},
            "first_seq": self.first_seq,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "events": self.events,
            "events_in_window": self.window_events,
        }


def chain_head(session: Session) -> tuple[int, str]:
    head = session.get(AuditChainHead, 1)
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


def write_audit_log(
    session: Session, bundle: BundleZip, window: Window, earliest: int | None = None
) -> Segment:
    """Write the anchor line and every event from the window's start to the head, in order.

    The segment runs on to the head the bundle was built against, so the head in the manifest
    is checked too, and evidence given late for a window period shows with its event. It
    starts early enough to hold every event about the window's occurrences, campaigns and
    evidence too, so that the verifier can replay their states from it; and at `earliest`
    when that is sooner (the first event about a policy version the bundle lists).
    """
    head_seq, head_hash = chain_head(session)
    firsts = [
        session.exec(select(sa.func.min(AuditEvent.seq)).where(condition)).one()
        for condition in _starts(window)
    ] + [earliest]
    first = min((f for f in firsts if f is not None and f <= head_seq), default=None)
    anchor_seq = (first or head_seq + 1) - 1
    anchor_hash = _anchor_hash(session, anchor_seq, head_seq, head_hash)
    with bundle.entry(AUDIT_LOG) as entry:
        entry.write_text(canonical_json({"anchor": {"seq": anchor_seq, "hash": anchor_hash}}))
        entry.write_text("\n")
        written = _written(iter_events(session, after=anchor_seq, until=head_seq), entry.write_text)
        report = verify_events(written, start_seq=anchor_seq + 1, anchor_hash=anchor_hash)
        for _ in written:  # a broken chain is still exported in full; verify names the break
            pass
    problem = report.problem
    if problem is None and (report.head_seq, report.head_hash) != (head_seq, head_hash):
        problem = f"the chain ends at event {report.head_seq}, not at the head {head_seq}"
    return Segment(
        anchor_seq, anchor_hash, head_seq, head_hash, head_seq - anchor_seq,
        _count_in_window(session, window, head_seq), problem,
    )  # fmt: skip


def _starts(window: Window) -> list[Any]:
    """Where the segment may start: the window's first instant, and each subject's first
    event (one query each, so each runs on the subject index)."""
    as_text = sa.String(200)
    subjects = {
        "occurrence": select(sa.cast(col(Occurrence.id), as_text)).where(
            occurrence_in_window(window)
        ),
        "campaign": select(sa.cast(col(Campaign.id), as_text)).where(campaign_in_window(window)),
        "evidence": select(sa.cast(col(Evidence.id), as_text)).where(evidence_in_window(window)),
        "task": select(Task.key).where(col(Task.id).in_(_task_ids(window))),
    }
    return [
        col(AuditEvent.occurred_at) >= window.start_at,
        *(
            sa.and_(col(AuditEvent.subject_type) == kind, col(AuditEvent.subject_id).in_(ids))
            for kind, ids in subjects.items()
        ),
    ]


def _task_ids(window: Window) -> Any:
    return select(Occurrence.task_id).where(col(Occurrence.id).in_(occurrence_ids(window)))


def _anchor_hash(session: Session, anchor_seq: int, head_seq: int, head_hash: str) -> str:
    if anchor_seq == 0:
        return GENESIS_HASH
    if anchor_seq == head_seq:
        return head_hash
    found = session.exec(select(AuditEvent.hash).where(AuditEvent.seq == anchor_seq)).first()
    if found is None:
        raise Conflict(
            f"Audit event {anchor_seq} is missing, so the chain cannot be anchored; "
            "run `soc2bot audit verify`."
        )
    return found


def _written(events: Iterator[dict[str, Any]], write: Any) -> Iterator[dict[str, Any]]:
    for event in events:
        write(canonical_json(event) + "\n")
        yield event


def _count_in_window(session: Session, window: Window, head_seq: int) -> int:
    query = select(sa.func.count(col(AuditEvent.seq))).where(
        col(AuditEvent.occurred_at) >= window.start_at,
        col(AuditEvent.occurred_at) < window.end_at,
        col(AuditEvent.seq) <= head_seq,
    )
    return int(session.exec(query).one())

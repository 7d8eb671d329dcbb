"""Verify the stored audit chain: every event re-hashed, fast and in parallel, against its head."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.audit.chain import GENESIS_HASH, ChainReport, canonical_json, row_hash, verify_events
from bot.audit.trail import event_as_dict, iter_events
from bot.core.db import create_db_engine
from models import AuditChainHead, AuditEvent

# Plain rows for `verify_stored_events`: the time already in its hashed spelling (NULL when
# the stored value has an unexpected shape) and the details as stored JSON text.
_SQLITE_TIME = (
    "CASE WHEN length(occurred_at) = 26 AND substr(occurred_at, 11, 1) = ' ' "
    "THEN substr(occurred_at, 1, 10) || 'T' || substr(occurred_at, 12, 12) || 'Z' END"
)
_POSTGRES_TIME = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
_RAW_EVENTS = (
    "SELECT seq, {time}, actor, actor_person_id, actor_platform, actor_platform_id, action, "
    "subject_type, subject_id, {details}, prev_hash, hash FROM auditevent "
    "WHERE seq > :after ORDER BY seq LIMIT :limit"
)
_RAW_BY_DIALECT = {
    "sqlite": _RAW_EVENTS.format(time=_SQLITE_TIME, details="details"),
    "postgresql": _RAW_EVENTS.format(time=_POSTGRES_TIME, details="details::text"),
}
_DETAILS_CACHE_SIZE = 20_000
# Chains this long are verified in segments by several processes (one per core) first.
PARALLEL_MIN_EVENTS = 200_000


@dataclass
class _Walk:
    """How far a fast walk got: the last event that checked out, and the row that did not."""

    seq: int
    hash: str
    anchor: str | None  # the hash the first row pointed at (None: take the first row's word)
    stopped_at: Any = None
    canonical: dict[str | None, str] = field(default_factory=dict)


def verify_stored_events(
    session: Session, *, batch: int = 10_000, workers: int | None = None
) -> ChainReport:
    """`verify_events(iter_events(session))`: the same report, ten to twenty times faster.

    Rows are read as plain tuples (no ORM objects, no type conversions) and hashed straight
    from their columns; details seen before are canonicalised once. A row that does not check
    out this way is judged again exactly as `iter_events` reads it, so the fast path can only
    confirm an intact event, never condemn one. Long chains are first verified in segments by
    `workers` processes (default: one per core); anything but a clean result from every
    segment is verified again in one pass, which then names the first break.
    """
    sql = _RAW_BY_DIALECT.get(session.get_bind().dialect.name)
    if sql is None:
        return verify_events(iter_events(session))
    query = sa.text(sql)
    walk = _Walk(0, GENESIS_HASH, GENESIS_HASH)
    done = _verify_in_segments(session, workers or os.cpu_count() or 1)
    if done is not None:
        walk.seq, walk.hash = done
    while True:
        _walk_fast(session, query, walk, until=None, batch=batch)
        if walk.stopped_at is None:
            return ChainReport(walk.seq, walk.seq, walk.hash)
        exact = session.get(AuditEvent, walk.stopped_at[0])
        assert exact is not None  # read a moment ago
        report = verify_events(
            [event_as_dict(exact)], start_seq=walk.seq + 1, anchor_hash=walk.hash
        )
        if not report.ok:
            return ChainReport(walk.seq, report.head_seq, report.head_hash,
                               report.broken_seq, report.problem)  # fmt: skip
        walk.seq, walk.hash, walk.stopped_at = exact.seq, exact.hash, None


def _walk_fast(
    session: Session, query: sa.TextClause, walk: _Walk, *, until: int | None, batch: int
) -> None:
    """Advance `walk` over the rows after it (up to `until`) while they check out fast."""
    canonical = walk.canonical
    expected, prev = walk.seq + 1, None if walk.anchor is None else walk.hash
    while True:
        limit = batch if until is None else min(batch, until - expected + 1)
        rows = (
            session.execute(query, {"after": expected - 1, "limit": limit}).all() if limit else []
        )
        if not rows:
            return
        for row in rows:
            details = canonical.get(row[9])
            if details is None:
                if len(canonical) >= _DETAILS_CACHE_SIZE:
                    canonical.clear()
                details = canonical[row[9]] = _canonical_details(row[9])
            if prev is None:  # a segment's first row: its link is checked by the caller
                prev = walk.anchor = row[10]
            if row[0] != expected or row[10] != prev or row_hash(row, details) != row[11]:
                walk.stopped_at = row
                return
            expected, prev = expected + 1, row[11]
            walk.seq, walk.hash = row[0], prev
        session.expunge_all()


def _verify_in_segments(session: Session, workers: int) -> tuple[int, str] | None:
    """(seq, hash) of the last event when every segment checked out, else None.

    Forked processes, each reading its own range over its own connection; only where forking
    is safe (no other threads) and the database is one that other processes can open.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    last = session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar() or 0
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    database = engine.url.database
    if (
        workers < 2
        or last < PARALLEL_MIN_EVENTS
        or not forkable
        or database in (None, "", ":memory:")
    ):
        return None
    url = engine.url.render_as_string(hide_password=False)
    bounds = [last * n // workers for n in range(workers + 1)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_forget_pool, initargs=(engine,)
    ) as pool:
        segments = list(pool.map(_verify_segment, [url] * workers, bounds[:-1], bounds[1:]))
    tip = GENESIS_HASH
    for segment in segments:
        if segment is None or segment[0] != tip:
            return None
        tip = segment[1]
    return last, tip


def _forget_pool(engine: sa.Engine) -> None:
    # A forked child must not use, or close, the connections it inherited from its parent.
    engine.dispose(close=False)


def _verify_segment(url: str, after: int, until: int) -> tuple[str, str] | None:
    """(hash the segment's first event points at, hash of its last) if all of it checks out."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            walk = _Walk(after, "", None)
            query = sa.text(_RAW_BY_DIALECT[engine.dialect.name])
            _walk_fast(session, query, walk, until=until, batch=10_000)
    finally:
        engine.dispose()
    if walk.stopped_at is not None or walk.seq != until or walk.anchor is None:
        return None
    return walk.anchor, walk.hash


def _canonical_details(stored: str | None) -> str:
    """Stored JSON text in its hashed spelling ("" when it is no JSON: the exact path judges)."""
    try:
        return canonical_json(json.loads(stored) if stored is not None else None)
    except ValueError:
        return ""


def verify_chain(*, session: Session) -> ChainReport:
    """Re-hash the whole chain and check it ends at the recorded head."""
    report = verify_stored_events(session)
    if not report.ok:
        return report
    head = session.get(AuditChainHead, 1)
    if head is None or (head.seq, head.hash) == (report.head_seq, report.head_hash):
        return report
    if report.head_seq > head.seq:
        broken, problem = (
            head.seq + 1,
            f"the chain runs to event {report.head_seq} but the head records event {head.seq}: "
            f"events after {head.seq} were appended outside soc2bot",
        )
    elif report.head_seq < head.seq:
        broken, problem = (
            report.head_seq + 1,
            f"the chain ends at event {report.head_seq} but the head records "
            f"event {head.seq}: events after {report.head_seq} were deleted",
        )
    else:
        broken, problem = (
            head.seq,
            f"event {head.seq} is not the event the head records: it was replaced",
        )
    return ChainReport(
        report.checked, report.head_seq, report.head_hash, broken_seq=broken, problem=problem
    )

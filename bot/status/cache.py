"""The status summary, computed once per change to the program and per minute, per process.

Every state change writes its audit event in the same transaction, so the audit chain's head
(`seq`, `hash`) changes whenever anything `status` counts changes; time-driven changes
(work turning overdue, the due-soon window moving) are picked up at the next minute. A hit
costs one primary-key read instead of the ~17 queries of a full summary. Replicas keep their
own caches; the key comes from the shared database, so they agree.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.status.facts import StatusSummary
from bot.status.summary import get_status_summary
from models import AuditChainHead

CacheKey = tuple[int, str, dt.datetime, int]


@dataclass
class _Entry:
    key: CacheKey
    summary: StatusSummary


# One entry per engine: tests and tools may hold several databases in one process.
_entries: weakref.WeakKeyDictionary[sa.Engine, _Entry] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def get_cached_status_summary(
    *, session: Session, now: dt.datetime, limit: int = 10
) -> StatusSummary:
    """`get_status_summary`, reused while the audit head and the minute stay the same."""
    engine = session.get_bind()
    if not isinstance(engine, sa.Engine):  # a session bound to a connection: no caching
        return get_status_summary(session=session, now=now, limit=limit)
    key = _key(session, now, limit)
    with _lock:
        entry = _entries.get(engine)
    if entry is not None and entry.key == key:
        return entry.summary
    summary = get_status_summary(session=session, now=now, limit=limit)
    with _lock:
        _entries[engine] = _Entry(key, summary)
    return summary


def forget_cached_status(engine: sa.Engine) -> None:
    """Drop the engine's cached summary: for a database emptied or restored outside soc2bot."""
    with _lock:
        _entries.pop(engine, None)


def _key(session: Session, now: dt.datetime, limit: int) -> CacheKey:
    head = session.execute(
        sa.select(col(AuditChainHead.seq), col(AuditChainHead.hash)).where(
            col(AuditChainHead.id) == 1
        )
    ).first()
    seq, digest = (head[0], head[1]) if head is not None else (0, "")
    return seq, digest, now.replace(second=0, microsecond=0), limit

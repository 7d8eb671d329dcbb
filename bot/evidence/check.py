"""Re-hash stored evidence files against the SHA-256 recorded for them (infrastructure)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.core.errors import SoC2BotError
from bot.evidence.store import EvidenceStore
from models import Evidence, EvidenceKind

MAX_PROBLEMS_KEPT = 100


@dataclass(frozen=True)
class EvidenceProblem:
    """One evidence row whose file is missing or no longer matches its record."""

    evidence_id: int
    name: str
    problem: str


@dataclass(frozen=True)
class EvidenceReport:
    """Files re-hashed, and the first problems found (at most `MAX_PROBLEMS_KEPT`)."""

    checked: int
    broken: int
    problems: list[EvidenceProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken == 0


def verify_evidence_files(
    *, session: Session, store: EvidenceStore, batch: int = 1000
) -> EvidenceReport:
    """Stream every file evidence's object through SHA-256 and compare it with its row.

    Objects are content-addressed and shared by identical uploads, so each one is hashed once.
    Memory stays flat apart from one digest per distinct object.
    """
    seen: dict[str, tuple[str, int] | str] = {}  # key -> (sha256, size) or a problem
    checked = broken = 0
    problems: list[EvidenceProblem] = []
    for row in _file_rows(session, batch):
        checked += 1
        problem = _check(row, store, seen)
        if problem is None:
            continue
        broken += 1
        if len(problems) < MAX_PROBLEMS_KEPT:
            name = row.original_name or "file"
            problems.append(EvidenceProblem(row.id or 0, name, problem))
    return EvidenceReport(checked, broken, problems)


def _file_rows(session: Session, batch: int) -> Iterator[Evidence]:
    after = 0
    while True:
        rows = session.exec(
            select(Evidence)
            .where(Evidence.kind == EvidenceKind.FILE, col(Evidence.id) > after)
            .order_by(col(Evidence.id))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id or 0
        session.expunge_all()


def _check(
    row: Evidence, store: EvidenceStore, seen: dict[str, tuple[str, int] | str]
) -> str | None:
    key = row.storage_key or ""
    if key not in seen:
        seen[key] = _digest(store, key)
    found = seen[key]
    if isinstance(found, str):
        return found
    sha, size = found
    if sha != row.sha256:
        return (
            f"the stored file does not match its recorded SHA-256 (recorded "
            f"{(row.sha256 or '')[:16]}…, found {sha[:16]}…): it was replaced or altered"
        )
    if row.size is not None and size != row.size:
        return f"the stored file is {size} bytes, but {row.size} bytes were recorded"
    return None


def _digest(store: EvidenceStore, key: str) -> tuple[str, int] | str:
    if not key or not store.exists(key):
        return f"its file is missing from the evidence store (key {key or 'none'})"
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in store.open(key):
            digest.update(chunk)
            size += len(chunk)
    except SoC2BotError as exc:
        return f"its file could not be read ({exc.message})"
    return digest.hexdigest(), size

"""Hash rules of the audit chain; standard library only, so an auditor's verifier can reuse it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "actor_person_id",
    "actor_platform",
    "actor_platform_id",
    "action",
    "subject_type",
    "subject_id",
    "details",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    """The one JSON spelling that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 over the event's hashed fields (timestamps as ISO-8601 text with ms)."""
    body = {name: event.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What a verification found: events checked, the head, and the first break if any."""

    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_events(
    events: Iterable[Mapping[str, Any]], *, start_seq: int = 1, anchor_hash: str = GENESIS_HASH
) -> ChainReport:
    """Walk events in order; report the first sequence number that breaks the chain."""
    expected_seq, prev, checked = start_seq, anchor_hash, 0
    for event in events:
        seq = int(event["seq"])
        problem = _problem(event, seq=seq, expected_seq=expected_seq, prev=prev)
        if problem:
            return ChainReport(checked, expected_seq - 1, prev, min(seq, expected_seq), problem)
        checked += 1
        expected_seq, prev = seq + 1, str(event["hash"])
    return ChainReport(checked, expected_seq - 1, prev)


def _problem(event: Mapping[str, Any], *, seq: int, expected_seq: int, prev: str) -> str | None:
    if seq != expected_seq:
        return f"expected event {expected_seq} but found {seq} (missing or reordered events)"
    if event["prev_hash"] != prev:
        return f"event {seq} does not point at the hash of event {seq - 1}"
    if event_hash(event) != event["hash"]:
        return f"event {seq} was altered: its content no longer matches its hash"
    return None

"""Hash rules of the audit chain; standard library only, so an auditor's verifier can reuse it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
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


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps builds a new encoder on every call; this one is built once with the same options
# (CPython's C encoder, exactly what json.dumps uses), which halves the cost of a hash.
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_ENCODE = (
    _MAKE_ENCODER(None, _not_json, encode_basestring, None, ":", ",", True, False, True)
    if _MAKE_ENCODER is not None
    else None
)


def canonical_json(value: Any) -> str:
    """The one JSON spelling that hashes are computed over."""
    if _ENCODE is None:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "".join(_ENCODE(value, 0))


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 over the event's hashed fields (timestamps as ISO-8601 text with ms)."""
    body = {name: event.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    return int.__repr__(value) if kind is int else canonical_json(value)


# The canonical body in two parts around the details, keys in sorted order, for `row_hash`.
_HEAD = '{"action":%s,"actor":%s,"actor_person_id":%s,"actor_platform":%s,"actor_platform_id":%s,'
_TAIL = ',"occurred_at":%s,"prev_hash":%s,"seq":%s,"subject_id":%s,"subject_type":%s}'
_HEADS: dict[Any, str] = {}  # the head per (action, actor…): a verifier sees few of them


def row_hash(row: Sequence[Any], details_json: str) -> str:
    """`event_hash` of an event given as a row: its HASHED_FIELDS values in that order.

    `details_json` is the details as canonical JSON text (the row's own details value is not
    read), so that a verifier reading many events canonicalises repeated details only once.
    Anything after the hashed fields (the stored hash, say) is ignored.
    """
    who = (row[6], row[2], row[3], row[4], row[5])
    # Keyed by type too: 1, 1.0 and True are equal keys but not the same JSON.
    key = (who, type(row[6]), type(row[2]), type(row[3]), type(row[4]), type(row[5]))
    try:
        head = _HEADS[key]
    except KeyError:
        if len(_HEADS) > 10_000:
            _HEADS.clear()
        head = _HEADS[key] = _HEAD % tuple(_json(v) for v in who)
    except TypeError:  # an unhashable value: no database row holds one
        head = _HEAD % tuple(_json(v) for v in who)
    seq, at, prev, s_id, s_type = row[0], row[1], row[10], row[8], row[7]
    if type(seq) is int and type(at) is type(prev) is type(s_id) is type(s_type) is str:
        esc = encode_basestring
        tail = _TAIL % (esc(at), esc(prev), int.__repr__(seq), esc(s_id), esc(s_type))
    else:  # not the types a database row holds: the general spelling
        tail = _TAIL % (_json(at), _json(prev), _json(seq), _json(s_id), _json(s_type))
    return hashlib.sha256(f'{head}"details":{details_json}{tail}'.encode()).hexdigest()


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

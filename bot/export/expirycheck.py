"""Evidence that expires, as the bundle's verifier checks it: coverage at the judging instant,
and each evidence row's `expires_at` against the audit log."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. The rule is bot/work/expiring.py's: a period of work is judged at
# its due time, or when the bundle was generated if that is earlier, and evidence counts at
# that instant unless it is after its `expires_at`. Every time in the bundle is spelled the
# same way (UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`), so times compare as text.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def counting_evidence(expiries: Iterable[str], due_at: str, generated_at: str) -> int:
    """How many accepted evidence rows (their `expires_at`, empty: never) count for work due
    at `due_at`, in a bundle generated at `generated_at`."""
    judged = min(due_at, generated_at)
    return sum(1 for expires_at in expiries if not expires_at or judged <= expires_at)


def coverage_class(status: str, due_at: str, counting: int, generated_at: str) -> str:
    """As bot/export/tables.py decides it, from the evidence that counts when judged."""
    if status == "skipped":
        return "skipped"
    if status == "done" and counting:
        return "evidenced"
    if status == "pending" and due_at > generated_at:
        return "not_due"
    return "gap"


def expiry_mismatch(row: Mapping[str, str], set_by_admin: Mapping[str, str], logged: Any) -> str:
    """What is wrong with the row's `expires_at` ("" when nothing): it must be the last
    expiry an admin set, else the one its `evidence.submitted` event recorded, else empty.
    `logged` holds the occurrence's evidence events (with their kept details)."""
    if "expires_at" not in row:
        return ""  # a bundle from before the column: nothing to check
    evidence = row.get("evidence_id", "")
    if evidence in set_by_admin:
        expected, source = set_by_admin[evidence], "its last evidence.expiry_set event"
    else:
        recorded = [r for r in logged if str(r.details.get("evidence", "")) == evidence]
        value = recorded[0].details.get("expires_at") if recorded else None
        expected, source = ("" if value is None else str(value)), "its evidence.submitted event"
    found = row.get("expires_at", "")
    if found == expected:
        return ""
    shown = {"": "(empty)"}
    return (
        f"expires_at is {shown.get(found, repr(found))} but {source} says "
        f"{shown.get(expected, repr(expected))}"
    )

"""Ways to forge a bundle's tables so that every file matches a re-hashed manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from tests.bot.export.bundle_support import edited_csv, rehashed

Files = dict[str, bytes]
FORGED_PDF = b"%PDF-1.4 Q1 production access review, all approved, signed"


def swap_review_file(files: Files) -> Files:
    """The issue's case: a better-looking file for evidence 1, its row and the manifest fixed."""
    sha = hashlib.sha256(FORGED_PDF).hexdigest()

    def point_at_forgery(table: list[dict[str, str]]) -> None:
        table[0].update(sha256=sha, file=f"files/{sha}", size=str(len(FORGED_PDF)))

    files = edited_csv(files, "evidence.csv", point_at_forgery)
    return rehashed({**files, f"files/{sha}": FORGED_PDF})


def gap_made_done(files: Files) -> Files:
    """March's scan (its only file superseded: a gap) shown done, its file accepted again."""

    def restore(table: list[dict[str, str]]) -> None:
        table[2].update(superseded="no", superseded_at="", superseded_by_email="")

    def done(table: list[dict[str, str]]) -> None:
        row = next(r for r in table if r["period"] == "2026-03")
        row.update(status="done", state="done", completed_by_email="raj@acme.test",
                   completed_at="2026-03-06T15:00:00.000Z", accepted_evidence="1")  # fmt: skip

    def evidenced(table: list[dict[str, str]]) -> None:
        next(r for r in table if r["period"] == "2026-03").update(
            coverage="evidenced", accepted_evidence="1"
        )

    files = edited_csv(files, "evidence.csv", restore)
    files = edited_csv(edited_csv(files, "occurrences.csv", done), "coverage.csv", evidenced)
    manifest = json.loads(files["manifest.json"])
    manifest["coverage"]["gap"] -= 1
    manifest["coverage"]["evidenced"] += 1
    return rehashed({**files, "manifest.json": json.dumps(manifest).encode()})


def backdated(files: Files) -> Files:
    def earlier(table: list[dict[str, str]]) -> None:
        table[0]["submitted_at"] = "2026-03-30T12:00:00.000Z"

    return rehashed(edited_csv(files, "evidence.csv", earlier))


def made_up_attestation(files: Files) -> Files:
    def add(table: list[dict[str, str]]) -> None:
        table.append({**table[3], "evidence_id": "99", "occurrence_id": "8", "period": "2026-05"})

    return rehashed(edited_csv(files, "evidence.csv", add))


def hidden(files: Files) -> Files:
    def drop(table: list[dict[str, str]]) -> None:
        del table[1]

    return rehashed(edited_csv(files, "evidence.csv", drop))


FORGERIES: dict[str, tuple[Callable[[Files], Files], list[str]]] = {
    "file swapped, row and manifest fixed": (
        swap_review_file,
        ["MISMATCH evidence.csv row 1 (evidence 1): sha256 is '"],
    ),
    "gap shown as done": (
        gap_made_done,
        [
            "MISMATCH evidence.csv row 3 (evidence 3): not superseded, but event",
            "MISMATCH occurrences.csv row 5 (#6): status is 'done' but the audit log leaves it "
            "'pending'",
        ],
    ),
    "evidence backdated": (
        backdated,
        ["MISMATCH evidence.csv row 1 (evidence 1): submitted_at is '2026-03-30T12:00:00.000Z'"],
    ),
    "evidence made up": (
        made_up_attestation,
        ["MISMATCH evidence.csv row 6 (evidence 99): no audit event records this evidence"],
    ),
    "evidence hidden": (hidden, ["MISSING  evidence.csv: event 4 records evidence for occurr"]),
}

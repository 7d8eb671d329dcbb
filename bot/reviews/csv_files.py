"""The CSVs of an access review: the accounts it starts from, the decisions it ends with."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from bot.connectors.csv_rows import MAX_ROWS, AccountRow, parse_accounts_csv
from bot.core.markup import spreadsheet_safe
from models import CampaignItem

__all__ = ["DECISION_COLUMNS", "MAX_ROWS", "AccountRow", "decisions_csv", "parse_accounts_csv"]

DECISION_COLUMNS = (
    "account", "system", "email", "decision", "decided_by", "decided_at", "reviewer", "started_by",
)  # fmt: skip


def decisions_csv(
    rows: Sequence[tuple[CampaignItem, str | None]],
    *,
    reviewers: Sequence[str] = (),
    started_by: str = "",
) -> bytes:
    """The decisions as UTF-8 CSV: one line per (item, decider's email), in the order given,
    with each item's assigned reviewer (`reviewers`, same order) and who started the review."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(DECISION_COLUMNS)
    for n, (item, decided_by) in enumerate(rows):
        when = (
            item.decided_at.astimezone(dt.UTC).isoformat("T", "seconds") if item.decided_at else ""
        )
        cells = (
            str(item.details.get("account") or item.subject),
            str(item.details.get("system") or ""),
            item.subject_email or "",
            item.decision.value,
            decided_by or "",
            when.replace("+00:00", "Z"),
            reviewers[n] if n < len(reviewers) else "",
            started_by,
        )
        writer.writerow(spreadsheet_safe(cell) for cell in cells)
    return out.getvalue().encode("utf-8")

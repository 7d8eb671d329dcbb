"""How an evidence export is told: window, population, coverage, hash and where it is (views)."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import Field, Message
from bot.export.facts import BundleSummary


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def export_lines(summary: BundleSummary) -> list[tuple[str, str]]:
    """Label/value pairs shared by chat and the command line."""
    counts, cov = summary.counts, summary.coverage
    coverage = (
        f"{cov['evidenced']} evidenced, {cov['gap']} gaps, {cov['skipped']} skipped, "
        f"{cov['not_due']} not due yet"
    )
    evidence = (
        f"{counts['evidence']} records, {counts['files']} files ({_mb(counts['file_bytes'])})"
    )
    head = f"head event {summary.head_seq} {summary.head_hash}"
    trail = f"{counts['audit_events']} events up to {head}"
    return [
        ("Window", f"{summary.start} to {summary.end} (both days included)"),
        ("Occurrences", f"{counts['occurrences']} due in the window"),
        ("Coverage", coverage),
        ("Evidence", evidence),
        ("Campaigns", str(counts["campaigns"])),
        ("Audit trail", trail),
        ("Bundle", _mb(summary.size)),
        ("SHA-256", summary.sha256),
    ]


def export_view(summary: BundleSummary, *, link: str | None = None) -> Message:
    """The answer to `export`: what the bundle holds, where to get it and how to check it."""
    warning = (
        f"Warning: the audit chain is broken ({summary.chain_problem}); the bundle's "
        "verify.py will say so. Run `soc2bot audit verify` on the server."
        if summary.chain_problem
        else None
    )
    where = (
        f"Saved on the server as {summary.path} (deleted after 24 hours). " if summary.path else ""
    )
    if link:
        where = f"Download it (link valid 24 hours): {link} . " + where
    return Message(
        title=f"Evidence bundle ready: {summary.start} to {summary.end}",
        text=warning,
        fields=tuple(Field(label, value) for label, value in export_lines(summary)),
        footer=where + "Check it with `python verify.py` inside the bundle "
        "(standard Python, nothing to install) or `soc2bot audit verify BUNDLE.zip`.",
    )


def export_started_view(start: dt.date, end: dt.date, *, where: str) -> Message:
    """The answer where an export was asked for: nothing of the bundle, only where it will go."""
    return Message(
        text=f"Building the evidence bundle for {start} to {end}. "
        f"I will send it to you {where} when it is ready; links and files never go to a channel.",
        ephemeral=True,
    )


def export_waiting_view(start: dt.date, end: dt.date) -> Message:
    """Said privately when every build slot is taken: the request waits, it is not dropped."""
    return Message(
        text=f"Other evidence bundles are being built right now; yours ({start} to "
        f"{end}) starts as soon as one finishes. No need to ask again."
    )

"""Messages about the people directory: reassignment alerts, the status section, sync summaries."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages import ListItem, Message, Section
from bot.directory.facts import DirectorySyncReport, OwnedWork

ALERT_ITEMS = 20  # per section: Block Kit allows 50 blocks per message
ASSIGN_HINT = "Reassign with `/soc2 assign <control> @someone`, or change the owner in the catalog."


def reassignment_alert(work: OwnedWork, source: str) -> Message:
    """To the compliance channel: someone left and this is what they held."""
    controls = tuple(
        ListItem(f"{c.key} {c.title}", detail=c.relation) for c in work.controls[:ALERT_ITEMS]
    )
    tasks = tuple(
        ListItem(f"{t.key} {t.title}", detail=f"assignee · control {t.control_key}")
        for t in work.tasks[:ALERT_ITEMS]
    )
    sections = []
    if controls:
        sections.append(Section(heading=_heading("Controls", len(work.controls)), items=controls))
    if tasks:
        sections.append(Section(heading=_heading("Tasks", len(work.tasks)), items=tasks))
    pending = f"{work.pending} pending occurrence(s) are assigned to them. " if work.pending else ""
    return Message(
        title=f"Needs a new owner: {work.name} was deactivated",
        text=f"{work.name} ({work.email}) is no longer active ({source}), "
        "and still holds SOC 2 work.",
        sections=tuple(sections),
        footer=pending + ASSIGN_HINT,
        ephemeral=False,
    )


def _heading(label: str, total: int) -> str:
    if total <= ALERT_ITEMS:
        return f"{label} ({total})"
    return f"{label} (first {ALERT_ITEMS} of {total})"


def reassignment_items(held: Sequence[OwnedWork], limit: int = 10) -> tuple[ListItem, ...]:
    """One line per control or task an inactive person holds, for `status`."""
    items: list[ListItem] = []
    for work in held:
        who = f"{work.name} ({work.email}) is inactive"
        items.extend(ListItem(f"{c.key} {c.title}", f"{c.relation}: {who}") for c in work.controls)
        items.extend(
            ListItem(f"Task {t.key} ({t.control_key})", f"assignee: {who}") for t in work.tasks
        )
        if work.pending and not (work.controls or work.tasks):
            items.append(ListItem(f"{work.pending} pending occurrence(s)", f"assigned: {who}"))
    if len(items) > limit:
        rest = len(items) - limit + 1
        items = [*items[: limit - 1], ListItem(f"…and {rest} more")]
    return tuple(items)


def sync_summary_lines(report: DirectorySyncReport, *, limit: int = 20) -> list[str]:
    """What `soc2bot people sync` prints: counts, changes by email, work to reassign."""
    counts = (
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.deactivated)} deactivated, {len(report.reactivated)} reactivated, "
        f"{len(report.linked)} linked"
    )
    entries = "1 directory entry" if report.entries == 1 else f"{report.entries} directory entries"
    lines = [f"{entries} from {report.source or 'nowhere'}: {counts}."]
    for label, emails in (
        ("Created", report.created),
        ("Updated", report.updated),
        ("Deactivated", report.deactivated),
        ("Reactivated", report.reactivated),
        ("Linked", report.linked),
        ("Skipped", report.skipped),
    ):
        lines.extend(_listed(label, emails, limit))
    if report.not_in_directory:
        lines.extend(_listed("Not in the directory (still active)", report.not_in_directory, limit))
        lines.append("  Run with --deactivate-missing to deactivate them.")
    for work in report.to_reassign:
        held = [f"{c.key} ({c.relation})" for c in work.controls]
        held += [f"task {t.key}" for t in work.tasks]
        if work.pending:
            held.append(f"{work.pending} pending occurrence(s)")
        lines.append(f"Needs a new owner — {work.email}: {', '.join(held)}")
    if report.to_reassign:
        sent = report.alerts_queued
        lines.append(
            f"{sent} alert(s) queued for the compliance channel."
            if sent
            else "No alert queued (no compliance channel set, or already sent today)."
        )
    if not report.changes:
        lines.append("No changes.")
    return [line for line in lines if line]


def _listed(label: str, names: Sequence[str], limit: int) -> list[str]:
    if not names:
        return []
    shown = ", ".join(names[:limit])
    more = f" …and {len(names) - limit} more" if len(names) > limit else ""
    return [f"{label} ({len(names)}): {shown}{more}"]

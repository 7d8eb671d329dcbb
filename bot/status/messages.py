"""Messages about the program's status: readiness, work by criterion, Type II window coverage."""

from __future__ import annotations

import datetime as dt

from bot.campaigns.messages import rounds_section
from bot.core.messages import Field, ListItem, Message, Section
from bot.core.text import NO_CONTROLS
from bot.directory.messages import reassignment_items
from bot.status.facts import StatusSummary
from bot.work.messages import work_item


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def status_view(summary: StatusSummary) -> Message:
    window = f"{summary.window_start:%d %b %Y} – {summary.window_end:%d %b %Y}"
    fields = (
        Field("Readiness", _readiness_text(summary)),
        Field("Overdue", str(summary.overdue_count)),
        Field("Open", str(summary.open_count)),
        Field("Due in 14 days", str(summary.due_soon_count)),
        Field("Type II window coverage", _coverage_text(summary, window)),
    )
    criteria = tuple(
        ListItem(f"{c.group}: {c.controls} controls · {c.open} open · {c.overdue} overdue")
        for c in summary.criteria
    )
    sections = [Section(heading="By criterion", items=criteria)]
    for heading, items in (
        ("Overdue", summary.overdue),
        ("Due in the next 14 days", summary.due_soon),
        ("Window gaps (periods without accepted evidence)", summary.gaps),
    ):
        if items:
            sections.append(Section(heading=heading, items=tuple(work_item(i) for i in items)))
    if summary.needs_new_owner:
        held = reassignment_items(summary.needs_new_owner)
        sections.append(Section(heading="Needs a new owner (people no longer active)", items=held))
    if rounds := rounds_section(summary.rounds):
        sections.append(rounds)
    footer = None
    if summary.placeholder_owners:
        footer = (
            f"{summary.placeholder_owners} controls are owned by placeholder people: "
            "replace them in your catalog and run `soc2bot catalog sync`."
        )
    return Message(
        title=f"SOC 2 status — {summary.program} ({_day(summary.today)})",
        fields=fields,
        sections=tuple(sections),
        footer=footer,
    )


def _readiness_text(summary: StatusSummary) -> str:
    if not summary.controls_in_scope:
        return NO_CONTROLS
    return (
        f"{summary.readiness_pct:.0f}% ({summary.controls_on_track} of "
        f"{summary.controls_in_scope} controls have no overdue work)"
    )


def _coverage_text(summary: StatusSummary, window: str) -> str:
    if summary.coverage_pct is None:
        return f"no periods due yet in the window ({window})"
    return (
        f"{summary.coverage_pct:.0f}% of periods due so far have accepted evidence ({window}), "
        f"{summary.gap_count} gap(s)"
    )

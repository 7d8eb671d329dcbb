"""Messages about the program's status: readiness, work by criterion, Type II window coverage."""

from __future__ import annotations

import datetime as dt

from bot.campaigns.messages import rounds_section
from bot.core.messages import Field, ListItem, Message, Section
from bot.core.text import NO_CONTROLS
from bot.directory.messages import reassignment_items
from bot.status.facts import EvidenceExpiry, StatusSummary
from bot.work.facts import State, WorkItem

SHOWN_OVERDUE = 5  # the most overdue work listed; the count says how much more there is
SHOWN_GAPS = 3  # window gaps listed besides the overdue work (done but without evidence)


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def status_view(summary: StatusSummary) -> Message:
    """`status` on one screen: readiness as the headline, the work and the Type II window as
    two rows, one table of criteria, then the most overdue work first."""
    window = f"{summary.window_start:%d %b %Y} – {summary.window_end:%d %b %Y}"
    work = (
        f"{summary.overdue_count} overdue · {summary.open_count} open · "
        f"{summary.due_soon_count} due in 14 days"
    )
    fields = (
        Field("Work", work),
        Field("Type II window coverage", _coverage_text(summary, window)),
        *expiry_fields(summary.expiry),
    )
    criteria = tuple(
        Field(c.group, f"{c.controls} controls · {c.open} open · {c.overdue} overdue")
        for c in summary.criteria
    )
    sections = [Section(heading="By criterion", fields=criteria)] if criteria else []
    if summary.overdue:
        sections.append(_overdue_section(summary))
    listed = {i.occurrence_id for i in summary.overdue[:SHOWN_OVERDUE]}
    if gaps := [g for g in summary.gaps if g.occurrence_id not in listed]:
        shown = [_item(g, summary.today, g.occurrence_id in summary.lapsed) for g in gaps]
        items = _capped(shown, SHOWN_GAPS, len(gaps))
        sections.append(Section(heading="Window gaps (no accepted evidence)", items=items))
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
        title=f"{_headline(summary)} — {summary.program}",
        context=f"SOC 2 status on {_day(summary.today)}" + _on_track(summary),
        fields=fields,
        sections=tuple(sections),
        footer=footer,
    )


def _headline(summary: StatusSummary) -> str:
    if not summary.controls_in_scope:
        return f"Readiness: {NO_CONTROLS}"
    return f"Readiness {summary.readiness_pct:.0f}%"


def _on_track(summary: StatusSummary) -> str:
    if not summary.controls_in_scope:
        return ""
    return (
        f" · {summary.controls_on_track} of {summary.controls_in_scope} controls "
        "have no overdue work"
    )


def _overdue_section(summary: StatusSummary) -> Section:
    """The most overdue work first (the summary lists it by due date), then how many more."""
    shown = [_item(i, summary.today) for i in summary.overdue[:SHOWN_OVERDUE]]
    items = _capped(shown, SHOWN_OVERDUE, summary.overdue_count)
    return Section(heading=f"Most overdue ({summary.overdue_count})", items=items)


def _capped(items: list[ListItem], cap: int, total: int) -> tuple[ListItem, ...]:
    shown = items[:cap]
    if total > len(shown):
        shown.append(ListItem(f"… and {total - len(shown)} more"))
    return tuple(shown)


def _item(item: WorkItem, today: dt.date, lapsed: bool = False) -> ListItem:
    """`#190 Annual review` over `CC5.1-SOD (2026) · 38 days overdue · Priya Raman`: the task
    on one line and its control below, so that a line seldom wraps."""
    late = (today - item.due_on).days
    when = f"{late} days overdue" if late > 1 else "1 day overdue" if late == 1 else "due today"
    if item.state is State.DONE:  # a gap: done, but no accepted evidence yet
        why = "its evidence had expired" if lapsed else "without accepted evidence"
        when = f"done, {why} · was due {_day(item.due_on)}"
    who = f" · {item.assignee}" if item.assignee else ""
    where = f"{item.control_key} ({item.period_key})"
    return ListItem(f"#{item.occurrence_id} {item.task_title}", f"{where} · {when}{who}")


def expiry_fields(expiry: EvidenceExpiry) -> tuple[Field, ...]:
    """One row when evidence expires within 30 days or has expired unrenewed: how many of each
    and the first, by the number an admin's `expire` takes (the digest's details list them)."""
    parts = []
    if expiry.expiring:
        first = expiry.expiring[0]
        parts.append(
            f"{expiry.expiring_count} expiring in 30 days, first: evidence {first.evidence_id} "
            f"({first.expires_on:%d %b})"
        )
    if expiry.expired:
        more = ", …" if expiry.expired_count > 1 else ""
        parts.append(
            f"{expiry.expired_count} expired: evidence {expiry.expired[0].evidence_id}{more}"
        )
    return (Field("Evidence expiry", " · ".join(parts)),) if parts else ()


def _coverage_text(summary: StatusSummary, window: str) -> str:
    if summary.coverage_pct is None:
        return f"no periods due yet ({window})"
    gaps = "1 gap" if summary.gap_count == 1 else f"{summary.gap_count} gaps"
    evidenced = f"{summary.coverage_pct:.0f}% of periods due so far have accepted evidence"
    return f"{evidenced} · {gaps} · {window}"

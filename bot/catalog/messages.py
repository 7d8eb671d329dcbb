"""Messages about the catalog: the controls, one control in detail, a sync held back."""

from __future__ import annotations

import datetime as dt

from bot.audit.facts import Names
from bot.audit.messages import event_item
from bot.audit.values import short_hash
from bot.catalog.facts import ControlDetail, ControlRow, OverdueControl, OverdueForecast
from bot.core.messages import Field, ListItem, Message, Section
from models import Evidence, Person


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def controls_view(rows: list[ControlRow], query: str | None) -> Message:
    if not rows:
        hint = f" matching “{query}”" if query else ""
        return Message(title="Controls", text=f"No controls{hint}.")
    items = tuple(
        ListItem(
            text=f"{r.key} — {r.title}",
            detail=f"{', '.join(r.criteria)} · owner {r.owner or 'nobody'}"
            + ("" if r.in_scope else " · out of scope"),
        )
        for r in rows
    )
    return Message(title=f"Controls ({len(rows)})", items=items)


def control_view(detail: ControlDetail, *, names: Names, zone: dt.tzinfo) -> Message:
    """`control <id>`: its owners and scope, tasks, recent periods and history (the history's
    times in the reader's `zone`, its people by the `names` it mentions)."""
    c = detail.control
    fields = [
        Field("Owner", _person(detail.owner)),
        Field("Backup owner", _person(detail.backup_owner)),
        Field("Criteria", ", ".join(detail.criteria) or "none"),
        Field("Scope", "in scope" if c.in_scope else "out of scope"),
    ]
    if c.retired_at:
        fields.append(Field("Retired", _day(c.retired_at.date())))
    fields.append(Field("Last evidence", _evidence(detail.last_evidence)))
    tasks = tuple(
        ListItem(
            f"{t.title} ({t.key})",
            f"{t.schedule}, due {t.due_offset} after the period starts · evidence: {t.evidence}",
        )
        for t in detail.tasks
    )
    recent = tuple(
        ListItem(f"#{o.id} {o.period_key}", f"{o.status.value} · due {_day(o.due_on)}")
        for o in detail.recent
    )
    return Message(
        title=f"{c.key} — {c.title}",
        text=c.description or None,
        fields=tuple(fields),
        sections=(
            _section("Tasks", tasks, "no recurring tasks"),
            _section("Recent periods", recent, "no period has started yet"),
            _section(
                "History",
                tuple(event_item(e, names, zone) for e in detail.history),
                "no events yet",
            ),
        ),
    )


def _section(heading: str, items: tuple[ListItem, ...], empty: str) -> Section:
    return Section(heading=heading, items=items) if items else Section(heading=heading, text=empty)


def _person(person: Person | None) -> str:
    return f"{person.name} <{person.email}>" if person else "nobody"


def _evidence(ev: Evidence | None) -> str:
    # Here, not in bot.evidence.messages: the catalog sits below the evidence domain.
    if ev is None:
        return "none yet"
    what = ev.original_name if ev.kind == "file" else "attestation"
    return (
        f"{what} on {ev.submitted_at:%d %b %Y}"
        + (f" (sha256 {short_hash(ev.sha256)})" if ev.sha256 else "")
        + f" · evidence {ev.id}"
    )  # the number `expire` takes


SHOWN_CONTROLS = 10  # the controls listed in an overdue warning; the total counts them all


def overdue_warning_view(forecast: OverdueForecast) -> Message:
    """Why a sync stopped: the work it would create already overdue, by control."""
    shown = forecast.controls[:SHOWN_CONTROLS]
    rest = forecast.controls[SHOWN_CONTROLS:]
    footer = None
    if rest:
        count = sum(c.count for c in rest)
        footer = f"… and {len(rest)} more control(s) with {count} overdue occurrence(s)."
    return Message(
        title=f"Catalog sync stopped: {forecast.total} occurrence(s) would already be overdue",
        text=(
            f"Applying this catalog would create {forecast.total} occurrence(s) whose due day "
            "has passed, and their owners would get overdue reminders for all of them at "
            "once. Nothing was applied."
        ),
        items=tuple(_overdue_item(c) for c in shown),
        footer=footer,
    )


def _overdue_item(control: OverdueControl) -> ListItem:
    oldest = "; ".join(f"{p.task} {p.period} (due {_day(p.due_on)})" for p in control.oldest)
    more = " …" if control.count > len(control.oldest) else ""
    return ListItem(f"{control.control}: {control.count} overdue", f"oldest: {oldest}{more}")

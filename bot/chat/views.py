"""Pure functions from service results to the neutral message model, shared by every front end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.audit.history import History
from bot.campaigns.cards import CampaignCard
from bot.campaigns.messages import pending_rounds_section, rounds_section
from bot.catalog.controls import ControlDetail, ControlRow
from bot.core.messages import Button, Confirm, Field, ListItem, Message, Section
from bot.directory.messages import reassignment_items
from bot.evidence.services import default_statement
from bot.reviews.messages import follow_ups_section
from bot.status.summary import StatusSummary
from bot.work.items import WorkItem
from bot.work.occurrences import State
from models import AuditEvent, ChatIdentity, Evidence, FollowUp, Person

_STATE_MARK = {
    State.OVERDUE: "OVERDUE",
    State.OPEN: "open",
    State.UPCOMING: "upcoming",
    State.DONE: "done",
    State.SKIPPED: "skipped",
}


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def work_item(item: WorkItem, *, actions: bool = False) -> ListItem:
    """One occurrence line; with actions, the buttons to finish it."""
    who = f" · {item.assignee}" if item.assignee else ""
    detail = f"{_STATE_MARK[item.state]} · due {_day(item.due_on)}{who}"
    return ListItem(
        text=f"#{item.occurrence_id} {item.control_key} — {item.task_title} ({item.period_key})",
        detail=detail,
        # Evidence is taken from the day a period starts, so upcoming work has no buttons yet.
        buttons=work_buttons(item) if actions and item.state is not State.UPCOMING else (),
    )


def work_buttons(item: WorkItem) -> tuple[Button, ...]:
    """Mark done (with a confirm dialog) and/or attach evidence, as the task requires."""
    ref = str(item.occurrence_id)
    attach = Button("Attach evidence", f"occ_attach:{ref}", ref)
    if item.evidence == "file":
        return (attach,)
    # The dialog shows the exact statement that is stored as the attestation.
    statement = default_statement(task_title=item.task_title, period_key=item.period_key)
    confirm = Confirm(
        title="Confirm this work was done", text=statement, confirm_label="Yes, confirm"
    )
    done = Button("Mark done", f"occ_done:{ref}", ref, style="primary", confirm=confirm)
    return (done, attach) if item.evidence == "any" else (done,)


def status_view(summary: StatusSummary) -> Message:
    window = f"{summary.window_start:%d %b %Y} – {summary.window_end:%d %b %Y}"
    fields = (
        Field(
            "Readiness",
            f"{summary.readiness_pct:.0f}% ({summary.controls_on_track} of "
            f"{summary.controls_in_scope} controls have no overdue work)",
        ),
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


def _coverage_text(summary: StatusSummary, window: str) -> str:
    if not summary.coverage:
        return f"no periods due yet in the window ({window})"
    return (
        f"{summary.coverage_pct:.0f}% of periods due so far have accepted evidence ({window}), "
        f"{summary.gap_count} gap(s)"
    )


def my_work_view(
    items: list[WorkItem],
    follow_ups: Sequence[FollowUp] = (),
    rounds: Sequence[CampaignCard] = (),
) -> Message:
    extras = (pending_rounds_section(rounds), follow_ups_section(follow_ups))
    sections = tuple(s for s in extras if s is not None)
    if not items and not sections:
        return Message(title="Your work", text="Nothing open or coming up for you. Nice.")
    # Every item goes in; each front end pages long lists its own way.
    return Message(
        title=f"Your work ({len(items) + len(follow_ups) + len(rounds)})",
        sections=sections,
        items=tuple(work_item(i, actions=True) for i in items),
    )


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


def control_view(detail: ControlDetail) -> Message:
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
            _section("History", tuple(_event(e) for e in detail.history), "no events yet"),
        ),
    )


def _section(heading: str, items: tuple[ListItem, ...], empty: str) -> Section:
    return Section(heading=heading, items=items) if items else Section(heading=heading, text=empty)


def _person(person: Person | None) -> str:
    return f"{person.name} <{person.email}>" if person else "nobody"


def _evidence(ev: Evidence | None) -> str:
    if ev is None:
        return "none yet"
    what = ev.original_name if ev.kind == "file" else "attestation"
    return f"{what} on {ev.submitted_at:%d %b %Y}" + (
        f" (sha256 {ev.sha256[:12]}…)" if ev.sha256 else ""
    )


def _event(event: AuditEvent) -> ListItem:
    when = f"{event.occurred_at:%Y-%m-%d %H:%M} UTC"
    subject = f"{event.subject_type} {event.subject_id}"
    details = ", ".join(f"{k}: {v}" for k, v in sorted(event.details.items()) if v is not None)
    detail = f"{subject} · #{event.seq}" + (f" · {details[:300]}" if details else "")
    return ListItem(f"{when} · {event.actor} · {event.action}", detail)


def history_view(history: History) -> Message:
    if not history.events:
        return Message(title=f"Audit trail of {history.subject}", text="No events yet.")
    return Message(
        title=f"Audit trail of {history.subject}",
        items=tuple(_event(e) for e in history.events),
    )


def whoami_view(person: Person, identities: list[ChatIdentity]) -> Message:
    linked = ", ".join(f"{i.platform}: {i.external_id}" for i in identities) or "none"
    return Message(
        title="Who you are to soc2bot",
        fields=(
            Field("Name", person.name),
            Field("Email", person.email),
            Field("Role", person.role.value),
            Field("Timezone", person.timezone or "program timezone"),
            Field("Linked chat ids", linked),
        ),
    )


def evidence_recorded_view(evidence: Evidence, occurrence_id: int, done: bool) -> Message:
    state = "and marked the work done" if done else "(the work stays open)"
    if evidence.sha256:
        text = (
            f"Stored {evidence.original_name} ({evidence.size} bytes) for #{occurrence_id} {state}."
            f"\nSHA-256: {evidence.sha256}"
        )
    else:
        text = f"Recorded your confirmation for #{occurrence_id} {state}: “{evidence.statement}”"
    return Message(title="Evidence recorded", text=text)


def task_card_view(item: WorkItem) -> Message:
    """A message about one occurrence; files replied in its thread become its evidence."""
    done = item.state in (State.DONE, State.SKIPPED)
    return Message(
        title=f"#{item.occurrence_id} {item.control_key} — {item.task_title}",
        text=f"Period {item.period_key}, due {_day(item.due_on)} · {_STATE_MARK[item.state]}."
        + ("" if done else "\nReply in this thread with your evidence file, or use a button."),
        buttons=() if done else work_buttons(item),
        ephemeral=False,
    )

"""The weekly digest as a neutral message (pure function of its facts), for every front end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.campaigns.messages import team_rate_items
from bot.core.messages import Field, Image, ListItem, Message, Section
from bot.core.text import NO_CONTROLS, progress_text
from bot.digest.facts import Completed, Digest
from bot.work.messages import work_item

SHOWN = 8  # rows per list; the counts always cover everything


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def readiness_text(digest: Digest) -> str:
    """`72% ▲ +4 pts since last week (13 of 18 controls have no overdue work)`."""
    if not digest.controls_in_scope:
        return NO_CONTROLS
    change = round(digest.readiness_change)
    if change > 0:
        trend = f"▲ +{change} pts since last week"
    elif change < 0:
        trend = f"▼ −{-change} pts since last week"
    else:
        trend = "unchanged since last week"
    return (
        f"{digest.readiness_pct:.0f}% {trend} ({digest.controls_on_track} of "
        f"{digest.controls_in_scope} controls have no overdue work)"
    )


def _coverage(digest: Digest) -> str:
    window = f"{digest.window_start:%d %b %Y} – {digest.window_end:%d %b %Y}"
    if digest.coverage_pct is None:
        return f"no periods due yet in the window ({window})"
    return (
        f"{digest.coverage_pct:.0f}% of periods due so far have accepted evidence ({window}), "
        f"{digest.gap_count} gap(s)"
    )


def _completed(item: Completed) -> ListItem:
    who = f" · {item.completed_by}" if item.completed_by else ""
    when = "on time" if item.on_time else "late"
    return ListItem(
        f"#{item.occurrence_id} {item.control_key} — {item.task_title} ({item.period_key})",
        f"done {_day(item.completed_on)}{who} · {when}",
    )


def _more(items: Sequence[ListItem], total: int, noun: str) -> tuple[ListItem, ...]:
    shown = tuple(items[:SHOWN])
    rest = total - len(shown)
    return shown + ((ListItem(f"… and {rest} more {noun}"),) if rest > 0 else ())


def _list(heading: str, items: tuple[ListItem, ...], empty: str) -> Section:
    return Section(heading=heading, items=items) if items else Section(heading=heading, text=empty)


def _trend_text(digest: Digest) -> str:
    """The chart's left half in words (alt text, plain text and screen readers)."""
    parts = [f"{w.label} {'–' if w.rate is None else f'{w.rate:.0f}%'}" for w in digest.trend]
    return " · ".join(parts) or "no weeks yet"


def _sections(digest: Digest) -> tuple[Section, ...]:
    week = f"{digest.last_week_start:%a %d %b} – {digest.last_week_end:%a %d %b %Y}"
    owners = [
        ListItem(
            f"{o.owner or 'Nobody assigned'}: {o.count} overdue",
            f"oldest due {_day(o.oldest_due)}",
        )
        for o in digest.overdue_by_owner
    ]
    campaigns = tuple(
        ListItem(
            f"{c.name} ({c.kind.replace('_', ' ')})", progress_text(c.decided, c.total, "decided")
        )
        for c in digest.campaigns
    )
    criteria = tuple(
        ListItem(f"{c.group}: {c.open} open · {c.overdue} overdue ({c.controls} controls)")
        for c in digest.criteria
    )
    completed = [_completed(c) for c in digest.completed]
    due_soon = [work_item(i) for i in digest.due_soon]
    gaps = [work_item(i) for i in digest.gaps]
    return (
        _list(
            f"Completed last week ({week})",
            _more(completed, digest.completed_count, "completed"),
            "Nothing was completed last week.",
        ),
        _list("Overdue by owner", _more(owners, len(owners), "people"), "Nothing is overdue."),
        _list(
            "Due in the next 14 days",
            _more(due_soon, digest.due_soon_count, "due"),
            "Nothing is due in the next 14 days.",
        ),
        _list(
            "Type II window gaps (periods without accepted evidence)",
            _more(gaps, digest.gap_count, "gaps"),
            "No gaps.",
        ),
        _list("Campaigns in progress", campaigns, "No campaign is in progress."),
        *_training_by_team(digest),
        Section(
            heading="On-time completion by week (work due that week)", text=_trend_text(digest)
        ),
        _list("Open vs overdue by criterion", criteria, "No controls in scope."),
    )


def _training_by_team(digest: Digest) -> tuple[Section, ...]:
    """Training completion per manager's team, when a training round is open."""
    rates = digest.training_by_team
    if not rates:
        return ()
    items = _more(team_rate_items(rates), len(rates), "teams")
    return (Section(heading="Training completion by team (manager)", items=items),)


def chart_alt_text(digest: Digest) -> str:
    """What the chart shows, in words."""
    worst = max(digest.criteria, key=lambda c: (c.overdue, c.open), default=None)
    most = f"; most overdue: {worst.group} ({worst.overdue})" if worst and worst.overdue else ""
    return (
        f"Chart for week {digest.week_label}. On-time completion by week: {_trend_text(digest)}. "
        f"Open vs overdue by criterion: {digest.overdue_count} overdue in total{most}."
    )


def _witness(digest: Digest) -> str:
    """The signed audit head on a line of its own: kept, it shows later that the trail
    still extends this week's head (`soc2bot audit verify --witness FILE`)."""
    head = digest.witness
    if head is None:
        return ""
    return f"\nAudit trail head #{head.seq} ({head.hash[:16]}…), signed: {head.line}"


def digest_view(digest: Digest, *, chart: bytes | None = None, ephemeral: bool = True) -> Message:
    """The digest: headline fields, a section per fact, and the chart when there is one."""
    files, attestations = digest.evidence_files, digest.evidence_attestations
    fields = (
        Field("Readiness", readiness_text(digest)),
        Field(
            "Completed last week",
            f"{digest.completed_count}"
            + (f" ({digest.completed_late} late)" if digest.completed_late else ""),
        ),
        Field("Overdue", str(digest.overdue_count)),
        Field(
            "Evidence collected last week",
            f"{digest.evidence_count} ({files} file(s), {attestations} attestation(s))",
        ),
        Field("Due in 14 days", str(digest.due_soon_count)),
        Field("Type II window coverage", _coverage(digest)),
    )
    name = f"soc2-digest-{digest.week_label}.png"
    images = (Image(name, chart_alt_text(digest), chart),) if chart is not None else ()
    return Message(
        title=f"Weekly SOC 2 digest — {digest.program}, week {digest.week_label}",
        fields=fields,
        sections=_sections(digest),
        images=images,
        footer=(
            f"As of {_day(digest.today)}. Readiness is the share of in-scope controls with no "
            "overdue work; the change compares it with the same measure 7 days earlier."
            + _witness(digest)
        ),
        ephemeral=ephemeral,
    )

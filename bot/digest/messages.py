"""The weekly digest as neutral messages (pure functions of its facts), for every front end.

The digest is a headline (figures, the chart, "Show details") that fits one screen; its
lists are the details, shown privately to whoever presses the button. No text repeats the
chart: what it shows is in its alt text only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from bot.campaigns.messages import team_rate_items
from bot.core.messages import Button, Field, Image, ListItem, Message, Section
from bot.core.text import NO_CONTROLS, progress_text
from bot.digest.facts import Completed, Digest
from bot.work.facts import ExpiringEvidence
from bot.work.messages import work_item

DETAILS_ACTION = "digest_details"  # value: the posted digest's witness token
DETAILS_LABEL = "Show details"
SHOWN = 8  # rows per list; the counts always cover everything
_SHORT_HASH = 16  # hex digits of the audit head's hash the headline shows
_EXPLAINED = (
    "Readiness: the share of in-scope controls with no overdue work, and its change in 7 days."
)


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def readiness_text(digest: Digest) -> str:
    """`72% ▲ +4 pts since last week · 13 of 18 controls on track`."""
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
        f"{digest.readiness_pct:.0f}% {trend} · {digest.controls_on_track} of "
        f"{digest.controls_in_scope} controls on track"
    )


def _window(digest: Digest) -> str:
    return f"{digest.window_start:%d %b %Y} – {digest.window_end:%d %b %Y}"


def _coverage(digest: Digest) -> str:
    if digest.coverage_pct is None:
        return f"no periods due yet in the window ({_window(digest)})"
    gaps = _plural(digest.gap_count, "gap")
    return f"{digest.coverage_pct:.0f}% of periods due have accepted evidence · {gaps}"


def _headline(digest: Digest) -> tuple[Field, ...]:
    """Short labels: on a 450 px card each fits its column on one line."""
    files, attestations = digest.evidence_files, digest.evidence_attestations
    late = f" ({digest.completed_late} late)" if digest.completed_late else ""
    evidence = f"{_plural(files, 'file')}, {_plural(attestations, 'attestation')}"
    return (
        Field("Readiness", readiness_text(digest)),
        Field("Done last week", f"{digest.completed_count}{late}"),
        Field("Overdue", str(digest.overdue_count)),
        Field("Evidence", f"{digest.evidence_count} last week ({evidence})"),
        Field("Due in 14 days", str(digest.due_soon_count)),
        Field("Type II coverage", _coverage(digest)),
        *_expiry_headline(digest),
    )


def _expiry_headline(digest: Digest) -> tuple[Field, ...]:
    """One row, only when evidence expires within 30 days or has expired unrenewed."""
    expiry = digest.expiry
    if not (expiry.expiring_count or expiry.expired_count):
        return ()
    text = f"{expiry.expiring_count} expiring in 30 days · {expiry.expired_count} expired"
    return (Field("Evidence expiry", text),)


def _expiry_item(row: ExpiringEvidence, verb: str) -> ListItem:
    return ListItem(
        f"{row.control_key} — {row.task_title} ({row.period_key})",
        f"evidence {row.evidence_id} of #{row.occurrence_id} · {verb} {_day(row.expires_on)}",
    )


def _expiry_sections(digest: Digest) -> tuple[Section, ...]:
    """The evidence behind the expiry row, soonest first; nothing when there is none."""
    expiry, sections = digest.expiry, []
    if expiry.expiring_count:
        items = [_expiry_item(r, "expires") for r in expiry.expiring]
        heading = "Evidence expiring in 30 days"
        sections.append(Section(heading, items=_more(items, expiry.expiring_count, "expiring")))
    if expiry.expired_count:
        items = [_expiry_item(r, "expired after") for r in expiry.expired]
        heading = "Evidence expired, not renewed"
        sections.append(Section(heading, items=_more(items, expiry.expired_count, "expired")))
    return tuple(sections)


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


def _sections(digest: Digest) -> tuple[Section, ...]:
    """The lists behind the headline figures (the chart's data is in no section)."""
    week = f"{digest.last_week_start:%a %d %b} – {digest.last_week_end:%a %d %b %Y}"
    owners = [
        ListItem(
            f"{o.owner or 'Nobody assigned'}: {o.count} overdue · oldest due {_day(o.oldest_due)}"
        )
        for o in digest.overdue_by_owner
    ]
    campaigns = tuple(
        ListItem(
            f"{c.name} ({c.kind.replace('_', ' ')}): "
            + progress_text(c.decided, c.total, "decided")
        )
        for c in digest.campaigns
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
            f"Type II window gaps ({_window(digest)})",
            _more(gaps, digest.gap_count, "gaps"),
            "No gaps: every period due so far has accepted evidence.",
        ),
        *_expiry_sections(digest),
        _list("Campaigns in progress", campaigns, "No campaign is in progress."),
        *_training_by_team(digest),
        *_witness_section(digest),
    )


def _training_by_team(digest: Digest) -> tuple[Section, ...]:
    """Training completion per manager's team, when a training round is open."""
    rates = digest.training_by_team
    if not rates:
        return ()
    items = _more(team_rate_items(rates), len(rates), "teams")
    rounds = {r.campaign for r in rates}
    if len(rounds) == 1:  # one round: named once, not under every team
        items = tuple(replace(i, detail=None) for i in items)
    heading = "Training completion by team (manager)"
    return (Section(heading=heading, text=rounds.pop() if len(rounds) == 1 else None, items=items),)


def _trend_text(digest: Digest) -> str:
    parts = [f"{w.label} {'–' if w.rate is None else f'{w.rate:.0f}%'}" for w in digest.trend]
    return " · ".join(parts) or "no weeks yet"


def _criteria_text(digest: Digest) -> str:
    parts = [f"{c.group} {c.overdue} overdue, {c.open} open" for c in digest.criteria]
    return "; ".join(parts) or "no controls in scope"


def chart_alt_text(digest: Digest) -> str:
    """What the chart shows, in words (alt text, plain text and screen readers)."""
    return (
        f"Chart for week {digest.week_label}. Work done on time, by week it was due: "
        f"{_trend_text(digest)}. Overdue and open work by criterion ({digest.overdue_count} "
        f"overdue in total): {_criteria_text(digest)}."
    )


def _witness_section(digest: Digest) -> tuple[Section, ...]:
    """The signed audit head in full, on a line of its own: kept outside soc2bot, it shows
    later that the trail still extends this head (`soc2bot audit verify --witness FILE`)."""
    head = digest.witness
    if head is None:
        return ()
    text = (
        f"Audit trail head: event {head.seq}, signed by soc2bot. Keep this line outside soc2bot: "
        "soc2bot audit verify --witness FILE checks that the trail still extends it."
        f"\n\n{head.line}"
    )
    return (Section(heading="Audit trail witness", text=text),)


def witness_short(digest: Digest) -> str:
    """`Audit trail head: event 660 (83684b1c2d3e4f5a…), signed`: the headline's witness."""
    head = digest.witness
    if head is None:
        return ""
    return f"Audit trail head: event {head.seq} ({head.hash[:_SHORT_HASH]}…), signed"


def details_button(digest: Digest) -> Button:
    """Carries the digest's witness token: the details show the head this digest signed."""
    return Button(DETAILS_LABEL, DETAILS_ACTION, digest.witness.line if digest.witness else "")


def _images(digest: Digest, chart: bytes | None) -> tuple[Image, ...]:
    name = f"soc2-digest-{digest.week_label}.png"
    return (Image(name, chart_alt_text(digest), chart),) if chart is not None else ()


def _title(digest: Digest, what: str = "Weekly SOC 2 digest") -> str:
    return f"{what} — {digest.program}, week {digest.week_label}"


def digest_view(digest: Digest, *, chart: bytes | None = None, ephemeral: bool = True) -> Message:
    """The headline: the figures, the chart, and "Show details" (the lists, the witness)."""
    short = witness_short(digest)
    # On a line of its own, after the explanation: not in the middle of a sentence.
    witness = f"\n\n{short}: the whole witness line is under {DETAILS_LABEL}." if short else ""
    return Message(
        title=_title(digest),
        context=f"As of {_day(digest.today)}",
        fields=_headline(digest),
        images=_images(digest, chart),
        buttons=(details_button(digest),),
        footer=_EXPLAINED + witness,
        ephemeral=ephemeral,
    )


def digest_details_view(digest: Digest) -> Message:
    """The lists behind the headline and the witness line, for the one who asked."""
    return Message(
        title=_title(digest, "Digest details"),
        context=f"As of {_day(digest.today)}",
        sections=_sections(digest),
        ephemeral=True,
    )


def digest_full_view(digest: Digest, *, chart: bytes | None = None) -> Message:
    """Headline and details in one message, where there is no button (the terminal)."""
    return replace(
        digest_view(digest, chart=chart),
        sections=_sections(digest),
        buttons=(),
        footer=_EXPLAINED,
    )

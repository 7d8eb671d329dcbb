"""`policies` and `policy <id>` in the neutral model: state, acceptance, versions, approvals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.audit.values import short_hash, time_text
from bot.core.messages import LINK_ACTION, Button, Field, ListItem, Message, Section
from bot.core.text import progress_text
from bot.policies.facts import (
    ApprovalLine,
    PolicyDetail,
    PolicyRow,
    PolicyState,
    VersionLine,
)
from bot.policies.messages import day
from models import ApprovalDecision

SHOWN_PEOPLE = 25  # names listed as not having accepted; the count covers everyone
SHOWN_VERSIONS = 5  # versions shown with their approvals, newest first


def state_text(row: PolicyRow) -> str:
    """`awaiting approval of 1.1 (step 2 of 3)`, `in review, due Mon 02 Mar 2026`…"""
    due = f", due {day(row.review_due)}" if row.review_due else ""
    if row.state is PolicyState.AWAITING_APPROVAL:
        text = f"awaiting approval of {row.pending_version} (step {row.step} of {row.steps})"
    elif row.state is PolicyState.CHANGES_REQUESTED:
        text = f"changes requested on {row.pending_version}"
    elif row.state is PolicyState.OVERDUE:
        return f"review overdue{due}"
    elif row.state is PolicyState.IN_REVIEW:
        return f"in review{due}"
    else:
        return "current" + (f" · next review due {day(row.review_due)}" if row.review_due else "")
    return text + (f" · review overdue{due}" if row.overdue else "")


def coverage_text(row: PolicyRow) -> str:
    if row.coverage is None:
        return "no acknowledgement round yet"
    c = row.coverage
    return f"{progress_text(c.accepted, c.enrolled, 'accepted')} · camp-{c.campaign_id}"


def policies_view(rows: Sequence[PolicyRow]) -> Message:
    """Every policy: its version, state and how many accepted it."""
    if not rows:
        return Message(
            title="Policies",
            text="No policies yet: the catalog's `policies:` registers them.",
        )
    items = tuple(
        ListItem(
            f"{r.title} — version {r.version or 'none yet'} · {state_text(r)}",
            f"{r.key} · owner {r.owner} · {coverage_text(r)}",
        )
        for r in rows
    )
    return Message(
        title=f"Policies ({len(rows)})", items=items, footer="One policy in full: `policy <id>`"
    )


def _at(value: dt.datetime, zone: dt.tzinfo) -> str:
    return time_text(value, zone)


def _approval(a: ApprovalLine, zone: dt.tzinfo) -> ListItem:
    verb = "approved" if a.decision is ApprovalDecision.APPROVED else "requested changes"
    detail = [f"SHA-256 {short_hash(a.sha256)}"]
    detail += [f"“{a.comment}”"] if a.comment else []
    if a.invalidated_at is not None:
        detail.append(f"no longer counts: the document changed {_at(a.invalidated_at, zone)}")
    return ListItem(
        f"Step {a.step}: {a.approver} {verb} {_at(a.decided_at, zone)}", " · ".join(detail)
    )


def _version(v: VersionLine, zone: dt.tzinfo, *, current: bool) -> Section:
    """A version's document and hash (the current one's in full), its history, its approvals."""
    status = v.status.value.replace("_", " ")
    by = f"submitted by {v.submitted_by}" if v.submitted_by else "registered from the catalog"
    sha = v.sha256 if current else short_hash(v.sha256)
    about = [f"{by} {_at(v.submitted_at, zone)}"]
    if v.published_at is not None:
        about.append(f"published {_at(v.published_at, zone)}")
    if v.campaign_id is not None:
        about.append(f"acknowledgements: camp-{v.campaign_id}")
    items = tuple(_approval(a, zone) for a in v.approvals)
    return Section(
        heading=f"Version {v.version} — {status}",
        # A version the catalog registered was never put to the approvers.
        text=f"{v.document}\nSHA-256 {sha}\n"
        + " · ".join(about)
        + ("" if items or not v.submitted_by else " · no approvals yet"),
        items=items,
    )


def _people(names: Sequence[str], accepted: bool) -> Section | None:
    """Who has not accepted, by name, in one paragraph (`Name <email>`: the name)."""
    if not accepted:
        return None
    shown = [n.split(" <", 1)[0] if n.endswith(">") else n for n in names[:SHOWN_PEOPLE]]
    more = f" and {len(names) - SHOWN_PEOPLE} more" if len(names) > SHOWN_PEOPLE else ""
    return Section(
        heading=f"Not accepted yet ({len(names)})",
        text=", ".join(shown) + more if shown else "Everyone has accepted the current version.",
    )


def policy_view(detail: PolicyDetail, *, zone: dt.tzinfo) -> Message:
    """One policy: its document and hash, approvers, versions with approvals, who has not
    accepted (times in the reader's `zone`)."""
    row, current = detail.row, detail.current
    approvers = " · ".join(f"{i}. {name}" for i, name in enumerate(detail.approvers, 1))
    # The document and its hash are in the version's section: a card's facts clip a long link.
    fields = [Field("Owner", row.owner), Field("Approvers", approvers or "none")]
    if current is not None:
        fields += [Field("Version", current.version)]
    fields += [Field("Accepted", coverage_text(row)), Field("Audience", detail.audience)]
    fields += [Field("Controls", ", ".join(detail.controls) or "none")]
    if detail.review_occurrence is not None:
        fields.append(Field("Review", f"#{detail.review_occurrence}, due {day(row.review_due)}"
                            if row.review_due else f"#{detail.review_occurrence}"))  # fmt: skip
    sections = [_version(v, zone, current=v is current) for v in detail.versions[:SHOWN_VERSIONS]]
    people = _people(detail.not_acknowledged, row.coverage is not None)
    sections += [people] if people else []
    older = len(detail.versions) - SHOWN_VERSIONS
    link = current.link if current else None
    return Message(
        title=row.title,
        context=f"Policy {row.key} · {state_text(row)}",
        fields=tuple(fields),
        sections=tuple(sections),
        buttons=(Button("Open document", LINK_ACTION, url=link),) if link else (),
        footer=(f"{older} older versions: audit trail of policy {row.key}" if older > 0 else None),
    )

"""Messages about pulled reviews: a failed pull, a review split by manager, a verified revoke."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.messages import Field, Message, Section

_ADVICE = {
    "missing_setting": "Set the missing setting on the server; the next tick tries again.",
    "unauthorized": "Renew the credentials on the server; the next tick tries again.",
    "forbidden": "Give the credentials the read permission docs/access-reviews.md lists.",
    "not_found": "Check the source's settings in the catalog.",
    "timeout": "Nothing to do if it passes: the next tick tries again.",
    "unreachable": "Nothing to do if it passes: the next tick tries again.",
    "rate_limited": "Nothing to do: the next tick tries again once the limit resets.",
    "bad_response": "The next tick tries again; if it keeps failing, tell your admin.",
}


@dataclass(frozen=True)
class ShareLine:
    """One reviewer's share of a review split by manager."""

    reviewer: str
    accounts: int
    flagged: int
    reachable: bool


def pull_failed_message(task_title: str, source: str, reason: str, kind: str) -> Message:
    """To the control's owner: the review did not start, why, and what happens next."""
    return Message(
        title="Access review not started",
        text=(
            f"{task_title}: the accounts could not be pulled from {source}, so the review "
            "did not start (never with part of the accounts)."
        ),
        fields=(Field("Reason", reason), Field("What now", _ADVICE.get(kind, ""))),
        context="soc2bot tries again on its next tick.",
        ephemeral=False,
    )


def split_summary_message(
    title: str, source: str, shares: Sequence[ShareLine], sha256: str
) -> Message:
    """To the review's channel: the review started, split by manager, each share by DM."""
    total = sum(s.accounts for s in shares)
    flagged = sum(s.flagged for s in shares)
    lines = [
        f"• {s.reviewer}: {s.accounts} account{'s' if s.accounts != 1 else ''}"
        + (f", {s.flagged} flagged" if s.flagged else "")
        + ("" if s.reachable else " (not sent: no chat account linked yet)")
        for s in shares
    ]
    return Message(
        title=f"Access review started: {title}",
        text=(
            f"{total} accounts pulled from {source}, {flagged} flagged. Each manager decides "
            "their own team's accounts and gets their share by direct message."
        ),
        sections=(Section(text="\n".join(lines)),),
        context=f"Snapshot sha256 {sha256[:16]}…",
        ephemeral=False,
    )


def verified_statement(outcome: str, source: str, when: dt.datetime, sha256: str) -> str:
    """The evidence a verified revoke closes with, e.g. "absent from GitHub organization acme
    at 2026-12-02 09:00 UTC, snapshot sha256 ab12…"."""
    return f"{outcome} {source} at {when:%Y-%m-%d %H:%M} UTC, snapshot sha256 {sha256}"


def still_present_message(
    title: str, source: str, due_on: dt.date, checked: dt.datetime
) -> Message:
    """To whoever removes the access (and up the reminder policy): it is still there."""
    return Message(
        title="Revoked access is still there",
        text=(
            f"{title}: the account was still in {source} when checked on "
            f"{checked:%d %b %Y %H:%M} UTC; it was due to be removed by {due_on:%d %b %Y}."
        ),
        context="soc2bot checks again every day and closes the follow-up once it is gone.",
        ephemeral=False,
    )

"""Pure views of access reviews: the shared prompt, a reader's private pages, follow-ups."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.messages import Button, Confirm, Field, ListItem, Message
from bot.reviews.facts import FLAGS, BulkKeep, ReviewItemRow, ReviewProgress
from bot.reviews.follow_up_messages import FOLLOW_UP_DONE_ACTION as FOLLOW_UP_DONE_ACTION
from bot.reviews.follow_up_messages import follow_ups_section as follow_ups_section
from bot.reviews.follow_up_messages import short_subject
from models import CampaignStatus, ItemDecision

KEEP_ACTION = "review_keep"  # item; value: the item, then ";" and the view it was on
REVOKE_ACTION = "review_revoke"
PAGE_ACTION = "review_page"  # campaign:page, every account, shown to the presser alone
PENDING_ACTION = "review_pending"  # campaign:page, pending accounts only, to the presser alone
BULK_KEEP_ACTION = "review_keep_page"  # campaign:page; value: the pending items it showed
PAGE_SIZE = 10  # a readable page, whatever the payload limits would allow
_MARK = {ItemDecision.KEEP: "✓ kept", ItemDecision.REVOKE: "✗ revoked"}
_SAID = ("orphan", "privileged")
_BAR = 10  # segments of the progress line
_TOKEN = re.compile(r"([ap])(\d{1,6})")
# Chat platforms cap dialog text (Slack: 300 characters), so long subjects are shortened.


@dataclass(frozen=True)
class PromptView:
    """Which page of a review's prompt is drawn, and whether for one reader alone.

    The shared prompt (in the channel, for everyone) is always its first page of every
    account; other pages and the pending-only filter are private to whoever asked.
    """

    page: int = 0
    pending_only: bool = False
    private: bool = False

    @property
    def token(self) -> str:
        """How this view's buttons name it ("a2", "p0"); empty on the shared prompt."""
        return f"{'p' if self.pending_only else 'a'}{self.page}" if self.private else ""


def view_of(value: str) -> PromptView:
    """The view a button's value names (after its ";", if any): a private page, else shared."""
    match = _TOKEN.fullmatch(value.rpartition(";")[2].strip())
    if match is None:
        return PromptView()
    return PromptView(int(match[2]), match[1] == "p", private=True)


def items_of(value: str) -> list[int]:
    """The item ids a button's value lists before its ";" (at most 100; others ignored)."""
    ids = value.partition(";")[0].replace(",", " ").split()
    return [int(i) for i in ids[:100] if i.isdigit() and len(i) <= 18]


def review_prompt_view(
    progress: ReviewProgress,
    *,
    page: int = 0,
    pending_only: bool = False,
    private: bool = False,
    zone: dt.tzinfo | None = None,
    page_size: int = PAGE_SIZE,
) -> Message:
    """The prompt: progress, then one page of accounts, each with Keep / Revoke.

    `private`: a page for one reader (their own paging and filter); `zone`: that reader's
    timezone. Without it, times are in the program's (the shared prompt's, for everyone).
    """
    campaign = progress.campaign
    title = f"Access review: {campaign.name}"
    if campaign.status is not CampaignStatus.OPEN:
        return _summary(progress, title)
    if not private:  # the shared prompt is the same for everyone: its first page, every account
        page, pending_only = 0, False
    if progress.page is not None:  # loaded one page at a time: the service cut it already
        cut = progress.page
        shown, count, size = progress.items, cut.rows, cut.size
        page, pending_only = cut.number, cut.pending_only and private
        system = cut.systems[0] or None if len(cut.systems) == 1 else None
    else:
        pending = [r for r in progress.items if r.item.decision is ItemDecision.PENDING]
        rows = pending if pending_only else progress.items
        count, size = len(rows), max(page_size, 1)
        page = min(max(page, 0), max(0, -(-count // size) - 1))
        shown, system = rows[page * size : (page + 1) * size], _common_system(progress.items)
    pages = max(1, -(-count // size))
    view = PromptView(page, pending_only, private)
    tz = zone or progress.zone
    # Most accounts go to one reviewer: a row names its reviewer only when it is someone else.
    main = progress.reviewers[0] if progress.reviewers else None
    text = _progress_text(progress)
    if pending_only and not count:
        text += "\n\nNothing is pending."
    return Message(
        title=title,
        context=_context(progress, view, pages, system, tz, yours=zone is not None),
        text=text,
        items=tuple(_account(r, view, tz, system is None, main) for r in shown),
        buttons=_buttons(progress, view, pages, shown),
        footer=None if private else _shared_footer(pages),
        ephemeral=private,
    )


def _common_system(rows: Sequence[ReviewItemRow]) -> str | None:
    """The system every account is on, said once in the context; None when they differ."""
    systems = {str(r.item.details.get("system") or "") for r in rows}
    if len(systems) != 1:
        return None
    return systems.pop() or None


def _context(
    progress: ReviewProgress,
    view: PromptView,
    pages: int,
    system: str | None,
    tz: dt.tzinfo,
    *,
    yours: bool,
) -> str:
    """One subtle line: whose page it is and where, then what every row shares."""
    parts = []
    if view.private:
        parts.append(f"Page {view.page + 1} of {pages}" if pages > 1 else "")
        parts += ["pending only" if view.pending_only else "", "only you see this page"]
    parts.append(f"{system} accounts" if system else "")
    if progress.reviewers and not view.private:
        label = "reviewers" if len(progress.reviewers) > 1 else "reviewer"
        parts.append(f"{label} {', '.join(progress.reviewers)}")
    place = str(tz).replace("_", " ")  # "America/New York"
    parts.append(f"{place} time ({'yours' if yours else 'the program’s'})")
    return " · ".join(p for p in parts if p)


def _progress_text(progress: ReviewProgress) -> str:
    filled = progress.decided * _BAR // progress.total if progress.total else 0
    bar = "▰" * filled + "▱" * (_BAR - filled)
    counts = f"{progress.kept} kept · {progress.revoked} revoked"
    return f"{bar} {progress.decided} of {progress.total} decided · {counts}"


def _account(
    row: ReviewItemRow, view: PromptView, tz: dt.tzinfo, show_system: bool, main: str | None
) -> ListItem:
    item = row.item
    text = str(item.details.get("account") or item.subject)
    system = item.details.get("system")
    if show_system and system and item.details.get("account"):
        text += f" · {system}"
    if item.decision is ItemDecision.PENDING:
        parts = _notable(row)
        if row.reviewer != main:
            parts.append(f"reviewer {row.reviewer or 'nobody'}")
        return ListItem(text=text, detail=" · ".join(parts), buttons=_decide(row, view))
    parts = [_MARK.get(item.decision, item.decision.value)]
    parts.append(row.decided_by or "someone no longer known")
    if item.decided_at:
        parts.append(f"{item.decided_at.astimezone(tz):%d %b %H:%M}")
    return ListItem(text=text, detail=" · ".join(parts))


def _notable(row: ReviewItemRow) -> list[str]:
    """Who the account maps to, its role, its last activity and its flags, as far as known."""
    details = row.item.details
    parts = [row.holder or row.item.subject_email or "no person on file"]
    if details.get("role"):
        parts.append(str(details["role"]))
    if details.get("last_activity"):
        parts.append(f"last active {_day(str(details['last_activity']))}")
    # "orphan" is the holder's "no person on file"; "privileged" is the role already shown.
    flags = [FLAGS[f] for f in details.get("flags") or () if f in FLAGS and f not in _SAID]
    return parts + ([f"⚠ {', '.join(flags)}"] if flags else [])


def _day(text: str) -> str:
    """An ISO date (or date-time) as "3 Feb 2026"; anything else as the system wrote it."""
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} {day:%b %Y}"


def _decide(row: ReviewItemRow, view: PromptView) -> tuple[Button, ...]:
    ref = str(row.item.id)
    value = f"{ref};{view.token}" if view.private else ref
    confirm = Confirm(
        title="Revoke this access?",
        text=f"Revoke access: {short_subject(row.item.subject)}. "
        "The system owner gets a follow-up to remove it.",
        confirm_label="Revoke",
    )
    return (
        Button("Keep", f"{KEEP_ACTION}:{ref}", value, style="primary"),
        Button("Revoke", f"{REVOKE_ACTION}:{ref}", value, style="danger", confirm=confirm),
    )


def _buttons(
    progress: ReviewProgress, view: PromptView, pages: int, shown: Sequence[ReviewItemRow]
) -> tuple[Button, ...]:
    campaign_id, token = progress.campaign.id or 0, view.token
    pending = [r for r in shown if r.item.decision is ItemDecision.PENDING]
    buttons = [_bulk_keep(campaign_id, view, pending)] if pending else []
    if view.pending_only:
        buttons.append(Button("Show all accounts", f"{PAGE_ACTION}:{campaign_id}:0", token))
    elif progress.decided and progress.pending:
        buttons.append(Button("Show pending only", f"{PENDING_ACTION}:{campaign_id}:0", token))
    action = PENDING_ACTION if view.pending_only else PAGE_ACTION
    if view.page > 0:
        buttons.append(Button("Previous", f"{action}:{campaign_id}:{view.page - 1}", token))
    if view.page < pages - 1:
        buttons.append(Button("Next", f"{action}:{campaign_id}:{view.page + 1}", token))
    return tuple(buttons)


def _bulk_keep(campaign_id: int, view: PromptView, pending: Sequence[ReviewItemRow]) -> Button:
    """Keep every account still pending on this page: the ones shown, named in its value."""
    ids = ",".join(str(r.item.id) for r in pending)
    names = ", ".join(str(r.item.details.get("account") or r.item.subject) for r in pending)
    count = f"{len(pending)} account{'s' if len(pending) > 1 else ''}"
    confirm = Confirm(
        title="Keep all remaining on this page?",
        text=f"Keep access for the {count} still pending on this page ({short_subject(names)}). "
        "Any that are not yours to decide (your own, another reviewer's) stay pending.",
        confirm_label=f"Keep {len(pending)}",
    )
    action = f"{BULK_KEEP_ACTION}:{campaign_id}:{view.page}"
    value = f"{ids};{view.token}" if view.private else ids
    return Button("Keep all remaining on this page", action, value, confirm=confirm)


def _shared_footer(pages: int) -> str:
    where = f"Page 1 of {pages} · " if pages > 1 else ""
    return f"{where}Other pages and filters open only for you."


def bulk_keep_view(result: BulkKeep) -> Message:
    """What "Keep all remaining on this page" did, told to whoever pressed it."""
    kept = len(result.kept)
    text = f"Kept {kept} account{'s' if kept != 1 else ''}."
    if result.skipped:
        total = sum(len(names) for _, names in result.skipped)
        reasons = [f"{len(names)} {why}{_named(names, why)}" for why, names in result.skipped]
        text += f" Skipped {total}: {'; '.join(reasons)}."
    if result.completed:
        text += " That was the last one: the review is complete."
    return Message(text=text)


def _named(names: Sequence[str], reason: str) -> str:
    """Your own accounts are named (you may wonder which); other skips are only counted."""
    return f" ({short_subject(', '.join(names))})" if reason == "your own account" else ""


def _summary(progress: ReviewProgress, title: str) -> Message:
    campaign = progress.campaign
    if campaign.status is CampaignStatus.COMPLETED:
        when = f" on {progress.completed_on:%d %b %Y}" if progress.completed_on else ""
        text = f"Completed{when}: all {progress.total} accounts decided."
        footer = "The decisions are stored as evidence (a CSV of every decision)."
    else:
        text = f"{campaign.status.value.capitalize()}: {progress.decided} of {progress.total} "
        text += "accounts were decided."
        footer = None
    fields = (
        Field("Keep", str(progress.kept)),
        Field("Revoke", str(progress.revoked)),
        Field("Follow-ups", f"{progress.follow_ups} to remove revoked access"),
        Field("Reviewers", ", ".join(progress.reviewers) or "nobody"),
    )
    return Message(title=title, text=text, fields=fields, footer=footer, ephemeral=False)

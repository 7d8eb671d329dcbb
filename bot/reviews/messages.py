"""Pure views of access reviews: the paged channel prompt and the open follow-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.messages import Button, Confirm, Field, ListItem, Message, Section
from bot.reviews.facts import ReviewItemRow, ReviewProgress
from models import CampaignStatus, FollowUp, FollowUpStatus, ItemDecision

KEEP_ACTION = "review_keep"
REVOKE_ACTION = "review_revoke"
PAGE_ACTION = "review_page"
FOLLOW_UP_DONE_ACTION = "fu_done"
_DONE_WORD = {ItemDecision.KEEP: "kept", ItemDecision.REVOKE: "revoked"}
# Chat platforms cap dialog text (Slack: 300 characters), so long subjects are shortened.
_MAX_DIALOG_SUBJECT = 150


def review_prompt_view(progress: ReviewProgress, *, page: int = 0, page_size: int = 20) -> Message:
    """The prompt posted in the channel: one page of accounts, each with Keep / Revoke."""
    campaign = progress.campaign
    title = f"Access review: {campaign.name}"
    if campaign.status is not CampaignStatus.OPEN:
        return _summary(progress, title)
    size = max(page_size, 1)
    pages = max(1, -(-len(progress.items) // size))
    page = min(max(page, 0), pages - 1)
    shown = progress.items[page * size : (page + 1) * size]
    several = len(progress.reviewers) > 1
    where = f"Page {page + 1} of {pages} · " if pages > 1 else ""
    return Message(
        title=title,
        text=_progress_text(progress),
        items=tuple(_account(row, show_reviewer=several) for row in shown),
        buttons=_navigation(campaign.id or 0, page, pages),
        footer=f"{where}Only the assigned reviewer's clicks count.",
        ephemeral=False,
    )


def _progress_text(progress: ReviewProgress) -> str:
    parts = [
        f"{progress.decided} of {progress.total} decided",
        f"{progress.kept} keep",
        f"{progress.revoked} revoke",
    ]
    if progress.reviewers:
        label = "reviewers" if len(progress.reviewers) > 1 else "reviewer"
        parts.append(f"{label} {', '.join(progress.reviewers)}")
    return " · ".join(parts)


def _account(row: ReviewItemRow, *, show_reviewer: bool) -> ListItem:
    item = row.item
    parts = [item.subject_email or "no email on file"]
    system = item.details.get("system")
    if system:
        parts.append(str(system))
    if item.decision is ItemDecision.PENDING:
        parts.append(f"pending · reviewer {row.reviewer}" if show_reviewer else "pending")
        return ListItem(text=item.subject, detail=" · ".join(parts), buttons=_decide(row))
    word = _DONE_WORD.get(item.decision, item.decision.value)
    parts.append(f"{word} by {row.decided_by or 'someone no longer known'}")
    if item.decided_at:
        parts[-1] += f" on {_when(item.decided_at)}"
    return ListItem(text=item.subject, detail=" · ".join(parts))


def _decide(row: ReviewItemRow) -> tuple[Button, ...]:
    ref = str(row.item.id)
    confirm = Confirm(
        title="Revoke this access?",
        text=f"Revoke access: {_short(row.item.subject)}. "
        "The system owner gets a follow-up to remove it.",
        confirm_label="Revoke",
    )
    return (
        Button("Keep", f"{KEEP_ACTION}:{ref}", ref, style="primary"),
        Button("Revoke", f"{REVOKE_ACTION}:{ref}", ref, style="danger", confirm=confirm),
    )


def _navigation(campaign_id: int, page: int, pages: int) -> tuple[Button, ...]:
    buttons = []
    if page > 0:
        buttons.append(_page_button("Previous page", campaign_id, page - 1))
    if page < pages - 1:
        buttons.append(_page_button("Next page", campaign_id, page + 1))
    return tuple(buttons)


def _page_button(label: str, campaign_id: int, page: int) -> Button:
    ref = f"{campaign_id}:{page}"
    return Button(label, f"{PAGE_ACTION}:{ref}", ref)


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


def follow_ups_section(follow_ups: Sequence[FollowUp]) -> Section | None:
    """Open follow-ups (e.g. in `mine`), each with a Done button; None when there are none."""
    still_open = [f for f in follow_ups if f.status is FollowUpStatus.OPEN]
    if not still_open:
        return None
    return Section(
        heading=f"Follow-ups ({len(still_open)})",
        items=tuple(_follow_up(f) for f in still_open),
    )


def _follow_up(follow_up: FollowUp) -> ListItem:
    ref = str(follow_up.id)
    confirm = Confirm(
        title="Mark this follow-up done?",
        text=f"{_short(follow_up.title)}: done.",
        confirm_label="Yes, done",
    )
    done = Button("Done", f"{FOLLOW_UP_DONE_ACTION}:{ref}", ref, style="primary", confirm=confirm)
    return ListItem(
        text=follow_up.title, detail=f"due {follow_up.due_on:%a %d %b %Y}", buttons=(done,)
    )


def _when(value: dt.datetime) -> str:
    return f"{value.astimezone(dt.UTC):%d %b %Y %H:%M} UTC"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_DIALOG_SUBJECT else text[: _MAX_DIALOG_SUBJECT - 1] + "…"

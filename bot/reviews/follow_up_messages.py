"""Follow-ups in people's work lists: each open one with its Done button."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.messages import Button, Confirm, ListItem, Section
from models import FollowUp, FollowUpStatus

FOLLOW_UP_DONE_ACTION = "fu_done"
_MAX_TITLE = 150


def follow_ups_section(follow_ups: Sequence[FollowUp]) -> Section | None:
    """Open follow-ups (e.g. in `mine`), each with a Done button; None when there are none."""
    still_open = [f for f in follow_ups if f.status is FollowUpStatus.OPEN]
    if not still_open:
        return None
    items = tuple(_follow_up(f) for f in still_open)
    return Section(heading=f"Follow-ups ({len(still_open)})", items=items)


def _follow_up(follow_up: FollowUp) -> ListItem:
    ref = str(follow_up.id)
    confirm = Confirm(
        title="Mark this follow-up done?",
        text=f"{short_subject(follow_up.title)}: done.",
        confirm_label="Yes, done",
    )
    done = Button("Done", f"{FOLLOW_UP_DONE_ACTION}:{ref}", ref, style="primary", confirm=confirm)
    detail = f"due {follow_up.due_on:%a %d %b %Y}"
    return ListItem(text=follow_up.title, detail=detail, buttons=(done,))


def short_subject(text: str) -> str:
    """A subject cut to what a confirmation dialog shows."""
    return text if len(text) <= _MAX_TITLE else text[: _MAX_TITLE - 1] + "…"

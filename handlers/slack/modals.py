"""Slack modal views for evidence uploads and access reviews (Slack adapter; pure functions)."""

from __future__ import annotations

import json
from typing import Any

from bot.chat.reviews import MAX_REASON
from handlers.slack.blocks import BLOCK_LIMITS
from handlers.slack.mrkdwn import truncate

View = dict[str, Any]
EVIDENCE_CALLBACK_ID = "evidence_submit"
REVIEW_START_CALLBACK_ID = "review_start_submit"
MODAL_BLOCKS = 100
MODAL_TITLE = 24
MAX_EVIDENCE_FILES = 10  # Slack's file_input maximum
NOTE_MAX_LENGTH = 2000
_LABEL = 2000
_PLACEHOLDER = 150
CSV_HINT = (
    "CSV columns: account (required); email (the account holder, used to refuse "
    "self-review); system; system_owner (email of who removes revoked access)."
)
REASON_HINT = (
    "Only when an admin makes the control's owner its reviewer: why. It goes into the audit trail."
)
# Where the selected value sits in `view.state.values[block][action]`, by element type.
_STATE_KEYS = {
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "users_select": "selected_user",
    "datepicker": "selected_date",
}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit, mrkdwn=False)}


def modal_input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, _LABEL),
        "element": element,
        "optional": optional,
    }
    return {**block, "hint": _plain(hint, _LABEL)} if hint else block


def modal(callback_id: str, title: str, blocks: list[dict[str, Any]], meta: Any) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title, MODAL_TITLE),
        "submit": _plain("Submit", MODAL_TITLE),
        "close": _plain("Cancel", MODAL_TITLE),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def text_input(action_id: str, **options: Any) -> dict[str, Any]:
    placeholder = options.pop("placeholder", None)
    element = {"type": "plain_text_input", "action_id": action_id, **options}
    return {**element, "placeholder": _plain(placeholder, _PLACEHOLDER)} if placeholder else element


def evidence_modal(
    *,
    occurrence_id: int,
    title: str,
    period: str,
    requirement: str,
    channel_id: str | None = None,
    message_ts: str | None = None,
) -> View:
    """The "Attach evidence" modal; its metadata says which message carried the button."""
    limit = BLOCK_LIMITS.section_text // 3 - 20
    about = (
        f"*Task:* {truncate(title, limit)}\n*Period:* {truncate(period, limit)}\n"
        f"*Required:* {truncate(requirement, limit)}"
    )
    files = {"type": "file_input", "action_id": "files", "max_files": MAX_EVIDENCE_FILES}
    note = text_input("note", multiline=True, max_length=NOTE_MAX_LENGTH)
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": about}},
        modal_input(
            "evidence_files", "Files", files, hint="Up to 10 files; each is hashed and kept."
        ),
        modal_input("evidence_note", "Note", note, optional=True),
    ]
    meta = {"occurrence": occurrence_id, "channel": channel_id, "ts": message_ts}
    return modal(EVIDENCE_CALLBACK_ID, "Attach evidence", blocks, meta)


def review_start_modal(*, name: str = "", channel_id: str | None = None) -> View:
    """The modal that starts an access review from a CSV of accounts."""
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "channel",
        "filter": {"include": ["public", "private"]},
    }
    if channel_id:
        channel["initial_conversation"] = channel_id
    name_input = text_input("name", **({"initial_value": name} if name else {}))
    csv = {"type": "file_input", "action_id": "csv", "filetypes": ["csv"], "max_files": 1}
    blocks = [
        modal_input("review_name", "Review name", name_input),
        modal_input("review_channel", "Channel for the review", channel),
        modal_input(
            "review_reviewer", "Reviewer", {"type": "users_select", "action_id": "reviewer"}
        ),
        modal_input(
            "review_control",
            "Control",
            text_input("control", placeholder="CC6.1-AR"),
            optional=True,
        ),
        modal_input(
            "review_reason",
            "Reason (owner as reviewer)",
            text_input("reason", multiline=True, max_length=MAX_REASON),
            optional=True,
            hint=REASON_HINT,
        ),
        modal_input("review_csv", "Accounts (CSV)", csv, hint=CSV_HINT),
    ]
    return modal(REVIEW_START_CALLBACK_ID, "Start access review", blocks, {"channel": channel_id})


def _state_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind == "file_input":
        return state.get("files") or []
    if kind == "static_select":
        return (state.get("selected_option") or {}).get("value")
    return state.get(_STATE_KEYS.get(str(kind), "value"))


def parse_view_values(view: dict[str, Any]) -> dict[str, Any]:
    """Submitted values by action id: text, selected conversation/user, or the files list.

    Action ids are unique across our modals' blocks, so flattening loses nothing.
    """
    blocks = ((view.get("state") or {}).get("values")) or {}
    return {
        action_id: _state_value(state)
        for actions in blocks.values()
        for action_id, state in actions.items()
    }


def evidence_modal_for(
    item: Any, channel_id: str | None, message_ts: str | None, response_url: str | None
) -> View:
    """The evidence modal for a work item; `response_url` lets the submission redraw the
    ephemeral list the button was on."""
    view = evidence_modal(
        occurrence_id=item.occurrence_id,
        title=item.task_title,
        period=item.period_key,
        requirement=item.evidence,
        channel_id=channel_id,
        message_ts=message_ts,
    )
    if response_url:
        meta = json.loads(view.get("private_metadata") or "{}")
        view["private_metadata"] = json.dumps({**meta, "response_url": response_url})
    return view

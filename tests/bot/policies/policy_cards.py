"""Policy cards as their DMs show them, from sample facts (no database)."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import Message
from bot.policies.facts import ApprovalRequest, ReviewRequest
from bot.policies.messages import approval_card_view, changes_requested_view, review_card_view

SHA = "9f" * 32
REQUEST = ApprovalRequest(
    version_id=12, policy_id=3, policy_key="access-control", title="Access Control Policy",
    version="1.1", document="access-control.pdf", link=None, sha256=SHA,
    submitted_by="Raj Iyer", step=1, steps=2, note="Adds the break-glass account",
)  # fmt: skip
REVIEW = ReviewRequest(
    policy_id=3, policy_key="access-control", title="Access Control Policy", version="1.0",
    document="https://intranet.acme.test/acp", sha256=SHA, occurrence_id=41,
    due_on=dt.date(2026, 1, 31),
)  # fmt: skip


def sample_cards() -> list[Message]:
    """Every policy card with buttons: the owner's review, the approver's ask, changes."""
    return [
        review_card_view(REVIEW),
        approval_card_view(REQUEST),
        changes_requested_view(REQUEST, by="Eve Park", comment="Name the break-glass account"),
    ]

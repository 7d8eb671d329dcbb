"""Policy cards in the neutral model: the owner's review, the approver's ask, and their answers.

The `policies` list and the `policy <id>` detail are in `bot.policies.views`.
"""

from __future__ import annotations

import datetime as dt

from bot.audit.values import short_hash
from bot.core.messages import LINK_ACTION, Button, Field, Message
from bot.policies.facts import ApprovalRequest, Decided, ReviewAnswered, ReviewRequest
from bot.work.messages import (
    POLICY_NEW_VERSION_ACTION,
    POLICY_NO_CHANGES_ACTION,
    policy_review_buttons,
)

# The owner's answers are built in `bot.work.messages`, so that reminders and task cards (below
# this layer) offer the very same buttons as the review card.
NO_CHANGES_ACTION = POLICY_NO_CHANGES_ACTION  # :<policy id>
NEW_VERSION_ACTION = POLICY_NEW_VERSION_ACTION  # :<policy id>
APPROVE_ACTION = "policy_approve"  # :<version id>, value: the SHA-256 the approver saw
CHANGES_ACTION = "policy_changes"  # :<version id>, value: the SHA-256; asks for a comment
CHANGES_SUBMIT_ACTION = "policy_changes_submit"  # the comment form's submission


def day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def subject(title: str, version: str) -> str:
    return f"{title}, version {version}"


def no_changes_statement(title: str, version: str) -> str:
    """What the owner attests, word for word, when the policy stays as it is."""
    return f"No changes: {subject(title, version)}"


def _open(link: str | None) -> tuple[Button, ...]:
    return (Button("Open document", LINK_ACTION, url=link),) if link else ()


def review_card_view(request: ReviewRequest) -> Message:
    """The owner's DM when the review opens: confirm the version, or send the new one."""
    version = f"version {request.version}" if request.version else "it"
    current = (
        f"Version {request.version}: {request.document}" if request.version else
        "No version is published yet."
    )  # fmt: skip
    if request.sha256:
        current += f"\nSHA-256 {short_hash(request.sha256)}"
    return Message(
        title=f"Time to review {request.title}",
        context=f"Due {day(request.due_on)} · #{request.occurrence_id}",
        text=(
            f"Is {version} still right? Press No changes to confirm it as it is, or New "
            "version and send the new document as a file: it then goes to the approvers."
            f"\n\n{current}"
        ),
        buttons=policy_review_buttons(request.policy_id),
        footer=f"Its versions and approvals: `policy {request.policy_key}`",
        ephemeral=False,
    )


def approval_card_view(request: ApprovalRequest) -> Message:
    """An approver's DM: the version, its document and hash, and Approve / Request changes."""
    fields = (Field("Note", request.note),) if request.note else ()
    value, ref = request.sha256, request.version_id
    return Message(
        title=f"Please approve {subject(request.title, request.version)}",
        context=f"Step {request.step} of {request.steps} · submitted by {request.submitted_by}",
        text=(
            f"Document: {request.document}\nSHA-256 {request.sha256}\n\nYour decision is "
            "recorded with this SHA-256. If the document changes, approvals start again from "
            "the first approver."
        ),
        fields=fields,
        buttons=(
            *_open(request.link),
            Button("Approve", f"{APPROVE_ACTION}:{ref}", value, "primary"),
            Button("Request changes", f"{CHANGES_ACTION}:{ref}", value, "danger"),
        ),
        footer=f"Or type `policy approve {request.policy_key}`",
        ephemeral=False,
    )


def decided_view(decided: Decided) -> Message:
    """The approver's card once decided (it replaces the one with the buttons)."""
    what = subject(decided.title, decided.version)
    if not decided.approved:
        said = f" Your comment: “{decided.comment}”" if decided.comment else ""
        return Message(
            title=f"Changes requested: {what}",
            text=f"The owner is asked for a revised document; you will be asked again when it "
            f"comes.{said}",
            ephemeral=False,
        )
    if decided.published:
        people = f" for {decided.enrolled} people" if decided.enrolled else ""
        round_ = f" (camp-{decided.campaign_id})" if decided.campaign_id else ""
        after = f"Published. Its acknowledgement round{round_} has started{people}."
    else:
        after = f"Next: {decided.next_approver} (step {decided.step + 1} of {decided.steps})."
    return Message(
        title=f"✓ You approved {what}",
        context=f"Step {decided.step} of {decided.steps}",
        text=after,
        ephemeral=False,
    )


def changes_requested_view(request: ApprovalRequest, *, by: str, comment: str) -> Message:
    """The owner's DM after an approver asked for changes, with their comment."""
    return Message(
        title=f"Changes requested: {subject(request.title, request.version)}",
        context=f"By {by} (step {request.step} of {request.steps})",
        text=(
            f"“{comment}”\n\nPress New version and send the revised document as a file (the "
            "same version number replaces this document; approvals then start again)."
        ),
        buttons=(
            Button(
                "New version", f"{NEW_VERSION_ACTION}:{request.policy_id}", str(request.policy_id)
            ),
        ),  # fmt: skip
        footer=f"Its versions and approvals: `policy {request.policy_key}`",
        ephemeral=False,
    )


def published_view(
    title: str, version: str, *, campaign_id: int | None, enrolled: int, unreachable: int
) -> Message:
    """The owner's DM once the last approver approved."""
    lines = [f"Every approver approved {subject(title, version)}: it is published."]
    if campaign_id:
        lines.append(f"Its acknowledgement round camp-{campaign_id} asks {enrolled} people.")
    if unreachable:
        lines.append(f"{unreachable} of them have no chat account linked yet.")
    return Message(title=f"Published: {subject(title, version)}", text=" ".join(lines))


def reviewed_view(answered: ReviewAnswered) -> Message:
    """The owner's review card once answered "no changes" (it replaces the one with buttons)."""
    return Message(
        title=f"✓ Reviewed: {subject(answered.title, answered.version)}",
        context=f"#{answered.occurrence_id}",
        text=f"No changes. Recorded, word for word: “{answered.statement}”",
        ephemeral=False,
    )


def no_changes_view(answered: ReviewAnswered) -> Message:
    return Message(
        title="Review recorded",
        text=(
            f"Recorded on #{answered.occurrence_id}, word for word: “{answered.statement}”. "
            "Nothing else changes: people keep the version they accepted."
        ),
    )


def submitted_view(request: ApprovalRequest, *, approver: str, reachable: bool) -> Message:
    """The owner's answer once a new version (or document) is in."""
    lines = [
        f"{subject(request.title, request.version)} is waiting for approval.",
        f"Document {request.document} · SHA-256 {short_hash(request.sha256)}",
        f"Sent to {approver} (step {request.step} of {request.steps}).",
    ]
    if not reachable:
        lines[-1] = (
            f"{approver} (step {request.step} of {request.steps}) has no chat account linked "
            f"yet: they can answer with `policy approve {request.policy_key}` once they do."
        )
    return Message(title="Submitted for approval", text="\n".join(lines))


def new_version_asked_view(title: str, key: str, *, here: bool, suggested: str) -> Message:
    """After "New version": where to send the file, and which version it becomes."""
    named = f"write its version in the message (e.g. {suggested}), or it becomes {suggested}"
    if here:
        return Message(
            text=f"Send the new document of {title} here in this chat within 30 minutes; "
            f"{named}. It then goes to the approvers."
        )
    return Message(
        text=f"Reply in the thread of this message with the new document of {title}, or send "
        f"it to me in a DM with `policy submit {key} <version>` in the message; {named}."
    )

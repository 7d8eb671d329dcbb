"""Policy cards in the neutral model: the owner's review, the approver's ask, and their answers.

The `policies` list and the `policy <id>` detail are in `bot.policies.views`.
"""

from __future__ import annotations

import datetime as dt

from bot.core.messages import LINK_ACTION, Button, Field, Message
from bot.policies.facts import ApprovalRequest, Decided, ReviewAnswered, ReviewRequest

NO_CHANGES_ACTION = "policy_no_changes"  # :<policy id>
NEW_VERSION_ACTION = "policy_new_version"  # :<policy id>
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


def review_buttons(policy_id: int) -> tuple[Button, ...]:
    """The owner's answers: the version stays, or a new one comes as a file."""
    return (
        Button("No changes", f"{NO_CHANGES_ACTION}:{policy_id}", str(policy_id), "primary"),
        Button("New version", f"{NEW_VERSION_ACTION}:{policy_id}", str(policy_id)),
    )


def review_card_view(request: ReviewRequest) -> Message:
    """The owner's DM when the review opens: confirm the version, or send the new one."""
    fields = [Field("Current version", request.version or "none published yet")]
    fields += [Field("Document", request.document)] if request.document else []
    fields += [Field("SHA-256", request.sha256)] if request.sha256 else []
    version = f"version {request.version}" if request.version else "it"
    return Message(
        title=f"Time to review {request.title}",
        context=f"Due {day(request.due_on)} · #{request.occurrence_id}",
        text=(
            f"Is {version} still right? Press No changes to confirm it as it is, or New "
            "version and send the new document as a file: it then goes to the approvers."
        ),
        fields=tuple(fields),
        buttons=review_buttons(request.policy_id),
        footer=f"Policy {request.policy_key} · to see it, send: policy {request.policy_key}",
        ephemeral=False,
    )


def approval_card_view(request: ApprovalRequest) -> Message:
    """An approver's DM: the version, its document and hash, and Approve / Request changes."""
    fields = [Field("Document", request.document), Field("SHA-256", request.sha256)]
    fields += [Field("Note", request.note)] if request.note else []
    value, ref = request.sha256, request.version_id
    return Message(
        title=f"Please approve {subject(request.title, request.version)}",
        context=f"Step {request.step} of {request.steps} · submitted by {request.submitted_by}",
        text=(
            "Your decision is recorded with the document's SHA-256 above. If the document "
            "changes, approvals start again from the first approver."
        ),
        fields=tuple(fields),
        buttons=(
            *_open(request.link),
            Button("Approve", f"{APPROVE_ACTION}:{ref}", value, "primary"),
            Button("Request changes", f"{CHANGES_ACTION}:{ref}", value, "danger"),
        ),
        footer=f"Policy {request.policy_key} · or send: policy approve {request.policy_key}",
        ephemeral=False,
    )


def decided_view(decided: Decided) -> Message:
    """The approver's card once decided (it replaces the one with the buttons)."""
    what = subject(decided.title, decided.version)
    if not decided.approved:
        said = f": “{decided.comment}”" if decided.comment else ""
        return Message(
            title=f"Changes requested: {what}",
            text=f"The owner has your comment{said}. You will be asked again for the new document.",
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
        footer=f"Policy {request.policy_key}",
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
        f"Document {request.document} · SHA-256 {request.sha256}",
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

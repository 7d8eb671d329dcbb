"""Messages about work: occurrence lines and their buttons, `mine`, and a task's own card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.messages import Button, Confirm, ListItem, Message, Section
from bot.work.facts import State, WorkItem

_STATE_MARK = {
    State.OVERDUE: "OVERDUE",
    State.OPEN: "open",
    State.UPCOMING: "upcoming",
    State.DONE: "done",
    State.SKIPPED: "skipped",
}


DONE_ACTION = "occ_done"
ATTACH_ACTION = "occ_attach"
# A policy's review is answered by its owner, with these instead (table rows and services in
# `bot.policies`, which builds its own cards with the same buttons); both carry the policy's id.
POLICY_NO_CHANGES_ACTION = "policy_no_changes"
POLICY_NEW_VERSION_ACTION = "policy_new_version"


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def default_statement(*, task_title: str, period_key: str) -> str:
    """The attestation text a person confirms when no other statement is given."""
    return f"I confirm that “{task_title}” for period {period_key} was performed as described."


def work_item(item: WorkItem, *, actions: bool = False) -> ListItem:
    """One occurrence line; with actions, the buttons to finish it."""
    who = f" · {item.assignee}" if item.assignee else ""
    detail = f"{_STATE_MARK[item.state]} · due {_day(item.due_on)}{who}"
    return ListItem(
        text=f"#{item.occurrence_id} {item.control_key} — {item.task_title} ({item.period_key})",
        detail=detail,
        # Evidence is taken from the day a period starts, so upcoming work has no buttons yet.
        buttons=work_buttons(item) if actions and item.state is not State.UPCOMING else (),
    )


def policy_review_buttons(policy_id: int) -> tuple[Button, ...]:
    """A policy owner's answers to its review: the version stays, or a new one comes as a file."""
    ref = str(policy_id)
    return (
        Button("No changes", f"{POLICY_NO_CHANGES_ACTION}:{ref}", ref, "primary"),
        Button("New version", f"{POLICY_NEW_VERSION_ACTION}:{ref}", ref),
    )


def policy_review_pointer(key: str, occurrence_id: int) -> str:
    """Why a policy's review is not marked done (nor given a file) like other work."""
    return (
        f"#{occurrence_id} is the review of a policy: it is answered, not marked done. Answer "
        "the review with No changes or send the new version (press New version, or send the "
        f"file with `policy submit {key} <version>`): `policy {key}` shows it."
    )


def work_buttons(item: WorkItem) -> tuple[Button, ...]:
    """Mark done (with a confirm dialog) and/or attach evidence, as the task requires; a
    policy's review gets its owner's answers instead."""
    if item.policy is not None:
        return policy_review_buttons(item.policy.id)
    ref = str(item.occurrence_id)
    attach = Button("Attach evidence", f"{ATTACH_ACTION}:{ref}", ref)
    if item.evidence == "file":
        return (attach,)
    # The dialog shows the exact statement that is stored as the attestation.
    statement = default_statement(task_title=item.task_title, period_key=item.period_key)
    confirm = Confirm(
        title="Confirm this work was done", text=statement, confirm_label="Yes, confirm"
    )
    done = Button("Mark done", f"{DONE_ACTION}:{ref}", ref, style="primary", confirm=confirm)
    return (done, attach) if item.evidence == "any" else (done,)


def my_work_view(items: list[WorkItem], extras: Sequence[Section | None] = ()) -> Message:
    """`mine`: the person's work items, after `extras` (sections of the domains above work,
    such as rounds to accept or follow-ups, None where there is nothing to show)."""
    sections = tuple(s for s in extras if s is not None)
    if not items and not sections:
        return Message(title="Your work", text="Nothing open or coming up for you. Nice.")
    count = len(items) + sum(len(s.items) for s in sections)
    # Every item goes in; each front end pages long lists its own way.
    return Message(
        title=f"Your work ({count})",
        sections=sections,
        items=tuple(work_item(i, actions=True) for i in items),
    )


def task_card_view(item: WorkItem) -> Message:
    """A message about one occurrence; files replied in its thread become its evidence."""
    done = item.state in (State.DONE, State.SKIPPED)
    ask = "\nReply in this thread with your evidence file, or use a button."
    if item.policy is not None:
        ask = (
            "\nThe policy's owner answers: No changes, or New version (or reply in this thread "
            f"with the new document). `policy {item.policy.key}` shows it."
        )
    return Message(
        title=f"#{item.occurrence_id} {item.control_key} — {item.task_title}",
        text=f"Period {item.period_key}, due {_day(item.due_on)} · {_STATE_MARK[item.state]}."
        + ("" if done else ask),
        buttons=() if done else work_buttons(item),
        ephemeral=False,
    )

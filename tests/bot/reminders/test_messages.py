"""Reminder and escalation messages: what they say and which buttons they carry."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.core.plain import render_plain
from bot.reminders.facts import ReminderNote
from bot.reminders.messages import reminder_view, undeliverable_view
from bot.work.facts import PolicyRef, State

NOTE = ReminderNote(
    occurrence_id=12,
    control_key="CC6.1-AR",
    control_title="Quarterly production access review",
    task_title="Review production access",
    period_key="2026-Q1",
    due_on=dt.date(2026, 1, 15),
    evidence="any",
    state=State.OPEN,
    assignee="Raj Iyer",
    audience="assignee",
    today=dt.date(2026, 1, 14),
    overdue_days=0,
)


def action_ids(note: ReminderNote) -> list[str]:
    return [b.action_id for b in reminder_view(note).buttons]


def test_reminder_names_task_control_due_date_and_state() -> None:
    message = reminder_view(NOTE)
    assert message.title == "Reminder: Review production access"
    assert message.text == "“Review production access” for 2026-Q1 is due tomorrow."
    assert {f.label: f.value for f in message.fields} == {
        "Control": "CC6.1-AR — Quarterly production access review",
        "Period": "2026-Q1",
        "Due": "Thu 15 Jan 2026",
        "State": "open",
        "Assigned to": "Raj Iyer",
    }
    assert not message.ephemeral
    assert "#12" in (message.footer or "")


def test_reminder_buttons_reuse_the_work_item_actions_and_add_snooze() -> None:
    assert action_ids(NOTE) == ["occ_done:12", "occ_attach:12", "occ_snooze:12"]
    done = reminder_view(NOTE).buttons[0]
    assert done.confirm is not None and "2026-Q1" in done.confirm.text
    assert action_ids(dataclasses.replace(NOTE, evidence="file")) == [
        "occ_attach:12",
        "occ_snooze:12",
    ]
    assert action_ids(dataclasses.replace(NOTE, state=State.UPCOMING)) == ["occ_snooze:12"]


def test_overdue_reminder_counts_business_days() -> None:
    late = dataclasses.replace(
        NOTE, state=State.OVERDUE, today=dt.date(2026, 1, 19), overdue_days=2
    )
    message = reminder_view(late)
    assert message.title == "Overdue: Review production access"
    assert "was due Thu 15 Jan 2026, 2 business days ago" in (message.text or "")


def test_manager_escalation_asks_for_help_without_action_buttons() -> None:
    late = dataclasses.replace(
        NOTE, state=State.OVERDUE, audience="manager", today=dt.date(2026, 1, 20), overdue_days=3
    )
    message = reminder_view(late)
    assert message.title == "Escalation: Review production access is overdue"
    assert "Raj Iyer, who reports to you" in (message.text or "")
    assert message.buttons == ()
    channel = reminder_view(dataclasses.replace(late, audience="compliance"))
    assert [b.action_id for b in channel.buttons][-1] == "occ_snooze:12"


def test_undeliverable_notice_says_who_and_why() -> None:
    message = undeliverable_view(NOTE, person="Sam <sam@acme.test>", reason="no account")
    assert message.text == (
        "I cannot remind Sam <sam@acme.test> about #12 CC6.1-AR — “Review production access” "
        "(2026-Q1): no account."
    )
    assert "Meant for: assignee" in render_plain(message)
    nobody = undeliverable_view(NOTE, person=None, reason="nobody is assigned")
    assert "Nobody is assigned to #12" in (nobody.text or "")


# Raj's yearly review of the Access Control Policy (policy 5), as its reminders see it.
REVIEW = dataclasses.replace(
    NOTE, task_title="Review Access Control Policy", period_key="2026",
    policy=PolicyRef(5, "access-control"),
)  # fmt: skip


def test_a_policy_review_reminder_offers_the_owners_answers_and_snooze() -> None:
    for state in (State.OPEN, State.OVERDUE):  # before and on the due day, then overdue
        assert action_ids(dataclasses.replace(REVIEW, state=state)) == [
            "policy_no_changes:5",
            "policy_new_version:5",
            "occ_snooze:12",
        ]
    shown = reminder_view(REVIEW).text or ""
    assert "Press No changes to confirm the current version, or New version" in shown
    assert "`policy access-control`" in shown and "Mark done" not in render_plain(
        reminder_view(REVIEW)
    )
    assert "with the new document to send it as a new version" in (
        reminder_view(REVIEW).footer or ""
    )
    assert action_ids(dataclasses.replace(REVIEW, state=State.UPCOMING)) == ["occ_snooze:12"]


def test_a_policy_review_escalation_only_informs() -> None:
    late = dataclasses.replace(REVIEW, state=State.OVERDUE, overdue_days=7)
    for audience in ("manager", "owner", "backup_owner", "compliance"):
        message = reminder_view(dataclasses.replace(late, audience=audience))
        assert message.buttons == (), audience
        assert "Its owner answers it with No changes or a new version" in (message.text or "")
        assert "evidence" not in (message.footer or "")

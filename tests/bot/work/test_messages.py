"""Work messages: what people see for work items and their buttons."""

from __future__ import annotations

import datetime as dt

from bot.work.facts import State, WorkItem
from bot.work.messages import my_work_view, work_item


def item(state: State, evidence: str = "any") -> WorkItem:
    return WorkItem(
        occurrence_id=42,
        control_key="CC6.1-AR",
        task_title="Review production access",
        period_key="2026-Q2",
        due_on=dt.date(2026, 4, 15),
        state=state,
        evidence=evidence,
        assignee="Raj Iyer",
    )


def test_open_work_offers_mark_done_with_a_confirm_dialog_and_attach() -> None:
    buttons = work_item(item(State.OPEN), actions=True).buttons
    assert [b.label for b in buttons] == ["Mark done", "Attach evidence"]
    assert buttons[0].confirm is not None and "2026-Q2" in buttons[0].confirm.text
    assert {b.action_id for b in buttons} == {"occ_done:42", "occ_attach:42"}


def test_file_only_work_offers_only_attach() -> None:
    buttons = work_item(item(State.OVERDUE, evidence="file"), actions=True).buttons
    assert [b.label for b in buttons] == ["Attach evidence"]


def test_upcoming_work_has_no_buttons_yet() -> None:
    assert work_item(item(State.UPCOMING), actions=True).buttons == ()


def test_empty_work_list_says_so() -> None:
    assert "Nothing open" in (my_work_view([]).text or "")

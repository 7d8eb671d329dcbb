"""Work messages: what people see for work items and their buttons."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.core.messages import Button
from bot.core.plain import render_plain
from bot.work.facts import PolicyRef, State, WorkItem
from bot.work.messages import my_work_view, policy_review_pointer, task_card_view, work_item

REVIEW = PolicyRef(5, "access-control")  # the policy whose yearly review the item is


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


def answers(buttons: tuple[Button, ...]) -> list[tuple[str, str, str]]:
    return [(b.label, b.action_id, b.value) for b in buttons]


def test_a_policys_review_offers_its_owners_answers_not_mark_done() -> None:
    review = dataclasses.replace(item(State.OVERDUE), policy=REVIEW)
    assert answers(work_item(review, actions=True).buttons) == [
        ("No changes", "policy_no_changes:5", "5"),
        ("New version", "policy_new_version:5", "5"),
    ]


def test_the_task_card_of_a_policys_review_shows_the_owners_answers() -> None:
    card = task_card_view(dataclasses.replace(item(State.OPEN), policy=REVIEW))
    assert [b.label for b in card.buttons] == ["No changes", "New version"]
    shown = card.text or ""
    assert "`policy access-control`" in shown and "new document" in shown
    assert "Mark done" not in render_plain(card) and "evidence file" not in shown
    done = task_card_view(dataclasses.replace(item(State.DONE), policy=REVIEW))
    assert done.buttons == ()


def test_the_pointer_names_the_review_its_answers_and_the_policy() -> None:
    said = policy_review_pointer("access-control", 12)
    assert said.startswith("#12 is the review of a policy")
    assert "No changes" in said and "`policy submit access-control <version>`" in said
    assert "`policy access-control`" in said

"""Snooze from a reminder: the button opens a modal; days and a reason pause the reminders."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from models import AuditEvent, Occurrence
from tests.handlers.slack.blockkit import assert_modal_limits
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.handlers.slack.test_actions import buttons, db_of


def press_snooze(slack: SlackScenario, user: str) -> tuple[int, int]:
    """Press Snooze on Raj's first task (as a reminder carries it); (status, occurrence id)."""
    done = next(b for b in buttons(slack, "URAJ") if b["action_id"].startswith("occ_done:"))
    ref = int(done["value"])
    payload = block_action_payload(action_id=f"occ_snooze:{ref}", value=str(ref), user_id=user)
    return slack.interact(payload).status_code, ref


def submit(slack: SlackScenario, meta: str, days: str, reason: str) -> Any:
    values = {
        "snooze_days": {
            "days": {"type": "static_select", "selected_option": {"value": days}},
        },
        "snooze_reason": {"reason": {"type": "plain_text_input", "value": reason}},
    }
    payload = view_submission_payload(
        callback_id="snooze_submit", values=values, private_metadata=meta, user_id="URAJ"
    )
    return slack.interact(payload)


def test_snooze_pauses_the_reminders_and_logs_the_reason(slack: SlackScenario) -> None:
    status, ref = press_snooze(slack, "URAJ")
    assert status == 200
    view = slack.wait_for("views.open")[-1].args["view"]
    assert_modal_limits(view)
    assert view["callback_id"] == "snooze_submit"
    response = submit(slack, view["private_metadata"], "3", "Waiting for the vendor's report")
    assert response.status_code == 200 and response.text == ""  # the modal closes
    told = slack.wait_for("chat.postMessage")[-1].args
    assert told["channel"] == "URAJ" and f"No reminders for #{ref} until" in told["text"]
    with db_of(slack).session() as session:
        occ = session.get(Occurrence, ref)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.snoozed"))
        logged = event.one()
    assert occ is not None and occ.snoozed_until is not None
    assert logged.details["reason"] == "Waiting for the vendor's report"
    assert logged.actor == "raj@acme.test"


def test_a_missing_reason_is_shown_in_the_modal_and_nothing_changes(slack: SlackScenario) -> None:
    press_snooze(slack, "URAJ")
    view = slack.wait_for("views.open")[-1].args["view"]
    body = submit(slack, view["private_metadata"], "3", " ").json()
    assert body["response_action"] == "errors" and "reason" in body["errors"]["snooze_reason"]
    with db_of(slack).session() as session:
        assert all(o.snoozed_until is None for o in session.exec(select(Occurrence)))


def test_someone_elses_snooze_is_refused_without_a_modal(slack: SlackScenario) -> None:
    status, _ = press_snooze(slack, "UEVE")
    assert status == 200
    answer = slack.wait_for("response_url")[-1].args
    assert "owner or assignee" in answer["text"]
    assert slack.fake.calls_to("views.open") == []

"""Snooze in Teams: the button shows a form; days and a reason pause the reminders."""

from __future__ import annotations

from sqlmodel import select

from models import AuditEvent, Occurrence
from tests.handlers.teams.cardcheck import card_text
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.test_teams_flows import first


def open_form(teams: TeamsScenario, who: str = "raj") -> int:
    teams.say("mine")
    ref = int(first(teams.last_card(), "occ_done:")["value"])
    teams.submit({"action_id": f"occ_snooze:{ref}", "value": str(ref)}, who=who)
    return ref


def test_snooze_form_pauses_reminders_and_logs_the_reason(teams: TeamsScenario) -> None:
    ref = open_form(teams)
    form = teams.last_card()
    inputs = {e["id"] for e in form["body"] if e["type"].startswith("Input.")}
    assert inputs == {"snooze_days", "snooze_reason"}
    submit = first(form, "occ_snooze_submit:")
    teams.submit({**submit, "snooze_days": "5", "snooze_reason": "Auditor moved the date"},
                 reply_to_id="snooze-form")  # fmt: skip
    [put] = teams.connector.calls_to(
        "PUT", "/v3/conversations/a:personal-raj/activities/snooze-form"
    )
    assert f"No reminders for #{ref} until" in card_text(put.body["attachments"][0]["content"])  # type: ignore[index]
    with teams.db.session() as session:
        occ = session.get(Occurrence, ref)
        logged = session.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.snoozed"))
        event = logged.one()
    assert occ is not None and occ.snoozed_until is not None
    assert event.details["days"] == 5 and event.details["reason"] == "Auditor moved the date"


def test_a_blank_reason_is_refused_and_nothing_changes(teams: TeamsScenario) -> None:
    open_form(teams)
    submit = first(teams.last_card(), "occ_snooze_submit:")
    teams.submit({**submit, "snooze_days": "3", "snooze_reason": "  "})
    assert "reason" in teams.last_text().lower()
    with teams.db.session() as session:
        assert all(o.snoozed_until is None for o in session.exec(select(Occurrence)))


def test_someone_elses_snooze_gets_no_form(teams: TeamsScenario) -> None:
    teams.say("whoami", who="eve")
    teams.connector.clear()
    open_form(teams, who="eve")
    assert "owner or assignee" in teams.last_text()
    assert not any("snooze_reason" in str(a) for a in teams.sent())

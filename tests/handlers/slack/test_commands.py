"""`/soc2 …` through the real app: signed slash commands answered within the request."""

from __future__ import annotations

from typing import Any

import pytest

from bot.audit.witness_line import read_witnesses, witness_signed
from bot.core.signing import service_signer
from tests.handlers.slack.blockkit import assert_blockkit_limits, assert_modal_limits
from tests.handlers.slack.conftest import SlackScenario


def answer(slack: SlackScenario, text: str, **kw: Any) -> dict[str, Any]:
    response = slack.command(text, **kw)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_blockkit_limits(body["blocks"])
    return body


def shown(body: dict[str, Any]) -> str:
    return str(body["blocks"])


def test_help_lists_the_subcommands_ephemerally(slack: SlackScenario) -> None:
    body = answer(slack, "help")
    assert body["response_type"] == "ephemeral"
    for word in ("status", "mine", "controls", "control", "assign", "evidence", "review", "audit"):
        assert word in shown(body)


def test_status_shows_readiness_and_coverage(slack: SlackScenario) -> None:
    body = answer(slack, "status")
    assert "Readiness" in shown(body) and "Type II window coverage" in shown(body)


def test_mine_lists_my_work_with_buttons(slack: SlackScenario) -> None:
    blocks = answer(slack, "mine", user="URAJ")["blocks"]
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert any(a.startswith("occ_done:") for a in actions)
    assert any(a.startswith("occ_attach:") for a in actions)
    assert "CC7.1-VULN" not in str(blocks)  # Ana's, not Raj's


def test_controls_and_control_detail(slack: SlackScenario) -> None:
    assert "CC7.1-VULN" in shown(answer(slack, "controls vuln"))
    body = answer(slack, "control CC6.1-AR")
    assert "Raj Iyer" in shown(body) and "CC6.2" in shown(body)


def test_assign_by_an_admin_with_an_escaped_mention(slack: SlackScenario) -> None:
    answer(slack, "whoami", user="URAJ")  # Raj talks to the bot once, so his id is linked
    body = answer(slack, "assign CC7.1-VULN <@URAJ|raj>", user="UANA")
    assert "Raj Iyer now owns CC7.1-VULN" in shown(body)
    trail = shown(answer(slack, "audit CC7.1-VULN", user="UAUD"))
    assert "made Raj Iyer the owner of CC7.1-VULN" in trail


def test_assign_by_a_member_is_refused(slack: SlackScenario) -> None:
    body = answer(slack, "assign CC7.1-VULN <@URAJ|raj>", user="UEVE")
    assert "only an admin can assign owners" in body["text"]


def test_whoami_links_the_slack_user_by_email(slack: SlackScenario) -> None:
    body = answer(slack, "whoami", user="UEVE")
    assert "eve@acme.test" in shown(body) and "slack: UEVE" in shown(body)
    answer(slack, "whoami", user="UEVE")
    assert len(slack.fake.calls_to("users.info")) == 1  # linked once, then from the database


def test_evidence_opens_a_modal_with_a_file_input(slack: SlackScenario) -> None:
    mine = answer(slack, "mine", user="URAJ")["blocks"]
    ref = next(
        e["value"]
        for b in mine
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("occ_attach:")
    )
    response = slack.command(f"evidence #{ref}", user="URAJ")
    assert response.status_code == 200
    view = slack.fake.last("views.open").args["view"]
    assert_modal_limits(view)
    assert view["callback_id"] == "evidence_submit"
    assert "file_input" in str(view["blocks"])


def test_evidence_for_someone_elses_task_is_refused_without_a_modal(slack: SlackScenario) -> None:
    mine = answer(slack, "mine", user="UANA")["blocks"]
    ref = next(
        e["value"]
        for b in mine
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("occ_attach:")
    )
    body = slack.command(f"evidence {ref}", user="UEVE").json()
    assert "owner or assignee" in body["text"]
    assert slack.fake.calls_to("views.open") == []


def test_review_start_opens_the_review_modal(slack: SlackScenario) -> None:
    slack.command('review start "Q4 prod" <#C9|soc2>', user="URAJ")
    view = slack.fake.last("views.open").args["view"]
    assert view["callback_id"] == "review_start_submit"
    assert_modal_limits(view)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stauts", "did you mean `status`?"),
        ("control", "Usage"),
        ("control NOPE-9", "There is no control"),
        ("audit 999999", "#999999"),
        ("export 2026-05-01 2026-01-01", "export"),
        ("ack travel", "You have no policy acknowledgements matching “travel”"),
    ],
)
def test_mistakes_get_a_short_friendly_answer(
    slack: SlackScenario, text: str, expected: str
) -> None:
    body = slack.command(text, user="UANA").json()
    assert body["response_type"] == "ephemeral"
    assert expected in body["text"] and "Traceback" not in body["text"]


def test_auditor_cannot_ask_for_own_work(slack: SlackScenario) -> None:
    body = slack.command("mine", user="UAUD").json()
    assert "read-only" in body["text"]


def test_unknown_slack_user_without_email_is_told_why(slack: SlackScenario) -> None:
    slack.fake.add_user("UBOTISH", "", name="No Email")
    body = slack.command("status", user="UBOTISH").json()
    assert "email" in body["text"]


def test_digest_answers_with_the_facts_and_sends_the_chart_to_the_dm(slack: SlackScenario) -> None:
    body = answer(slack, "digest", user="UANA")
    assert "Readiness" in shown(body)
    [complete] = slack.wait_for("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DUANA"  # Ana's DM with the bot
    [url_call] = slack.fake.calls_to("files.getUploadURLExternal")
    assert int(url_call.args["length"]) > 1000  # the PNG itself, not an empty upload


def test_digest_carries_the_signed_audit_head_as_a_witness_line(slack: SlackScenario) -> None:
    body = answer(slack, "digest", user="UANA")
    [witness], broken = read_witnesses(shown(body))
    assert broken == [] and witness.seq > 0
    assert f"Audit trail head: event {witness.seq} ({witness.hash[:16]}…), signed:" in shown(body)
    assert witness_signed(witness, service_signer().public_key)  # the key the service started with


def test_digest_is_refused_to_a_member_and_nothing_is_uploaded(slack: SlackScenario) -> None:
    body = answer(slack, "digest", user="UEVE")
    assert "digest" in shown(body).lower()
    assert slack.fake.calls_to("files.getUploadURLExternal") == []

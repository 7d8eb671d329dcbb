"""Segregation of duties in access reviews, through signed Slack requests, Teams activities and
the CLI: owners do not review their own control, nobody keeps their own account, auditors only
look, the review's buttons answer only to its people, and every refusal records nothing.

In the world, Raj (member) owns CC6.1-AR, Ana (admin) owns CC7.1-VULN and is everyone's
manager, Eve is a member and Audrey the auditor.
"""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.actor import Actor
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.services import start_access_review
from models import (
    AuditEvent,
    Campaign,
    CampaignItem,
    Evidence,
    OutboxMessage,
    Person,
    Platform,
    utcnow,
)
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.reliability.world import PEOPLE, World, changed

REASON = "Raj alone knows which production roles the payment service needs"
RAJS_CSV = "account,system\nraj,GitHub\nsvc-deploy,AWS\n"  # no email column


def slack_review_form(
    world: World, user: str, *, reviewer: str, csv_text: str, control: str | None = None,
    reason: str | None = None, name: str = "Q3 prod access",
) -> dict[str, Any]:  # fmt: skip
    """Submit the review-start modal as `user`; Slack's answer (errors, or empty when started)."""
    file = world.fake.add_file(csv_text.encode(), name="accounts.csv", mimetype="text/csv")
    values: dict[str, Any] = {
        "review_name": {"name": {"type": "plain_text_input", "value": name}},
        "review_channel": {"channel": {"type": "conversations_select",
                                       "selected_conversation": "C1"}},
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": reviewer}},
        "review_control": {"control": {"type": "plain_text_input", "value": control}},
        "review_reason": {"reason": {"type": "plain_text_input", "value": reason}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }  # fmt: skip
    payload = view_submission_payload(
        callback_id="review_start_submit", values=values, user_id=user
    )
    response = world.slack.interact(payload)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def teams_review_form(
    world: World, role: str, *, reviewer: str, csv_text: str, control: str = "",
    reason: str = "",
) -> str:  # fmt: skip
    """Submit the Teams review-start form as `role`; everything the bot answered."""
    data = {"action_id": "review_start", "review_name": "Q3 prod access",
            "review_reviewer": reviewer, "review_control": control, "review_reason": reason,
            "review_csv": csv_text}  # fmt: skip
    world.connector.clear()
    assert world.teams_submit(data, role).status_code in (200, 201)
    return world.teams_texts()


def refusal(answer: dict[str, Any]) -> str:
    assert answer.get("response_action") == "errors", answer
    return json.dumps(answer["errors"])


def campaigns(world: World) -> list[Campaign]:
    with world.db.session() as session:
        return list(session.exec(select(Campaign).where(Campaign.kind == "access_review")))


def items_by_account(world: World, campaign_id: int) -> dict[str, CampaignItem]:
    with world.db.session() as session:
        rows = session.exec(select(CampaignItem).where(CampaignItem.campaign_id == campaign_id))
        return {str(i.details["account"]): i for i in rows}


def event(world: World, action: str) -> AuditEvent:
    with world.db.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return session.exec(query.order_by(col(AuditEvent.seq).desc())).first()  # type: ignore[return-value]


# --- owner is not reviewer ----------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_a_control_owner_cannot_review_his_own_controls_access_even_with_a_reason(
    world: World, platform: str
) -> None:
    """The finding: Raj starts CC6.1-AR's review, names himself, keeps his own account."""
    before = world.fingerprint()
    if platform == "slack":
        said = refusal(slack_review_form(world, "URAJ", reviewer="URAJ", csv_text=RAJS_CSV,
                                         control="CC6.1-AR", reason=REASON))  # fmt: skip
    else:
        said = teams_review_form(world, "owner", reviewer="raj@acme.test", csv_text=RAJS_CSV,
                                 control="CC6.1-AR", reason=REASON)  # fmt: skip
    assert "Raj Iyer owns CC6.1-AR" in said and "does not review its access" in said, said
    assert changed(before, world.fingerprint()) == [] and campaigns(world) == []


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_an_admin_makes_the_owner_reviewer_only_with_a_written_reason_which_is_logged(
    world: World, platform: str
) -> None:
    before = world.fingerprint()
    if platform == "slack":
        said = refusal(slack_review_form(world, "UANA", reviewer="URAJ", csv_text=RAJS_CSV,
                                         control="CC6.1-AR"))  # fmt: skip
    else:
        said = teams_review_form(world, "admin", reviewer="raj@acme.test", csv_text=RAJS_CSV,
                                 control="CC6.1-AR")  # fmt: skip
    assert "give the reason" in said and changed(before, world.fingerprint()) == []

    if platform == "slack":
        assert slack_review_form(world, "UANA", reviewer="URAJ", csv_text=RAJS_CSV,
                                 control="CC6.1-AR", reason=REASON) == {}  # fmt: skip
    else:
        said = teams_review_form(world, "admin", reviewer="raj@acme.test", csv_text=RAJS_CSV,
                                 control="CC6.1-AR", reason=REASON)  # fmt: skip
        assert "Access review: Q3 prod access" in said, said
    [campaign] = campaigns(world)
    started = event(world, "campaign.started")
    assert started.details["owner_review_reason"] == REASON
    assert started.details["started_by"] == "ana@acme.test"
    assert started.details["reviewer"] == "raj@acme.test"
    # Raj's own account (no email column: matched by his handle) went to his manager, Ana.
    accounts = items_by_account(world, campaign.id or 0)
    assert accounts["raj"].reviewer_id == world.person_id("admin")
    assert accounts["svc-deploy"].reviewer_id == world.person_id("owner")


def test_the_cli_follows_the_same_owner_rule_with_reason(
    world: World, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from handlers.cli import app

    settings = world.client.app.state.settings  # type: ignore[attr-defined]
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", settings.evidence_url)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(RAJS_CSV)
    args = ["campaign", "review", "--name", "Q3 prod access", "--reviewer", "raj@acme.test",
            "--accounts", str(accounts), "--channel", "C1", "--control", "CC6.1-AR"]  # fmt: skip
    before = world.fingerprint()
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "give the reason" in refused.output, refused.output
    assert "Traceback" not in refused.output and changed(before, world.fingerprint()) == []

    started = CliRunner().invoke(app, [*args, "--reason", REASON])
    assert started.exit_code == 0, started.output
    assert "The prompt is queued for C1" in started.output
    assert event(world, "campaign.started").details["owner_review_reason"] == REASON
    with world.db.session() as session:  # the running service posts the prompt from the outbox
        [prompt] = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == "C1"))
    assert prompt.idempotency_key.startswith("review-prompt:") and prompt.platform == "slack"


# --- no own account -----------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_accounts_that_are_the_reviewers_own_by_handle_go_to_someone_else(
    world: World, platform: str
) -> None:
    """No email column: Eve's accounts are known by her handles (email name, chat ids, name)."""
    text = ("account,system\neve,GitHub\nUEVE,Slack\naad-eve,Entra ID\nEve Park,Okta\n"
            "eve.park,Jira\nsvc-ci,AWS\n")  # fmt: skip
    if platform == "slack":
        assert slack_review_form(world, "UANA", reviewer="UEVE", csv_text=text) == {}
    else:
        teams_review_form(world, "admin", reviewer="eve@acme.test", csv_text=text)
    [campaign] = campaigns(world)
    accounts = items_by_account(world, campaign.id or 0)
    ana, eve = world.person_id("admin"), world.person_id("member")
    assert {a: i.reviewer_id for a, i in accounts.items()} == {
        "eve": ana, "UEVE": ana, "aad-eve": ana, "Eve Park": ana, "eve.park": ana, "svc-ci": eve,
    }  # fmt: skip

    # Eve's click on her own account is refused and changes nothing.
    before = world.fingerprint()
    own = accounts["eve"].id
    if platform == "slack":
        world.fake.clear()
        payload = block_action_payload(action_id=f"review_keep:{own}", value=str(own),
                                       user_id="UEVE")  # fmt: skip
        assert world.slack.interact(payload).status_code == 200
        said = json.dumps(world.slack.wait_for("response_url")[-1].args)
    else:
        world.connector.clear()
        world.teams_submit({"action_id": f"review_keep:{own}"}, "member")
        said = world.teams_texts()
    assert "Sorry, " in said and changed(before, world.fingerprint()) == []


# --- completion names both roles ----------------------------------------------------------------


def test_the_completion_names_who_started_the_review_and_who_reviewed_it(world: World) -> None:
    assert slack_review_form(world, "UANA", reviewer="UEVE",
                             csv_text="account,system\nsvc-ci,AWS\n") == {}  # fmt: skip
    [campaign] = campaigns(world)
    [item] = items_by_account(world, campaign.id or 0).values()
    payload = block_action_payload(action_id=f"review_keep:{item.id}", value=str(item.id),
                                   user_id="UEVE")  # fmt: skip
    assert world.slack.interact(payload).status_code == 200
    deadline = time.monotonic() + 5
    while not campaigns(world)[0].completed_at and time.monotonic() < deadline:
        time.sleep(0.05)
    done = event(world, "campaign.completed")
    assert done.details["started_by"] == "ana@acme.test"
    assert done.details["reviewed_by"] == ["eve@acme.test"]
    with world.db.session() as session:
        evidence = session.exec(select(Evidence).where(Evidence.campaign_id == campaign.id)).one()
    rows = list(
        csv.DictReader(io.StringIO(b"".join(world.store.open(evidence.storage_key)).decode()))
    )
    assert [(r["decided_by"], r["reviewer"], r["started_by"]) for r in rows] == [
        ("eve@acme.test", "eve@acme.test", "ana@acme.test")
    ]


# --- buttons answer only to the review's people --------------------------------------------------


def admins_review(world: World) -> int:
    """A review Ana started with Eve as reviewer (through the service, as the seed does)."""
    with world.db.transaction() as s:
        ana = s.exec(select(Person).where(Person.email == PEOPLE["admin"].email)).one()
        eve = s.exec(select(Person).where(Person.email == PEOPLE["member"].email)).one()
        rows = "account\n" + "".join(f"svc-{n}\n" for n in range(30))
        campaign = start_access_review(
            session=s, actor=Actor.for_person(ana, platform=Platform.SLACK), name="Prod",
            rows=parse_accounts_csv(rows.encode()), reviewer=eve, channel="C1", now=utcnow(),
        )  # fmt: skip
        return campaign.id or 0


def test_only_the_reviews_people_page_it_and_strangers_rewrite_no_message(world: World) -> None:
    campaign_id = admins_review(world)
    for role in ("owner", "leadership", "auditor"):
        before = world.fingerprint()
        world.fake.clear()
        payload = block_action_payload(action_id=f"review_page:{campaign_id}:1", value="",
                                       user_id=PEOPLE[role].slack_id)  # fmt: skip
        assert world.slack.interact(payload).status_code == 200
        said = json.dumps(world.slack.wait_for("response_url")[-1].args)
        assert "this review is not yours" in said and world.fake.calls_to("chat.update") == []
        # Teams: a forged submit pointing at any bot message (a digest card) is refused too.
        world.connector.clear()
        data = {"action_id": f"review_page:{campaign_id}:1"}
        world.teams_post(_submit(world, data, role, reply_to_id="digest-card-1"))
        assert "this review is not yours" in world.teams_texts(), role
        assert world.connector.calls_to("PUT", "/v3/conversations") == []
        assert changed(before, world.fingerprint()) == [], role
    for role in ("admin", "member"):  # whoever started it, and its reviewer
        world.fake.clear()
        payload = block_action_payload(action_id=f"review_page:{campaign_id}:1", value="",
                                       user_id=PEOPLE[role].slack_id)  # fmt: skip
        assert world.slack.interact(payload).status_code == 200
        assert "Page 2 of 2" in json.dumps(world.slack.wait_for("chat.update")[-1].args)


def _submit(world: World, data: dict[str, Any], role: str, reply_to_id: str) -> dict[str, Any]:
    from tests.handlers.teams.activities import card_submit_activity

    return card_submit_activity(data, reply_to_id=reply_to_id, **world._teams_who(role))


# --- form order: permission before people or downloads -------------------------------------------


def test_the_slack_form_checks_permission_before_linking_the_reviewer_or_downloading(
    world: World,
) -> None:
    world.fake.add_user("UNEW", "newbie@acme.test", name="New Person")
    before = world.fingerprint()
    world.fake.clear()
    said = refusal(slack_review_form(world, "UEVE", reviewer="UNEW", csv_text=RAJS_CSV,
                                     control="CC6.1-AR"))  # fmt: skip
    assert "Sorry, only an admin or the control's owner" in said, said
    assert world.fake.downloads == [] and world.fake.calls_to("users.info") == []
    assert changed(before, world.fingerprint()) == []


def test_the_teams_form_checks_permission_before_looking_anyone_up(world: World) -> None:
    before = world.fingerprint()
    said = teams_review_form(world, "member", reviewer="ghost@acme.test", csv_text=RAJS_CSV,
                             control="CC6.1-AR")  # fmt: skip
    assert "Sorry, only an admin or the control's owner" in said and "ghost" not in said, said
    assert changed(before, world.fingerprint()) == []


# --- auditors only look -------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_an_auditor_is_never_made_owner(world: World, platform: str) -> None:
    before = world.fingerprint()
    text = "assign CC7.1-VULN audrey@audit.test"
    if platform == "slack":
        said = world.slack.command(text, user="UANA").text
    else:
        world.connector.clear()
        world.teams_say(text, "admin")
        said = world.teams_texts()
    assert "is an auditor (read-only) and cannot own a control" in said, said
    assert changed(before, world.fingerprint()) == []


def test_an_auditor_is_never_assigned_the_follow_ups_of_a_review(world: World) -> None:
    before = world.fingerprint()
    text = "account,system,system_owner\nsvc-ci,AWS,audrey@audit.test\n"
    said = refusal(slack_review_form(world, "UANA", reviewer="UEVE", csv_text=text))
    assert "audrey@audit.test cannot be a system owner" in said, said
    assert changed(before, world.fingerprint()) == []


def test_catalog_validate_names_an_auditor_as_owner_or_assignee_by_path(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml
    from typer.testing import CliRunner

    from handlers.cli import app
    from tests.catalog_text import catalog

    data = catalog(controls__0__owner="audrey@audit.test")
    data["people"].append({"email": "audrey@audit.test", "name": "Audrey", "role": "auditor"})
    data["controls"][1]["tasks"][0]["assignee"] = "audrey@audit.test"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    result = CliRunner().invoke(app, ["catalog", "validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "controls[0].owner: audrey@audit.test is an auditor" in result.output
    assert "controls[1].tasks[0].assignee: audrey@audit.test is an auditor" in result.output

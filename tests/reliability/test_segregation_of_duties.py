"""Segregation of duties in access reviews: owners never review their own control's access.

Through signed Slack requests, Teams activities and the CLI: an owner does not review their
own control, nobody keeps their own account, the completion names both roles, and every
refusal records nothing. Who may press and submit what: test_segregation_of_duties_roles.py.

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

from models import AuditEvent, Campaign, CampaignItem, Evidence, OutboxMessage
from tests.handlers.slack.signing import block_action_payload
from tests.reliability.review_forms import RAJS_CSV, refusal, slack_review_form, teams_review_form
from tests.reliability.world import World, changed

REASON = "Raj alone knows which production roles the payment service needs"


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


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_keep_all_remaining_keeps_only_what_the_presser_may_decide(
    world: World, platform: str
) -> None:
    """Eve keeps a whole page: her own accounts (Ana reviews them) stay pending."""
    text = "account,system\neve,GitHub\nEve Park,Okta\nsvc-ci,AWS\nsvc-db,AWS\n"
    if platform == "slack":
        assert slack_review_form(world, "UANA", reviewer="UEVE", csv_text=text) == {}
    else:
        teams_review_form(world, "admin", reviewer="eve@acme.test", csv_text=text)
    [campaign] = campaigns(world)
    shown = ",".join(str(i.id) for i in items_by_account(world, campaign.id or 0).values())
    action = f"review_keep_page:{campaign.id}:0"
    if platform == "slack":
        world.fake.clear()
        payload = block_action_payload(action_id=action, value=shown, user_id="UEVE")
        assert world.slack.interact(payload).status_code == 200
        said = json.dumps([c.args for c in world.slack.wait_for("response_url")])
    else:
        world.connector.clear()
        world.teams_submit({"action_id": action, "value": shown}, "member")
        said = world.teams_texts()
    assert "Kept 2 accounts. Skipped 2: 2 assigned to another reviewer." in said
    after = items_by_account(world, campaign.id or 0)
    assert {a: i.decision.value for a, i in after.items()} == {
        "eve": "pending", "Eve Park": "pending", "svc-ci": "keep", "svc-db": "keep",
    }  # fmt: skip
    with world.db.session() as session:
        decided = select(AuditEvent).where(AuditEvent.action == "review.item_decided")
        assert len(session.exec(decided).all()) == 2  # one event per account kept


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

"""Segregation of duties by role: a review answers only to its people, auditors only look.

A review's buttons answer only to whoever started it and its reviewer, the start forms check
permission before looking anyone up or downloading, and an auditor is never made an owner;
every refusal records nothing.

In the world, Raj (member) owns CC6.1-AR, Ana (admin) owns CC7.1-VULN and is everyone's
manager, Eve is a member and Audrey the auditor.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.core.actor import Actor
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.services import start_access_review
from models import Person, Platform, utcnow
from tests.handlers.slack.signing import block_action_payload
from tests.reliability.review_forms import RAJS_CSV, refusal, slack_review_form, teams_review_form
from tests.reliability.world import PEOPLE, World, changed

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
        page = world.slack.wait_for("response_url")[-1].args  # a page for them alone
        assert page["response_type"] == "ephemeral" and "Page 2 of 3" in json.dumps(page)
        assert world.fake.calls_to("chat.update") == []  # the shared prompt stays as it is


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
    assert "controls[0].owner (control CC6.1-AR, line 7): audrey@audit.test is an auditor" in (
        result.output
    )
    assert (
        "controls[1].tasks[0].assignee (control A1.2-BACKUP, task backup-restore, line 21): "
        "audrey@audit.test is an auditor" in result.output
    )

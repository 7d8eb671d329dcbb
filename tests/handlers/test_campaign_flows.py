"""Policy rounds end to end: one app, 50 people, answers from Slack and Teams.

The app serves both platforms over HTTP (signed Slack requests to a fake Slack Web API, Bot
Framework activities through a fake connector); the outbox is delivered by the real sender
through both chat ports. Runs on SQLite and on PostgreSQL. Training rounds:
test_campaign_flows_training.py.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from bot.campaigns.audience import refresh_campaign_audiences
from bot.campaigns.rounds import start_policy_campaign
from bot.core.actor import Actor
from models import CampaignItem, ChatIdentity, Evidence, ItemDecision, Person, Role
from tests.handlers.campaign_world import EXTRA, SLACK_EXTRA, World

TITLE = "Acceptable Use Policy"


def start_policy(world: World, version: str) -> int:
    with world.db.transaction() as session:
        started = start_policy_campaign(
            session=session, actor=Actor.cli(), title=TITLE, version=version,
            now=dt.datetime.now(dt.UTC), link="https://intranet.acme.test/aup",
        )  # fmt: skip
        return started.campaign.id or 0


def test_a_policy_round_across_50_people_answered_from_slack_and_teams(world: World) -> None:
    campaign = start_policy(world, "1.0")
    assert len(world.items(campaign)) == 50
    assert world.deliver() == 49  # everyone linked; Eve has never talked to the bot yet

    # Slack: 30 people press the button in their DM.
    for n in range(SLACK_EXTRA):
        button = world.slack_dm_button(f"UP{n}", "camp_ack:")
        assert button["text"]["text"] == "I have read and accept version 1.0"
        assert world.click(f"UP{n}", button["action_id"], button["value"]).status_code == 200
    replaced = [r for r in world.responses() if r.get("replace_original") is True]
    assert len(replaced) == 30 and replaced[0]["blocks"][0]["text"]["text"].startswith("✓")
    assert "Recorded, word for word" in world.said()

    # Teams: 17 people press it on their card, which updates in place.
    for n in range(SLACK_EXTRA, EXTRA):
        data = world.teams_card_button(n, "camp_ack:")
        world.teams_submit(n, data)
        assert "Recorded, word for word" in world.last_teams_text(n)
    assert len(world.teams.calls_to("PUT", "/v3/conversations/")) == 17

    # A second press says so and records nothing; Eve links on first contact and accepts.
    again = world.slack_dm_button("UP0", "camp_ack:")
    world.click("UP0", again["action_id"], again["value"])
    assert "Already recorded" in world.said()
    eve = world.command("ack acceptable-use", "UEVE")
    opened, eve_button = [e for b in eve["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert opened["url"] == "https://intranet.acme.test/aup"  # Open the policy, then accept
    world.click("UEVE", eve_button["action_id"], eve_button["value"])

    with world.db.session() as session:
        rows = session.exec(
            select(Evidence, CampaignItem)
            .join(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
            .where(CampaignItem.campaign_id == campaign)
        ).all()
    assert len(rows) == 48
    assert {e.statement for e, _ in rows} == {f"I have read and accept {TITLE}, version 1.0."}
    assert {e.platform.value for e, _ in rows} == {"slack", "teams"}
    assert all(e.submitted_by_id == i.person_id and i.version == "1.0" for e, i in rows)

    status = str(world.command("status", "UANA")["blocks"])
    assert f"{TITLE}, version 1.0 — 48 of 50 accepted (96%)" in status
    audit = str(world.command(f"audit camp-{campaign}", "UAUD")["blocks"])
    assert "Not yet (2)" in audit and "Accepted (48)" in audit
    assert "48 of 50 decided (96%)" in world.digest_details("UANA")


def test_nobody_answers_for_someone_else_and_auditors_do_not_answer(world: World) -> None:
    campaign = start_policy(world, "1.0")
    world.deliver()
    items = {i.subject_email: i.id for i in world.items(campaign)}
    victim = items["p1@acme.test"]
    # A member edits the action id and value of their own button to another person's item.
    world.click("UP0", f"camp_ack:{victim}", str(victim))
    assert "belongs to someone else" in world.said()
    world.teams_submit(31, {"action_id": f"camp_ack:{victim}", "value": str(victim)})
    assert "belongs to someone else" in world.last_teams_text(31)
    world.click("UAUD", f"camp_ack:{victim}", str(victim))
    assert "auditors have read-only access" in world.said()
    assert "auditors have read-only access" in world.command("ack acceptable-use", "UAUD")["text"]
    with world.db.session() as session:
        assert session.exec(select(Evidence).where(Evidence.campaign_item_id == victim)).all() == []


def test_joiners_get_the_round_a_new_version_restarts_it_leavers_drop_out(world: World) -> None:
    first = start_policy(world, "1.0")
    world.deliver()
    now = dt.datetime.now(dt.UTC)
    with world.db.transaction() as session:
        hire = Person(email="newhire@acme.test", name="New Hire", role=Role.MEMBER)
        session.add(hire)
        session.flush()
        session.add(ChatIdentity(person_id=hire.id or 0, platform="slack", external_id="UNEW"))
        leaver = session.exec(select(Person).where(Person.email == "p2@acme.test")).one()
        leaver.active = False
        session.add(leaver)
    world.slack.add_user("UNEW", "newhire@acme.test", name="New Hire")
    with world.db.transaction() as session:
        change = refresh_campaign_audiences(session=session, now=now)
    assert (change.enrolled, change.withdrawn) == (1, 1)
    assert world.deliver() == 1
    joined = world.slack_dm_button("UNEW", "camp_ack:")
    world.click("UNEW", joined["action_id"], joined["value"])
    assert "Recorded" in world.said()

    second = start_policy(world, "2.0")
    world.deliver()
    old = world.slack_dm_button("UP3", "camp_ack:")
    assert old["text"]["text"].endswith("2.0")  # the newest DM carries the new version
    stale = [i.id for i in world.items(first) if i.subject_email == "p3@acme.test"][0]
    world.click("UP3", f"camp_ack:{stale}", str(stale))
    assert "replaced by a newer round" in world.said()
    items = world.items(second)
    assert len(items) == 50  # 50 + the new hire - the leaver
    assert all(i.decision is ItemDecision.PENDING and i.version == "2.0" for i in items)
    withdrawn = [i for i in world.items(first) if i.decision is ItemDecision.WITHDRAWN]
    assert [i.subject_email for i in withdrawn] == ["p2@acme.test"]

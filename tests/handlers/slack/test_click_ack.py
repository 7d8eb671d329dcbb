"""Clicks are answered before any call to a slow Slack; what they show follows, and is not lost."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlmodel import col, select

from bot.campaigns.rounds import start_policy_campaign
from bot.core.actor import Actor
from bot.core.db import Database
from models import CampaignItem, Evidence, Person
from tests.handlers.slack.conftest import SlackScenario, wait_for_follow_ups
from tests.handlers.slack.signing import block_action_payload, interaction_body
from tests.reliability.world import changed, fingerprint

SLOW = 1.5  # seconds Slack takes per call, as in the run that found the defect


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def timed_click(slack: SlackScenario, action_id: str, value: str, user: str) -> float:
    payload = block_action_payload(
        action_id=action_id, value=value, user_id=user, response_url=slack.response_url
    )
    body = interaction_body(payload)
    started = time.monotonic()
    response = slack.post_now(body, "application/x-www-form-urlencoded")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    return elapsed


def mark_done_button(slack: SlackScenario, user: str) -> dict[str, Any]:
    blocks = slack.command("mine", user=user).json()["blocks"]
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return next(b for b in found if b["action_id"].startswith("occ_done:"))


def test_mark_done_is_answered_at_once_and_recorded_once_when_slack_is_slow(
    slack: SlackScenario,
) -> None:
    done = mark_done_button(slack, "URAJ")
    slack.fake.clear()
    slack.fake.latency = SLOW

    elapsed = timed_click(slack, done["action_id"], done["value"], "URAJ")

    assert elapsed < 1.0  # before: two respond() calls first, 2 × 1.5 s
    assert slack.fake.calls_to("response_url") == []  # nothing was waited for
    posted = slack.wait_for("response_url", 2, timeout=10)
    assert {c.args.get("replace_original") for c in posted} == {True, False}
    assert any("Recorded your confirmation" in c.args.get("text", "") for c in posted)
    with db_of(slack).session() as session:
        query = select(Evidence).where(Evidence.occurrence_id == int(done["value"]))
        assert len(session.exec(query).all()) == 1


def start_policy(slack: SlackScenario) -> dict[str, int]:
    """A policy round for the scenario's people: their item ids by email."""
    db = db_of(slack)
    with db.transaction() as session:
        started = start_policy_campaign(
            session=session, actor=Actor.cli(), title="Acceptable Use Policy", version="1.0",
            now=dt.datetime.now(dt.UTC), link="https://intranet.acme.test/aup",
        )  # fmt: skip
        campaign_id = started.campaign.id
    with db.session() as session:
        rows = session.exec(
            select(Person.email, CampaignItem.id)
            .join(CampaignItem, col(CampaignItem.person_id) == Person.id)
            .where(CampaignItem.campaign_id == campaign_id)
        ).all()
    return {email: item_id or 0 for email, item_id in rows}


def test_policy_accept_is_answered_at_once_and_recorded_once_when_slack_is_slow(
    slack: SlackScenario,
) -> None:
    slack.command("whoami", user="URAJ")
    item = start_policy(slack)["raj@acme.test"]
    slack.fake.clear()
    slack.fake.latency = SLOW

    elapsed = timed_click(slack, f"camp_ack:{item}", str(item), "URAJ")

    assert elapsed < 1.0
    posted = slack.wait_for("response_url", 2, timeout=10)
    card = next(c for c in posted if c.args.get("replace_original") is True)
    assert card.args["blocks"][0]["text"]["text"].startswith("✓")
    with db_of(slack).session() as session:
        rows = session.exec(select(Evidence).where(Evidence.campaign_item_id == item)).all()
    assert len(rows) == 1


def test_a_refused_click_is_answered_at_once_and_told_after_and_records_nothing(
    slack: SlackScenario,
) -> None:
    done = mark_done_button(slack, "URAJ")
    slack.command("whoami", user="UEVE")  # linked: her first contact is not the change here
    before = fingerprint(db_of(slack))
    slack.fake.clear()
    slack.fake.latency = SLOW

    elapsed = timed_click(slack, done["action_id"], done["value"], "UEVE")

    assert elapsed < 1.0  # before: the error handler awaited respond() first
    told = slack.wait_for("response_url", timeout=10)[-1].args
    assert told["response_type"] == "ephemeral" and "owner or assignee" in told["text"]
    wait_for_follow_ups(slack.client)
    assert changed(before, fingerprint(db_of(slack))) == []

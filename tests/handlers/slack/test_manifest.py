"""The Slack manifest, the CLI that prints it, and action ids that views and listeners share."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bot.command_refs import USAGE
from bot.messages import Message
from bot.services.campaign_cards import CampaignCard
from bot.services.occurrences import State
from bot.services.review_completion import ReviewItemRow, ReviewProgress
from bot.services.work import WorkItem
from bot.views import my_work_view, task_card_view
from bot.views_campaign import campaign_card_view
from bot.views_reminders import ReminderNote, reminder_view
from bot.views_review import follow_ups_section, review_prompt_view
from handlers.cli import app
from handlers.slack.actions import ACTIONS
from handlers.slack.blocks import render_blocks
from handlers.slack.manifest import BOT_EVENTS, manifest_yaml, slack_manifest
from handlers.slack.snooze import SNOOZE_ACTION
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, FollowUp, ItemDecision

ROOT = Path(__file__).resolve().parents[3]


def test_checked_in_manifest_is_the_generated_one() -> None:
    checked_in = (ROOT / "manifests/slack/manifest.yaml").read_text()
    assert checked_in == manifest_yaml(), "regenerate: soc2bot manifest slack > manifests/…"


def test_manifest_declares_the_command_events_and_least_privilege_scopes() -> None:
    manifest = slack_manifest("https://soc2.acme.test")
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/soc2" and command["should_escape"] is True
    assert command["url"] == "https://soc2.acme.test/slack/events"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(BOT_EVENTS) == {"message.im", "file_shared", "app_mention", "app_home_opened"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert "users:read.email" in scopes and "files:read" in scopes
    # files:write because files_upload_v2 (bundles and charts, in DMs) needs it on real Slack.
    assert {"files:write", "im:write"} <= scopes
    assert not scopes & {"channels:history", "admin", "chat:write.public"}


def test_cli_prints_the_manifest_with_urls_filled_in() -> None:
    result = CliRunner().invoke(app, ["manifest", "slack", "--url", "https://bot.acme.test/"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["settings"]["event_subscriptions"]["request_url"] == (
        "https://bot.acme.test/slack/events"
    )
    socket = yaml.safe_load(CliRunner().invoke(app, ["manifest", "slack", "--socket-mode"]).output)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket["features"]["slash_commands"][0]
    assert CliRunner().invoke(app, ["manifest", "slack", "--url", "http://x"]).exit_code == 2


def test_usage_hint_names_real_subcommands() -> None:
    hint = slack_manifest()["features"]["slash_commands"][0]["usage_hint"]
    for word in re.findall(r"(?:^|\| )([a-z]+)", hint):
        assert word in USAGE


def _sample_action_ids() -> set[str]:
    item = WorkItem(
        7, "CC6.1-AR", "Review", "2026-Q1", dt.date(2026, 1, 15), State.OPEN, "any", "Raj"
    )
    note = ReminderNote(
        7, "CC6.1-AR", "Access", "Review", "2026-Q1", dt.date(2026, 1, 15), "any",
        State.OPEN, "Raj", "assignee", dt.date(2026, 1, 8), 0,
    )  # fmt: skip
    blocks = render_blocks(my_work_view([item] * 1)) + render_blocks(task_card_view(item))
    blocks += render_blocks(reminder_view(note))
    ids = {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    return ids | _review_action_ids() | _campaign_action_ids()


def _campaign_action_ids() -> set[str]:
    cards = [
        CampaignCard(
            3,
            9,
            kind,
            "Acceptable Use",
            "2.0",
            "acceptable-use",
            "I have read…",
            None,
            None,
            None,
            dt.date(2026, 1, 15),
            ItemDecision.PENDING,
            None,
            CampaignStatus.OPEN,
            "Raj",
        )  # fmt: skip
        for kind in (CampaignKind.POLICY_ACK, CampaignKind.TRAINING)
    ]
    blocks = [b for card in cards for b in render_blocks(campaign_card_view(card))]
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _review_action_ids() -> set[str]:
    campaign = Campaign(id=3, kind=CampaignKind.ACCESS_REVIEW, name="Q4")
    rows = [
        ReviewItemRow(CampaignItem(id=n, campaign_id=3, subject=f"user{n}"), "Raj", None)
        for n in range(1, 26)
    ]
    progress = ReviewProgress(campaign, rows, 25, 0, 0, 0, 25, ["Raj"], 0)
    follow_up = FollowUp(id=9, campaign_id=3, title="Remove access", due_on=dt.date(2026, 1, 9))
    section = follow_ups_section([follow_up])
    assert section is not None
    messages = [review_prompt_view(progress), Message(title="mine", sections=(section,))]
    return {
        e["action_id"]
        for m in messages
        for b in render_blocks(m)
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_every_action_id_the_views_produce_has_a_listener_and_vice_versa() -> None:
    produced = _sample_action_ids() | {"page_more"}
    patterns = [re.compile(p) for p in [*ACTIONS, SNOOZE_ACTION]]
    for action_id in produced:
        assert any(p.match(action_id) for p in patterns), action_id
    for pattern in patterns:
        assert any(pattern.match(a) for a in produced), pattern.pattern

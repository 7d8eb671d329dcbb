"""The Slack manifest, the CLI that prints it, and action ids that views and listeners share."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bot.campaigns.facts import CampaignCard
from bot.campaigns.messages import campaign_card_view
from bot.chat.actions import parse_press
from bot.chat.buttons import BUTTONS
from bot.chat.usage import USAGE
from bot.core.messages import Message
from bot.digest.messages import digest_view
from bot.reminders.facts import ReminderNote
from bot.reminders.messages import reminder_view
from bot.reviews.facts import ReviewItemRow, ReviewProgress
from bot.reviews.messages import follow_ups_section, review_prompt_view
from bot.work.facts import State, WorkItem
from bot.work.messages import my_work_view, task_card_view
from handlers.cli import app
from handlers.slack.blocks import render_blocks
from handlers.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest_yaml, slack_manifest
from handlers.slack.port import CHANNEL_TYPES
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, FollowUp, ItemDecision
from tests.bot.digest.digest_sample import sample_digest
from tests.bot.policies.policy_cards import sample_cards

ROOT = Path(__file__).resolve().parents[3]
# The bot scopes each Web API method the code calls needs (docs.slack.dev/reference/methods).
# Where Slack accepts one of several scopes by conversation kind, the kinds the bot uses.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.open": {"im:write"},  # DMs only (`users=`)
    # the unknown-outcome check: DMs, public and private channels (never group DMs)
    "conversations.history": {"im:history", "channels:history", "groups:history"},
    "conversations.list": set(),  # per the types asked for: LIST_TYPE_SCOPES
    "files.info": {"files:read"},
    # files.getUploadURLExternal + files.completeUploadExternal
    "files.upload_v2": {"files:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
    **dict.fromkeys(["views.open", "views.update", "views.publish"], set[str]()),
}
LIST_TYPE_SCOPES = {"public_channel": "channels:read", "private_channel": "groups:read"}
# What the subscribed events need (docs.slack.dev/reference/events).
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "message.im": {"im:history"},
    "file_shared": {"files:read"},
    "app_home_opened": set(),
}
WEB_API_CALL = re.compile(
    r"^(admin|apps|auth|bookmarks|bots|chat|conversations|dnd|emoji|files|pins|reactions"
    r"|reminders|search|stars|team|usergroups|users|views)_([A-Za-z0-9_]+)$"
)


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
    # Posting only where invited (no chat:write.public), and never admin or user scopes.
    assert not scopes & {"admin", "chat:write.public", "channels:join"}


def _web_api_calls() -> dict[str, str]:
    """Each Web API method called in handlers/ and schedules/ (`client.chat_postMessage(…)`)."""
    found: dict[str, str] = {}
    for path in sorted([*ROOT.glob("handlers/**/*.py"), *ROOT.glob("schedules/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                match = WEB_API_CALL.match(node.func.attr)
                if match:
                    method = f"{match.group(1)}.{match.group(2)}"
                    found.setdefault(method, str(path.relative_to(ROOT)))
    return found


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    calls = _web_api_calls()
    assert {"chat.postMessage", "conversations.history", "files.upload_v2"} <= set(calls)
    needed: set[str] = {"commands"}  # the /soc2 slash command
    for method, where in calls.items():
        assert method in METHOD_SCOPES, f"{method} ({where}): add its scopes from Slack's docs"
        needed |= METHOD_SCOPES[method]
    if "conversations.list" in calls:
        needed |= {LIST_TYPE_SCOPES[kind] for kind in CHANNEL_TYPES.split(",")}
    for event in BOT_EVENTS:
        needed |= EVENT_SCOPES[event]
    slack_sources = "".join(p.read_text() for p in ROOT.glob("handlers/slack/*.py"))
    if "url_private" in slack_sources:  # downloads of shared files
        needed.add("files:read")
    assert set(BOT_SCOPES) == needed, {
        "missing": needed - set(BOT_SCOPES),
        "extra": set(BOT_SCOPES) - needed,
    }
    assert len(BOT_SCOPES) == len(set(BOT_SCOPES))


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
    blocks += render_blocks(reminder_view(note)) + render_blocks(digest_view(sample_digest()))
    ids = {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    policies = [b for card in sample_cards() for b in render_blocks(card)]
    ids |= {e["action_id"] for b in policies if b["type"] == "actions" for e in b["elements"]}
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
    progress = ReviewProgress(campaign, rows, 25, 1, 1, 0, 24, ["Raj"], 0)  # one kept: a filter
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


def test_every_action_id_the_views_produce_has_a_table_row_and_vice_versa() -> None:
    produced = _sample_action_ids() | {"page_more", "open_link"}
    for action_id in produced:
        assert parse_press(action_id).name in BUTTONS, action_id
    names = {parse_press(a).name for a in produced}
    # The snooze and comment forms' submits are Slack modals (view submissions), not buttons.
    assert names == set(BUTTONS) - {"occ_snooze_submit", "policy_changes_submit"}

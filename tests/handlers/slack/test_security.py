"""Signatures, replays, duplicate deliveries and Slack rate limits."""

from __future__ import annotations

import time

from sqlmodel import func, select

from bot.core.db import Database
from models import AuditEvent
from tests.handlers.slack.conftest import SECRET, SlackScenario
from tests.handlers.slack.signing import event_body, signed_headers, slash_command_body


def audit_count(slack: SlackScenario) -> int:
    db: Database = slack.client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def post(slack: SlackScenario, body: str, headers: dict[str, str]) -> int:
    return int(slack.client.post("/slack/events", content=body, headers=headers).status_code)


FORM = "application/x-www-form-urlencoded"


def test_forged_signature_gets_401_and_changes_nothing(slack: SlackScenario) -> None:
    before = audit_count(slack)
    body = slash_command_body("whoami", user_id="UEVE")
    headers = signed_headers(body, "not-the-secret", content_type=FORM)
    assert post(slack, body, headers) == 401
    assert slack.fake.calls_to("users.info") == [] and audit_count(slack) == before


def test_stale_timestamp_gets_401(slack: SlackScenario) -> None:
    body = slash_command_body("whoami", user_id="UEVE")
    stale = int(time.time()) - 6 * 60
    assert (
        post(slack, body, signed_headers(body, SECRET, timestamp=stale, content_type=FORM)) == 401
    )
    assert slack.fake.calls_to("users.info") == []


def test_missing_signature_headers_get_401(slack: SlackScenario) -> None:
    body = slash_command_body("status")
    assert post(slack, body, {"Content-Type": FORM}) == 401


def test_body_changed_after_signing_gets_401(slack: SlackScenario) -> None:
    body = slash_command_body("status")
    headers = signed_headers(body, SECRET, content_type=FORM)
    assert post(slack, body.replace("status", "whoami"), headers) == 401


def test_replaying_the_same_signed_request_within_the_window_is_harmless(
    slack: SlackScenario,
) -> None:
    body = slash_command_body("status", user_id="URAJ")
    headers = signed_headers(body, SECRET, content_type=FORM)
    assert post(slack, body, headers) == 200
    before = audit_count(slack)
    assert post(slack, body, headers) == 200
    assert audit_count(slack) == before


def test_a_redelivered_event_is_processed_once(slack: SlackScenario) -> None:
    event = {
        "type": "app_mention",
        "user": "URAJ",
        "channel": "C1",
        "text": "<@UBOT> status",
        "ts": "1700000001.000100",
    }
    assert slack.event(event, event_id="EvDup").status_code == 200
    slack.wait_for("chat.postEphemeral")
    retry = slack.event(
        event,
        event_id="EvDup",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200
    time.sleep(0.5)
    assert len(slack.fake.calls_to("chat.postEphemeral")) == 1


def test_a_429_from_slack_is_retried_after_retry_after(slack: SlackScenario) -> None:
    slack.fake.fail_next("chat.postEphemeral", status=429, retry_after=1)
    event = {
        "type": "app_mention",
        "user": "URAJ",
        "channel": "C1",
        "text": "<@UBOT> help",
        "ts": "1700000002.000100",
    }
    slack.event(event, event_id="Ev429")
    calls = slack.wait_for("chat.postEphemeral", count=2, timeout=8)
    assert len(calls) == 2  # the 429, then the retry that went through


def test_event_body_must_be_signed_too(slack: SlackScenario) -> None:
    body = event_body({"type": "app_mention", "user": "URAJ", "channel": "C1", "text": "hi"})
    headers = signed_headers(body, "wrong", content_type="application/json")
    assert post(slack, body, headers) == 401

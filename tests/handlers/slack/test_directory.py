"""Slack as a directory: users.list over HTTP, page by page, against the fake Web API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.directory.sync import DirectoryEntry, sync_directory
from handlers.slack.directory import fetch_slack_directory
from models import OutboxMessage, Person, Platform, Role
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.handlers.slack.fake_slack import FakeSlack

TOKEN = "xoxb-test-token"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as slack:
        slack.add_user("UANA", "ana@acme.test", "Ana Ruiz")
        slack.add_user("URAJ", "raj@acme.test", "Raj Iyer", tz="Asia/Kolkata", deleted=True)
        slack.add_user("UBOT", "", "Deploy Bot", is_bot=True)
        guest = slack.add_user("UGST", "gia@partner.test", "Gia Guest", tz="Europe/Rome")
        guest["is_restricted"] = True
        slack.add_user("UEVE", "eve@acme.test", "Eve Park", tz="Europe/Paris")
        yield slack


def read(fake: FakeSlack, page_size: int = 3) -> list[DirectoryEntry]:
    client = AsyncWebClient(token=TOKEN, base_url=fake.base_url)
    return asyncio.run(fetch_slack_directory(client, page_size=page_size))


def test_members_are_read_page_by_page_without_bots(fake: FakeSlack) -> None:
    entries = read(fake)
    first, second = fake.calls_to("users.list")
    assert first.args["limit"] == "3" and "cursor" not in first.args
    assert second.args["cursor"]  # the next_cursor of the first page
    assert [(e.email, e.active, e.external_id) for e in entries] == [
        ("ana@acme.test", True, "UANA"),
        ("raj@acme.test", False, "URAJ"),  # deactivated in Slack
        ("gia@partner.test", True, "UGST"),  # a guest is a person too
        ("eve@acme.test", True, "UEVE"),
    ]
    raj = entries[1]
    assert (
        raj.name == "Raj Iyer" and raj.timezone == "Asia/Kolkata" and raj.platform is Platform.SLACK
    )


def test_a_deactivated_slack_owner_is_flagged_and_reported(fake: FakeSlack, db: Database) -> None:
    with db.transaction() as s:
        make_program(s)
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        make_task(s, make_control(s, "CC6.1-AR", owner=raj))
        generate(s, now=NOW)
    with db.transaction() as s:
        report = sync_directory(
            session=s, actor=Actor.cli(), entries=read(fake), source="slack", now=NOW
        )
    assert report.created == ["ana@acme.test", "eve@acme.test", "gia@partner.test"]
    assert report.deactivated == ["raj@acme.test"] and report.alerts_queued == 1
    with db.session() as s:
        people = {p.email: p for p in s.exec(select(Person))}
        [alert] = s.exec(select(OutboxMessage)).all()
    assert not people["raj@acme.test"].active and people["gia@partner.test"].role is Role.MEMBER
    assert alert.recipient == "#soc2" and "CC6.1-AR" in json.dumps(alert.payload)


def test_a_missing_scope_is_a_friendly_error(fake: FakeSlack) -> None:
    fake.respond("users.list", {"ok": False, "error": "missing_scope"})
    with pytest.raises(InvalidInput, match=r"missing_scope.*users:read\.email"):
        read(fake)


def test_no_emails_at_all_means_the_email_scope_is_missing(fake: FakeSlack) -> None:
    members = [
        {"id": "U1", "name": "ana", "profile": {"real_name": "Ana"}},
        {"id": "U2", "name": "raj", "profile": {"real_name": "Raj"}},
    ]
    fake.respond("users.list", {"ok": True, "members": members})
    with pytest.raises(InvalidInput, match="users:read.email"):
        read(fake)

"""Policy and training rounds end to end: one app, 50 people, answers from Slack and Teams.

The app serves both platforms over HTTP (signed Slack requests to a fake Slack Web API, Bot
Framework activities through a fake connector); the outbox is delivered by the real sender
through both chat ports. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.app import create_app
from bot.campaigns.audience import refresh_campaign_audiences
from bot.campaigns.rounds import start_policy_campaign, start_training_round
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.settings import load_settings
from handlers.slack.port import SlackChatPort
from models import (
    CampaignItem,
    ChatIdentity,
    ChatMessage,
    Evidence,
    EvidenceKind,
    ItemDecision,
    Person,
    Role,
)
from schedules.sender import OutboxSender, SenderPolicy
from tests.conftest import POSTGRES_URL
from tests.handlers.slack.conftest import (
    SECRET,
    TOKEN,
    USERS,
    scenario_catalog,
    wait_for_follow_ups,
)
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.conftest import assert_all_cards_valid, wait_for_replies
from tests.handlers.teams.fake_connector import FakeConnector

EXTRA = 47  # with Ana, Raj and Eve of the catalog: 50 people are asked (Audrey audits)
SLACK_EXTRA = 30  # p0…p29 on Slack; p30…p46 on Teams
TITLE = "Acceptable Use Policy"


class World:
    """The running app, its fakes, and the people of the company by short name."""

    def __init__(self, client: TestClient, slack: FakeSlack, teams: FakeConnector) -> None:
        self.client, self.slack, self.teams = client, slack, teams
        self.db: Database = client.app.state.db  # type: ignore[attr-defined]
        self.response_url = slack.base_url + "response_url"
        self._n = 0

    # Slack ------------------------------------------------------------------------------
    def _post(self, body: str, content_type: str) -> Any:
        headers = signed_headers(body, SECRET, content_type=content_type)
        return self.client.post("/slack/events", content=body, headers=headers)

    def command(self, text: str, user: str) -> dict[str, Any]:
        body = slash_command_body(text, user_id=user, response_url=self.response_url)
        response = self._post(body, "application/x-www-form-urlencoded")
        assert response.status_code == 200
        return dict(response.json())

    def click(self, user: str, action_id: str, value: str = "") -> Any:
        payload = block_action_payload(
            action_id=action_id, value=value, user_id=user, channel_id=f"D{user}",
            response_url=self.response_url,
        )  # fmt: skip
        response = self._post(interaction_body(payload), "application/x-www-form-urlencoded")
        wait_for_follow_ups(self.client)  # the card and the answer are sent after the ack
        return response

    def slack_event(self, event: dict[str, Any], event_id: str) -> Any:
        return self._post(event_body(event, event_id=event_id), "application/json")

    def responses(self) -> list[dict[str, Any]]:
        return [c.args for c in self.slack.calls_to("response_url")]

    def said(self) -> str:
        """The newest answer shown to the clicker alone (not a redrawn card, sent beside it)."""
        answers = [r for r in self.responses() if r.get("replace_original") is not True]
        return str(answers[-1]["text"])

    def slack_dm_button(self, user: str, prefix: str) -> dict[str, Any]:
        """The newest button starting with `prefix` in what the bot posted to `user`."""
        for call in reversed(self.slack.calls_to("chat.postMessage")):
            if call.args.get("channel") != user:
                continue
            for block in call.args.get("blocks") or []:
                for element in block.get("elements") or []:
                    if str(element.get("action_id", "")).startswith(prefix):
                        return dict(element)
        raise AssertionError(f"no {prefix} button was sent to {user}")

    # Teams ------------------------------------------------------------------------------
    def _who(self, n: int) -> dict[str, Any]:
        self._n += 1
        return {
            "service_url": self.teams.service_url, "user_id": f"29:p{n}",
            "aad_object_id": f"aad-p{n}", "name": f"Person {n}",
            "conversation_id": f"a:personal-p{n}", "activity_id": f"act-{self._n}",
        }  # fmt: skip

    def teams_say(self, n: int, text: str, **kw: Any) -> None:
        activity = message_activity(text, **self._who(n), **kw)
        assert self.client.post("/api/messages", json=activity).status_code in (200, 201)

    def teams_submit(self, n: int, data: dict[str, Any]) -> None:
        activity = card_submit_activity(data, **self._who(n))
        assert self.client.post("/api/messages", json=activity).status_code in (200, 201)
        wait_for_replies()  # the card's update and the answer follow the turn

    def teams_card_button(self, n: int, prefix: str) -> dict[str, Any]:
        for activity in reversed(self.teams.sent_activities()):
            if activity.get("conversation", {}).get("id") != f"a:personal-p{n}":
                continue
            for attachment in activity.get("attachments") or []:
                for action in (attachment.get("content") or {}).get("actions") or []:
                    data = action.get("data") or {}
                    if str(data.get("action_id", "")).startswith(prefix):
                        return dict(data)
        raise AssertionError(f"no {prefix} button was sent to p{n} in Teams")

    def last_teams_text(self, n: int) -> str:
        texts = [
            a.get("text") or ""
            for a in self.teams.sent_activities()
            if a.get("conversation", {}).get("id") == f"a:personal-p{n}" and a.get("text")
        ]
        return texts[-1] if texts else ""

    # Core -------------------------------------------------------------------------------
    def deliver(self) -> int:
        """Run the real outbox sender through both chat ports until nothing is due."""
        client = AsyncWebClient(token=TOKEN, base_url=self.slack.base_url)
        ports = {"slack": SlackChatPort(client), "teams": self.client.app.state.teams_port}  # type: ignore[attr-defined]
        policy = SenderPolicy(intervals={"slack": 0.0, "teams": 0.0})
        sender = OutboxSender(self.db, ports, worker_id="test", sleep=_no_wait, policy=policy)
        sent = 0
        while (n := self.client.portal.call(sender.run_once)) > 0:  # type: ignore[union-attr]
            sent += n
        return sent

    def person(self, email: str) -> Person:
        with self.db.session() as session:
            return session.exec(select(Person).where(Person.email == email)).one()

    def items(self, campaign_id: int) -> list[CampaignItem]:
        with self.db.session() as session:
            query = select(CampaignItem).where(CampaignItem.campaign_id == campaign_id)
            return list(session.exec(query.order_by(col(CampaignItem.id))).all())


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "postgres":
        request.getfixturevalue("postgres_db")  # emptied, migrated
        url = POSTGRES_URL or ""
    else:
        url = f"sqlite:///{tmp_path}/flows.db"
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump(scenario_catalog(dt.date.today())))
    settings = load_settings(
        database_url=url, evidence_url=f"file://{tmp_path}/evidence", catalog=catalog,
        slack_bot_token=TOKEN, slack_signing_secret=SECRET, evidence_max_bytes=1024 * 1024,
        teams_allow_unauthenticated=True,
    )  # fmt: skip
    with FakeSlack(token=TOKEN) as slack, FakeConnector() as teams:
        settings = settings.model_copy(update={"slack_api_url": slack.base_url})
        for user_id, (email, name, _) in USERS.items():
            slack.add_user(user_id, email, name=name, tz="Europe/Berlin")
        with TestClient(create_app(settings)) as client:
            _settle(client)
            world = World(client, slack, teams)
            _hire(world)
            yield world
        assert_all_cards_valid(teams)


def _settle(client: TestClient) -> None:
    task = getattr(client.app.state, "slack_owner_linking", None)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while task is not None and not task.done() and time.monotonic() < deadline:
        time.sleep(0.02)


def _hire(world: World) -> None:
    """47 more people: p0…p29 linked to Slack (as a directory sync does), p30…p46 in Teams."""
    ana, raj = world.person("ana@acme.test"), world.person("raj@acme.test")
    with world.db.transaction() as session:
        for n in range(EXTRA):
            manager = raj if n % 2 else ana
            person = Person(email=f"p{n}@acme.test", name=f"Person {n}", manager_id=manager.id)
            session.add(person)
            session.flush()
            if n < SLACK_EXTRA:
                world.slack.add_user(f"UP{n}", person.email, name=person.name, tz="UTC")
                session.add(ChatIdentity(person_id=person.id or 0, platform="slack",
                                         external_id=f"UP{n}"))  # fmt: skip
            else:
                world.teams.add_member(aad_object_id=f"aad-p{n}", user_id=f"29:p{n}",
                                       name=person.name, email=person.email)  # fmt: skip
    for n in range(SLACK_EXTRA, EXTRA):  # Teams reaches people who have talked to the bot
        world.teams_say(n, "whoami")
    world.teams.clear()


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
    [eve_button] = [e for b in eve["blocks"] if b["type"] == "actions" for e in b["elements"]]
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
    digest = str(world.command("digest", "UANA")["blocks"])
    assert "48 of 50 decided (96%)" in digest


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


def test_a_training_round_with_certificates_from_slack_and_teams(world: World) -> None:
    with world.db.transaction() as session:
        started = start_training_round(
            session=session, actor=Actor.cli(), title="Security awareness training",
            now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    campaign = started.campaign.id or 0
    world.deliver()

    # Slack: a certificate posted in the thread of the training DM.
    pdf = b"%PDF-1.7\nCertificate: Person 4, security awareness\n" * 30
    with world.db.session() as session:
        dm = session.exec(
            select(ChatMessage).where(
                ChatMessage.campaign_id == campaign, ChatMessage.channel == "DUP4"
            )  # fmt: skip
        ).one()
    file = world.slack.add_file(pdf, name="certificate.pdf", user="UP4")
    event = {"type": "message", "subtype": "file_share", "user": "UP4", "channel": "DUP4",
             "channel_type": "im", "text": "", "ts": "1700000999.000100",
             "thread_ts": dm.message_id, "files": [file]}  # fmt: skip
    assert world.slack_event(event, "EvCert1").status_code == 200
    digest = hashlib.sha256(pdf).hexdigest()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
        digest in str(c.args.get("text")) for c in world.slack.calls_to("chat.postMessage")
    ):
        time.sleep(0.02)
    # Slack: a file sent in the DM with the round's reference.
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    file = world.slack.add_file(png, name="badge.png", mimetype="image/png", user="UP5")
    event = {"type": "message", "subtype": "file_share", "user": "UP5", "channel": "DUP5",
             "channel_type": "im", "text": f"my certificate camp-{campaign}",
             "ts": "1700001000.000100", "files": [file]}  # fmt: skip
    world.slack_event(event, "EvCert2")

    # Teams: "Attach certificate", then the file in the chat.
    button = world.teams_card_button(33, "camp_cert:")
    world.teams_submit(33, button)
    assert "Send your certificate" in world.last_teams_text(33)
    teams_pdf = b"%PDF-1.4\nCertificate: Person 33\n" * 20
    world.teams_say(33, "", attachments=[world.teams.add_file(teams_pdf, name="cert.pdf")])
    assert hashlib.sha256(teams_pdf).hexdigest() in world.last_teams_text(33)
    # Teams: the button alone.
    world.teams_submit(34, world.teams_card_button(34, "camp_done:"))

    store = world.client.app.state.evidence_store  # type: ignore[attr-defined]
    expected = {"p4@acme.test": pdf, "p5@acme.test": png, "p33@acme.test": teams_pdf}
    _wait_for_files(world, campaign, len(expected))
    with world.db.session() as session:
        rows = session.exec(
            select(Evidence, CampaignItem)
            .join(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
            .where(CampaignItem.campaign_id == campaign)
        ).all()
    files = {i.subject_email: e for e, i in rows if e.kind is EvidenceKind.FILE}
    assert files.keys() == expected.keys()
    for email, evidence in files.items():
        served = b"".join(store.open(evidence.storage_key))
        assert served == expected[email]
        assert evidence.sha256 == hashlib.sha256(served).hexdigest()
    done = {i.subject_email for _, i in rows if i.decision is ItemDecision.COMPLETED}
    assert done == {*expected, "p34@acme.test"}
    digest_text = str(world.command("digest", "UANA")["blocks"])
    assert "Training completion by team (manager)" in digest_text


def _wait_for_files(world: World, campaign: int, count: int) -> None:
    """Slack file events are handled lazily, after the HTTP answer."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with world.db.session() as session:
            found = session.exec(
                select(Evidence)
                .join(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
                .where(CampaignItem.campaign_id == campaign, Evidence.kind == EvidenceKind.FILE)
            ).all()
        if len(found) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {len(found)} of {count} certificates were stored")

"""The world of the campaign flow tests: one app, its fakes and 50 people by short name."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi.testclient import TestClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.core.db import Database
from handlers.slack.port import SlackChatPort
from models import CampaignItem, Person
from schedules.sender import OutboxSender, SenderPolicy
from tests.handlers.slack.conftest import SECRET, TOKEN, wait_for_follow_ups
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.conftest import wait_for_replies
from tests.handlers.teams.fake_connector import FakeConnector

EXTRA = 47  # with Ana, Raj and Eve of the catalog: 50 people are asked (Audrey audits)
SLACK_EXTRA = 30  # p0…p29 on Slack; p30…p46 on Teams


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

    def digest_details(self, user: str) -> str:
        """`digest`, then its "Show details": the private answer's blocks, as text."""
        blocks = self.command("digest", user)["blocks"]
        [details] = [
            e for b in blocks for e in b.get("elements") or []
            if str(e.get("action_id", "")).startswith("digest_details")
        ]  # fmt: skip
        self.click(user, details["action_id"], details.get("value", ""))
        return str(self.responses()[-1]["blocks"])

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

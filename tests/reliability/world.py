"""One running app serving Slack and Teams, five people (one per role), and a state fingerprint.

The reliability suite asks "did anything change?" after every refused, forged or malformed
request, so `fingerprint` hashes every row of the tables that hold the program's state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.core.db import Database
from models import Occurrence, OccurrenceStatus, Person
from tests.handlers.slack.conftest import SECRET, SlackScenario
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import event_body
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.conftest import wait_for_replies
from tests.handlers.teams.fake_connector import FakeConnector


@dataclass(frozen=True)
class Who:
    """One person of the world, with their accounts on both platforms."""

    role: str  # the column of spec §7 they stand for
    email: str
    name: str
    catalog_role: str
    slack_id: str
    teams_id: str
    aad: str


PEOPLE = {
    "admin": Who("admin", "ana@acme.test", "Ana Ruiz", "admin", "UANA", "29:1ana", "aad-ana"),
    # Raj owns CC6.1-AR, so he is the owner/assignee of its occurrences.
    "owner": Who("owner", "raj@acme.test", "Raj Iyer", "member", "URAJ", "29:1raj", "aad-raj"),
    "member": Who("member", "eve@acme.test", "Eve Park", "member", "UEVE", "29:1eve", "aad-eve"),
    "leadership": Who(
        "leadership", "lee@acme.test", "Lee Boss", "leadership", "ULEE", "29:1lee", "aad-lee"
    ),
    "auditor": Who(
        "auditor", "audrey@audit.test", "Audrey Auditor", "auditor", "UAUD", "29:1aud", "aad-aud"
    ),
}
ROLES = tuple(PEOPLE)
# Tables whose rows are the program's state. Left out on purpose: inboundevent (delivery
# dedupe keys), conversationref and chatmessage (where to reach people, refreshed per turn).
STATE_TABLES = (
    "program", "person", "chatidentity", "control", "controlcriterion", "task", "occurrence",
    "evidence", "campaign", "campaignitem", "followup", "outboxmessage", "awaitedfile",
    "auditevent", "auditchainhead", "sample", "policy", "policyversion", "policyapproval",
)  # fmt: skip


def fingerprint(db: Database) -> dict[str, str]:
    """A hash of every row of every state table (small worlds only: it reads everything)."""
    out: dict[str, str] = {}
    with db.engine.connect() as conn:
        for table in STATE_TABLES:
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            lines = sorted(json.dumps([str(v) for v in r]) for r in rows)
            out[table] = f"{len(rows)}:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [t for t in before if before[t] != after[t]]


class World:
    """The app (Slack and Teams on one FastAPI), its fakes, and ways to talk to it as anyone."""

    def __init__(self, client: TestClient, slack: FakeSlack, connector: FakeConnector) -> None:
        self.client = client
        self.fake = slack
        self.connector = connector
        self.slack = SlackScenario(client, slack)
        self._n = 0

    @property
    def db(self) -> Database:
        return self.client.app.state.db  # type: ignore[attr-defined, no-any-return]

    @property
    def store(self) -> Any:
        return self.client.app.state.evidence_store  # type: ignore[attr-defined]

    def fingerprint(self) -> dict[str, str]:
        return fingerprint(self.db)

    def person_id(self, role: str) -> int:
        with self.db.session() as session:
            person = session.exec(select(Person).where(Person.email == PEOPLE[role].email)).one()
            return int(person.id or 0)

    # Teams ------------------------------------------------------------------------------
    def _teams_who(self, role: str) -> dict[str, Any]:
        who = PEOPLE[role]
        self._n += 1
        return {
            "service_url": self.connector.service_url,
            "user_id": who.teams_id,
            "aad_object_id": who.aad,
            "name": who.name,
            "conversation_id": f"a:personal-{role}",
            "activity_id": f"rel-{time.monotonic_ns()}-{self._n}",
        }

    def teams_post(self, activity: dict[str, Any], **headers: str) -> Any:
        response = self.client.post("/api/messages", json=activity, headers=headers)
        wait_for_replies()  # a card button's update and replies follow its turn
        return response

    def teams_say(self, text: str, role: str = "owner") -> Any:
        return self.teams_post(message_activity(text, **self._teams_who(role)))

    def teams_submit(self, data: dict[str, Any], role: str = "owner") -> Any:
        return self.teams_post(card_submit_activity(data, **self._teams_who(role)))

    def teams_texts(self) -> str:
        """Everything the bot said on Teams since the last `connector.clear()`, as one string."""
        return json.dumps(self.connector.sent_activities(), ensure_ascii=False)

    # Slack ------------------------------------------------------------------------------
    def slack_texts(self) -> str:
        """Everything the app told Slack since the last `fake.clear()` (API calls, response_url)."""
        return json.dumps([c.args for c in self.fake.calls], ensure_ascii=False)

    def slack_event_body(self, event: dict[str, Any], event_id: str) -> str:
        return event_body(event, event_id=event_id)

    def open_occurrences(self, role: str = "owner") -> list[int]:
        """Pending occurrences assigned to `role` whose period has started, oldest first."""
        today = dt.date.today()
        with self.db.session() as session:
            rows = session.exec(
                select(Occurrence.id)
                .where(
                    Occurrence.assignee_id == self.person_id(role),
                    Occurrence.status == OccurrenceStatus.PENDING,
                    Occurrence.period_start <= today,
                )
                .order_by(Occurrence.period_start, Occurrence.id)  # type: ignore[arg-type]
            ).all()
        return [int(r or 0) for r in rows]


__all__ = ["SECRET", "World", "PEOPLE", "ROLES", "fingerprint", "changed"]

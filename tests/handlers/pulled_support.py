"""Shared pieces of the pulled access-review end-to-end tests: catalog, GitHub org, ticks, outbox.

The app runs for real (HTTP, its platform adapter, the catalog synced at start-up); only the
scheduler is off, so each test runs the access-review tick and the real outbox sender itself,
at the instants it chooses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlmodel import col, select

from bot.chat.port import ChatPort
from bot.core.db import Database
from bot.evidence.store import EvidenceStore
from models import (
    AuditEvent,
    Campaign,
    CampaignStatus,
    Evidence,
    EvidenceKind,
    FollowUp,
    FollowUpStatus,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Person,
    Task,
)
from schedules.decisions import pulled_reviews
from schedules.sender import OutboxSender, SenderPolicy
from tests.bot.connectors.fake_github import FakeGitHub
from tests.handlers.slack.conftest import scenario_catalog

# A Tuesday morning of Q2 2026: the quarter's review is due and nothing of Q3 is yet.
T0 = dt.datetime(2026, 5, 5, 9, 0, tzinfo=dt.UTC)
ENV = {"GITHUB_TOKEN": "ghp_e2e_token"}
TASK = "github-access-review"
# How the prompt must list the org: two flags (orphan, no 2FA), then one flag each by name
# (an owner, a member without 2FA), then the ordinary members by name.
ORDER = ("zz-deploy-bot", "ana", "eve", "abby", "audrey")


def pulled_catalog(channel: str, api_url: str) -> dict[str, Any]:
    """The Slack/Teams scenario's catalog plus a quarterly GitHub review whose prompt goes to
    `channel`; the window starts with the quarter, so one review is due and only one."""
    data = scenario_catalog(T0.date())
    data["program"]["window"] = {"start": "2026-04-01", "end": "2027-03-31"}
    data["people"].append(
        {"email": "abby@acme.test", "name": "Abby Lane", "role": "member",
         "manager": "ana@acme.test"}
    )  # fmt: skip
    review = {
        "source": {"type": "github", "org": "acme", "api_url": api_url},
        "channel": channel,
        "reviewer": "owner",
    }
    task = {
        "id": TASK, "title": "Review GitHub access", "kind": "access_review",
        "schedule": "quarterly", "due": "30d", "evidence": "any", "review": review,
    }  # fmt: skip
    data["controls"].append(
        {"id": "CC6.3-GH", "title": "GitHub organization access", "criteria": ["CC6.3"],
         "owner": "raj@acme.test", "tasks": [task]}
    )  # fmt: skip
    return data


def write_catalog(tmp_path: Path, channel: str, api_url: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(pulled_catalog(channel, api_url)))
    return path


@contextmanager
def github_org() -> Iterator[FakeGitHub]:
    """Acme's GitHub organization: an owner, a member without 2FA, an unknown bot, two others."""
    with FakeGitHub(org="acme", token=ENV["GITHUB_TOKEN"]) as fake:
        fake.add_member("abby")
        fake.add_member("ana", admin=True)
        fake.add_member("audrey")
        fake.add_member("eve", two_factor=False)
        fake.add_member("zz-deploy-bot", two_factor=False)  # nobody's: an orphan
        yield fake


class Backend:
    """The app's database and evidence store, the access-review tick and the outbox sender."""

    def __init__(self, client: TestClient, ports: Mapping[str, ChatPort]) -> None:
        self.client, self.ports = client, dict(ports)
        state = client.app.state  # type: ignore[attr-defined]
        self.db: Database = state.db
        self.store: EvidenceStore = state.evidence_store

    def tick(self, now: dt.datetime) -> Any:
        """The scheduler's REVIEWS job at `now`: start due reviews, then verify revokes."""
        return pulled_reviews(self.db, self.store, ENV)(now)

    def deliver(self) -> int:
        """Run the real outbox sender through the platform's chat port until nothing is due."""
        policy = SenderPolicy(intervals=dict.fromkeys(self.ports, 0.0))
        sender = OutboxSender(self.db, self.ports, worker_id="e2e", sleep=_no_wait, policy=policy)
        sent = 0
        while (n := self.client.portal.call(sender.run_once)) > 0:  # type: ignore[union-attr]
            sent += n
        return sent

    def occurrence(self) -> Occurrence:
        """The GitHub review's work of this quarter (Q2 2026)."""
        with self.db.session() as session:
            task = session.exec(select(Task).where(Task.key == TASK)).one()
            query = select(Occurrence).where(
                Occurrence.task_id == task.id, Occurrence.period_key == "2026-Q2"
            )
            return session.exec(query).one()

    def follow_ups(self) -> list[FollowUp]:
        with self.db.session() as session:
            return list(session.exec(select(FollowUp).order_by(col(FollowUp.id))).all())

    def evidence_of(self, follow_up: FollowUp) -> list[Evidence]:
        query = select(Evidence).where(Evidence.campaign_item_id == follow_up.campaign_item_id)
        with self.db.session() as session:
            return list(session.exec(query).all())

    def events(self, action: str) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.action == action)
        with self.db.session() as session:
            return list(session.exec(query.order_by(col(AuditEvent.seq))).all())

    def queued(self, key_prefix: str) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(
            col(OutboxMessage.idempotency_key).startswith(key_prefix)
        )
        with self.db.session() as session:
            return list(session.exec(query).all())


async def _no_wait(_: float) -> None:
    await asyncio.sleep(0)


def person_id(db: Database, email: str) -> int:
    with db.session() as session:
        return session.exec(select(Person.id).where(Person.email == email)).one() or 0


def assert_review_done(backend: Backend, revoked: str) -> FollowUp:
    """The review completed on its own: the work is done, one follow-up per revoke, to Raj."""
    with backend.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
    assert campaign.status is CampaignStatus.COMPLETED
    assert backend.occurrence().status is OccurrenceStatus.DONE
    [follow_up] = backend.follow_ups()
    assert follow_up.title == f"Remove access: {revoked}"
    assert follow_up.status is FollowUpStatus.OPEN
    assert follow_up.assignee_id == person_id(backend.db, "raj@acme.test")
    return follow_up


def assert_verified(backend: Backend, follow_up: FollowUp, at: dt.datetime) -> None:
    """The follow-up closed itself with the re-pulled org as proof, and the trail says so."""
    [closed] = backend.follow_ups()
    assert closed.status is FollowUpStatus.DONE and closed.done_at == at
    # Beside Raj's decision (an attestation), the re-pulled population, filed as a file.
    [evidence] = [e for e in backend.evidence_of(follow_up) if e.kind is EvidenceKind.FILE]
    assert evidence.media_type == "application/json" and evidence.campaign_id == closed.campaign_id
    statement = evidence.statement or ""
    assert statement.startswith(f"absent from GitHub organization acme at {at:%Y-%m-%d %H:%M}")
    assert f"snapshot sha256 {evidence.sha256}" in statement
    [event] = backend.events("follow_up.completed")
    assert event.details["verified"] == statement and event.details["follow_up"] == follow_up.id
    assert event.actor == "scheduler"  # nobody clicked "done": the re-pull closed it


def start_review(backend: Backend) -> None:
    """The quarter's tick pulls GitHub and starts the review; the sender posts its prompt."""
    assert backend.occurrence().status is OccurrenceStatus.PENDING
    [outcome] = backend.tick(T0 + dt.timedelta(minutes=5))["started"]
    assert outcome.started is not None and outcome.failure is None
    assert (outcome.started.accounts, outcome.started.flagged) == (5, 3)
    assert backend.deliver() == 1  # the prompt, and nothing else


def removal_is_verified(backend: Backend, github: FakeGitHub, follow_up: FollowUp) -> None:
    """The owner removes the account in GitHub; the next day's tick proves it and closes."""
    github.remove(follow_up.title.removeprefix("Remove access: "))
    next_day = T0 + dt.timedelta(days=1)
    [verified] = backend.tick(next_day)["verified"]
    assert (verified.checked, verified.closed, verified.still_present) == (1, 1, 0)
    assert_verified(backend, follow_up, next_day)
    # Later the same day: nothing starts again, nothing is left to check, GitHub not asked.
    asked = len(github.requests)
    assert backend.tick(next_day + dt.timedelta(hours=3)) == {"started": [], "verified": []}
    assert len(github.requests) == asked


def still_there_is_chased(backend: Backend, github: FakeGitHub, follow_up: FollowUp) -> str:
    """Nobody removes the account: checked once a day, and past its due day its assignee is
    told (queued, not yet sent). Returns the queued notice's recipient."""
    next_day = T0 + dt.timedelta(days=1)
    [verified] = backend.tick(next_day)["verified"]
    assert (verified.closed, verified.still_present) == (0, 1)
    [checked] = backend.follow_ups()
    assert checked.status is FollowUpStatus.OPEN and checked.checked_at == next_day
    assert backend.queued("follow-up-still:") == []  # not due yet: nobody is nagged

    # A second tick that day pulls nothing: the follow-up was checked today.
    asked = len(github.requests)
    assert backend.tick(next_day + dt.timedelta(hours=2))["verified"] == []
    assert len(github.requests) == asked and backend.follow_ups()[0].checked_at == next_day

    late = dt.datetime.combine(follow_up.due_on + dt.timedelta(days=1), dt.time(9), dt.UTC)
    [verified] = backend.tick(late)["verified"]
    assert verified.still_present == 1 and len(github.requests) > asked
    [still] = backend.follow_ups()
    assert still.status is FollowUpStatus.OPEN and still.checked_at == late
    [chase] = backend.queued(f"follow-up-still:{follow_up.id}:")
    assert chase.kind == "reminder"
    return chase.recipient

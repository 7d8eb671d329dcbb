"""Round reminders follow the program's policy: lead times, overdue repeats, grouped escalations."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.campaigns.items import acknowledge_policy
from bot.campaigns.reminders import queue_campaign_reminders
from bot.campaigns.rounds import start_policy_campaign
from bot.core.actor import Actor
from bot.core.db import Database
from tests.campaign_support import (
    START,
    actor,
    build_company,
    item_of,
    items_of,
    link,
    outbox,
)

UTC = dt.UTC
# Due 14 days after Monday 2 March: Monday 16 March (New York), so:
SEVEN_BEFORE = dt.datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 10:00 New York, 15:00 Berlin
ESCALATION = dt.datetime(2026, 3, 19, 14, 0, tzinfo=UTC)  # 3 business days overdue
COMPLIANCE = dt.datetime(2026, 3, 25, 14, 0, tzinfo=UTC)  # 7 business days overdue


@pytest.fixture
def round_id(db: Database) -> int:
    build_company(db)
    with db.transaction() as session:
        started = start_policy_campaign(
            session=session, actor=Actor.cli(), title="Acceptable Use Policy", version="1.0",
            now=START, link="https://intranet.acme.test/aup",
        )  # fmt: skip
        return started.campaign.id or 0


def tick(db: Database, now: dt.datetime) -> int:
    with db.transaction() as session:
        return queue_campaign_reminders(session=session, now=now)


def test_nothing_more_is_sent_on_the_day_a_round_starts(db: Database, round_id: int) -> None:
    assert tick(db, START) == 0
    assert tick(db, START + dt.timedelta(hours=3)) == 0


def test_pending_people_are_reminded_once_per_step_in_their_own_morning(
    db: Database, round_id: int
) -> None:
    accepted = people_of(db, round_id)[1]  # the Platform lead, in Berlin
    item = item_of(db, round_id, accepted)
    with db.transaction() as session:
        acknowledge_policy(session=session, actor=actor(db, accepted), item_id=item.id or 0,
                           now=START)  # fmt: skip
    early = dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 08:00 in New York, 13:00 in Berlin
    berlin_first = tick(db, early)
    assert berlin_first == 9  # the Platform team (Berlin) minus the one who accepted
    assert tick(db, SEVEN_BEFORE) == 46 - 1 - berlin_first
    assert tick(db, SEVEN_BEFORE) == 0
    sent = [r for r in outbox(db, "campaign:") if ":before-7d:" in r.idempotency_key]
    assert f"campaign:{item.id}:before-7d:2026-03-09" not in {r.idempotency_key for r in sent}
    one = sent[0]
    assert one.payload["text"].startswith("Reminder: this is due Mon 16 Mar 2026, in 7 days.")
    assert [b["action_id"][:9] for b in one.payload["buttons"]] == ["open_link", "camp_ack:"]
    saturday = dt.datetime(2026, 3, 14, 14, 0, tzinfo=UTC)
    assert tick(db, saturday) == 0  # never on weekends


def people_of(db: Database, round_id: int) -> list[int]:
    return [i.person_id or 0 for i in items_of(db, round_id)]


def test_overdue_people_escalate_to_their_manager_in_one_note_per_manager(
    db: Database, round_id: int
) -> None:
    tick(db, ESCALATION)
    notes = outbox(db, "campaign-escalate:")
    assert {n.idempotency_key.split(":")[2] for n in notes} == {"manager"}
    assert len(notes) == 5  # one per team lead, listing their nine late reports
    [product] = [n for n in notes if n.recipient == "U0014"]  # the Product lead, on Slack
    assert product.payload["title"] == "Escalation: Acceptable Use Policy, version 1.0 is overdue"
    assert len(product.payload["items"]) == 9
    assert tick(db, ESCALATION + dt.timedelta(hours=1)) == 0
    repeats = [r for r in outbox(db, "campaign:") if ":overdue-" in r.idempotency_key]
    assert repeats and all(r.payload["text"].startswith("Overdue:") for r in repeats)

    tick(db, COMPLIANCE)
    [channel] = [n for n in outbox(db, "campaign-escalate:") if ":compliance:" in n.idempotency_key]
    assert channel.recipient == "#soc2" and channel.kind == "alert"
    assert len(channel.payload["items"]) == 26  # 25 listed, then "… and 26 more"
    assert channel.payload["items"][-1]["text"] == "… and 26 more"


def test_someone_linked_later_gets_their_dm_at_the_next_tick(db: Database, round_id: int) -> None:
    unreachable = [i for i in items_of(db, round_id) if not outbox(db, f"campaign:{i.id}:invite")]
    assert len(unreachable) == 5
    with db.transaction() as session:
        link(session, unreachable[0].person_id or 0, "teams", "aad-late")
    assert tick(db, START + dt.timedelta(minutes=5)) == 1
    [invite] = outbox(db, f"campaign:{unreachable[0].id}:invite")
    assert invite.recipient == "teams:user:aad-late" and invite.platform == "teams"

"""Which round item a certificate file is for: its thread's round DM, one camp-N, or awaited."""

from __future__ import annotations

import pytest

from bot.chat.campaigns import campaign_reference, item_for_chat_file, item_for_thread_file
from bot.chat.runtime import Runtime
from bot.outbox.conversations import await_file
from bot.outbox.inbound import remember_message
from models import Campaign, CampaignItem, CampaignKind
from tests.bot.chat.conftest import NOW, Work


@pytest.fixture
def item(chat_runtime: Runtime, work: Work) -> tuple[int, int]:
    """(round, item): a training round with the person's item, announced in DM `D1`."""
    with chat_runtime.db.transaction() as session:
        camp = Campaign(kind=CampaignKind.TRAINING, name="Security awareness")
        session.add(camp)
        session.flush()
        row = CampaignItem(campaign_id=camp.id or 0, subject="Raj", person_id=work.actor.person_id)
        session.add(row)
        session.flush()
        remember_message(
            session=session, platform="slack", channel="D1", message_id="5.5",
            kind="campaign", campaign_id=camp.id,
        )  # fmt: skip
        return camp.id or 0, row.id or 0


def test_one_round_reference_is_read_from_the_text() -> None:
    assert campaign_reference("my certificate for camp-12") == 12
    assert campaign_reference("Campaign-3 and camp-3") == 3
    assert campaign_reference("camp-1 or camp-2?") is None
    assert campaign_reference(None) is None


def test_a_file_in_a_round_thread_is_for_its_item_else_the_named_round(
    chat_runtime: Runtime, work: Work, item: tuple[int, int]
) -> None:
    round_id, item_id = item

    def target(thread: str | None, campaign_id: int | None) -> int | None:
        return item_for_thread_file(
            chat_runtime, work.actor, platform="slack", channel="D1", thread=thread,
            campaign_id=campaign_id,
        )  # fmt: skip

    assert target("5.5", None) == item_id
    assert target("9.9", round_id) == item_id  # not a round's thread: the named round
    assert target(None, round_id) == item_id
    assert target("9.9", None) is None
    assert target(None, round_id + 1) is None


def test_a_file_in_a_chat_is_for_the_named_round_else_the_awaited_item(
    chat_runtime: Runtime, work: Work, item: tuple[int, int]
) -> None:
    round_id, item_id = item
    with chat_runtime.db.transaction() as session:
        await_file(
            session=session, conversation="19:chat", person_id=work.actor.person_id or 0,
            now=NOW, campaign_item_id=item_id,
        )  # fmt: skip

    def target(text: str) -> int | None:
        return item_for_chat_file(chat_runtime, work.actor, conversation="19:chat", text=text)

    assert target(f"camp-{round_id + 1}") is None  # named, even if not theirs: no fallback
    assert target("here it is") == item_id
    assert target("here it is") is None  # the wait is taken once

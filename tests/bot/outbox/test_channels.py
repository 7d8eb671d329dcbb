"""Channel names resolved once: the first id stored wins, and later messages are queued to it."""

from __future__ import annotations

from sqlmodel import select

from bot.core.db import Database
from bot.core.messages import info_message
from bot.outbox.channels import StoredChannelBook, is_channel_name
from bot.outbox.queue import Outgoing, enqueue_messages
from models import ChatChannel, OutboxMessage


def test_replicas_resolving_one_name_keep_the_first_id_whatever_its_spelling(db: Database) -> None:
    first, second = StoredChannelBook(db), StoredChannelBook(db)  # two replicas
    assert first.lookup("slack", "#leadership") is None
    assert first.remember("slack", "#Leadership", "C0LEAD") == "C0LEAD"
    assert second.remember("slack", "leadership", "C0OTHER") == "C0LEAD"  # lost the race
    assert second.lookup("slack", " #leadership") == "C0LEAD"
    assert first.lookup("teams", "#leadership") is None  # per platform
    with db.session() as session:
        assert len(session.exec(select(ChatChannel)).all()) == 1


def test_messages_to_a_resolved_name_are_queued_to_its_id(db: Database) -> None:
    StoredChannelBook(db).remember("slack", "#leadership", "C0LEAD")
    note = info_message("hello", ephemeral=False)
    with db.transaction() as session:
        enqueue_messages(
            session=session,
            messages=[
                Outgoing(key="a", platform="slack", recipient="#leadership", message=note),
                Outgoing(key="b", platform="slack", recipient="#unknown", message=note),
                Outgoing(key="c", platform="slack", recipient="URAJ", message=note),
                Outgoing(key="d", platform="teams", recipient="#leadership", message=note),
            ],
        )
    with db.session() as session:
        queued = {r.idempotency_key: r.recipient for r in session.exec(select(OutboxMessage))}
    assert queued == {"a": "C0LEAD", "b": "#unknown", "c": "URAJ", "d": "#leadership"}


def test_ids_and_users_are_not_names() -> None:
    assert [is_channel_name(v) for v in ["C0LEAD", "G123", "D9", "URAJ", "W1"]] == [False] * 5
    assert all(is_channel_name(v) for v in ["#leadership", "leadership", "c0lead", "#C1"])

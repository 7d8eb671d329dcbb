"""Conversation references kept for proactive messages, and files awaited in a chat."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.chat.conversations import (
    awaited_file,
    occurrence_for_chat_file,
    remember_reference,
    stored_reference,
)
from bot.chat.runtime import Runtime
from bot.outbox.conversations import await_file
from tests.bot.chat.conftest import NOW, Work


def test_a_reference_is_remembered_refreshed_and_read_back(chat_runtime: Runtime) -> None:
    key = "teams:user:aad-1"
    assert stored_reference(chat_runtime, key) is None
    remember_reference(chat_runtime, platform="teams", key=key, reference={"id": "a"})
    remember_reference(chat_runtime, platform="teams", key=key, reference={"id": "b"})
    assert stored_reference(chat_runtime, key) == {"id": "b"}


def _awaiting(runtime: Runtime, work: Work, conversation: str = "19:chat") -> None:
    with runtime.db.transaction() as session:
        await_file(
            session=session, conversation=conversation, person_id=work.actor.person_id or 0,
            now=NOW, occurrence_id=work.occurrence_id,
        )  # fmt: skip


def test_an_awaited_file_is_taken_once_by_its_person_only(
    chat_runtime: Runtime, work: Work
) -> None:
    _awaiting(chat_runtime, work)
    stranger = replace(work.actor, person_id=(work.actor.person_id or 0) + 1000)
    assert awaited_file(chat_runtime, stranger, "19:chat") is None
    assert awaited_file(chat_runtime, work.actor, "19:other") is None
    assert awaited_file(chat_runtime, work.actor, "19:chat") == work.occurrence_id
    assert awaited_file(chat_runtime, work.actor, "19:chat") is None


def test_an_expired_wait_is_dropped(chat_runtime: Runtime, work: Work) -> None:
    _awaiting(chat_runtime, work)
    later = replace(chat_runtime, clock=lambda: NOW + dt.timedelta(hours=1))
    assert awaited_file(later, work.actor, "19:chat") is None
    assert awaited_file(chat_runtime, work.actor, "19:chat") is None  # and gone


def test_one_ref_in_the_text_wins_and_leaves_the_awaited_file(
    chat_runtime: Runtime, work: Work
) -> None:
    _awaiting(chat_runtime, work)

    def target(text: str | None) -> int | None:
        return occurrence_for_chat_file(chat_runtime, work.actor, conversation="19:chat", text=text)

    assert target("for #7") == 7
    assert target("#7 or #8?") == work.occurrence_id  # not one ref: the awaited file
    assert target(None) is None  # taken already

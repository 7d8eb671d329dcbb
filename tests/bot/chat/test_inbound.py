"""Inbound events: a redelivery is dropped; a shared file finds its task by thread or #ref."""

from __future__ import annotations

from bot.chat.inbound import (
    first_delivery,
    occurrence_for_thread_file,
    occurrence_refs,
    occurrence_under_message,
    referenced_occurrence,
)
from bot.chat.runtime import Runtime
from bot.outbox.inbound import remember_message
from tests.bot.chat.conftest import Work


def test_an_event_id_is_first_delivered_once_per_platform(chat_runtime: Runtime) -> None:
    assert first_delivery(chat_runtime, platform="slack", event_id="Ev1")
    assert not first_delivery(chat_runtime, platform="slack", event_id="Ev1")
    assert first_delivery(chat_runtime, platform="teams", event_id="Ev1")


def test_references_are_read_from_the_text() -> None:
    assert occurrence_refs("for #12 and occ-3, #12 again") == ["12", "3"]
    assert referenced_occurrence("done, see OCC-42") == 42
    assert referenced_occurrence("#1 or #2?") is None
    assert referenced_occurrence("x#5 is not a reference") is None
    assert referenced_occurrence(None) is None


def _task_message(runtime: Runtime, occurrence_id: int) -> None:
    with runtime.db.transaction() as session:
        remember_message(
            session=session, platform="slack", channel="D1", message_id="17.01",
            kind="task", occurrence_id=occurrence_id,
        )  # fmt: skip


def test_a_thread_under_a_task_message_is_about_its_occurrence(
    chat_runtime: Runtime, work: Work
) -> None:
    _task_message(chat_runtime, work.occurrence_id)

    def under(platform: str, channel: str) -> int | None:
        return occurrence_under_message(
            chat_runtime, platform=platform, channel=channel, message_id="17.01"
        )

    assert under("slack", "D1") == work.occurrence_id
    assert under("teams", "D1") is None
    assert under("slack", "D2") is None


def test_a_file_is_for_its_threads_task_else_one_ref_in_a_dm(
    chat_runtime: Runtime, work: Work
) -> None:
    _task_message(chat_runtime, work.occurrence_id)

    def target(thread: str | None, text: str, *, direct: bool) -> int | None:
        return occurrence_for_thread_file(
            chat_runtime, platform="slack", channel="D1", thread=thread, text=text, direct=direct
        )

    assert target("17.01", "#999", direct=True) == work.occurrence_id  # the thread wins
    assert target("17.01", "", direct=False) == work.occurrence_id
    assert target("99.9", "#7", direct=True) == 7  # an unknown thread: the DM's one ref
    assert target(None, "#7", direct=False) is None  # a number in a channel may mean anything
    assert target(None, "#7 #8", direct=True) is None

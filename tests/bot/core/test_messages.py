"""The platform-neutral message model and its plain-text renderer."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import NotFound
from bot.core.messages import (
    Button,
    Confirm,
    Field,
    Image,
    ListItem,
    Message,
    Section,
    error_message,
    info_message,
    message_for_error,
)
from bot.core.payload import message_from_payload, message_to_payload
from bot.core.plain import render_plain


def full_message() -> Message:
    return Message(
        title="Control CC6.1-AR",
        text="Quarterly production access review.",
        fields=(Field("Owner", "Raj Iyer"), Field("Criteria", "CC6.1, CC6.2")),
        sections=(Section("Tasks", "One recurring task.", items=(ListItem("Review access"),)),),
        items=(
            ListItem(
                "#1234 Review production access",
                detail="due 2026-04-14, overdue 3 days",
                buttons=(Button("Mark done", "occurrence.done", "1234", "primary"),),
            ),
        ),
        buttons=(
            Button("Attach evidence", "occurrence.attach", "1234", "primary"),
            Button(
                "Skip",
                "occurrence.skip",
                "1234",
                "danger",
                Confirm("Skip it?", "An auditor will see this."),
            ),
        ),
        images=(Image("https://example.test/chart.png", "on-time completion trend"),),
        footer="soc2bot · Acme SOC 2",
    )


def test_message_with_only_title_and_text_uses_defaults() -> None:
    message = Message(title="x", text="y")
    parts = (message.fields, message.sections, message.items, message.buttons, message.images)
    assert all(part == () for part in parts)
    assert message.footer is None and message.ephemeral is True


def test_message_parts_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Message(title="x").title = "y"  # type: ignore[misc]
    assert Button("Go", "go").style == "default" and Button("Go", "go").confirm is None
    assert Confirm("Sure?", "Really.").deny_label == "Cancel"


def test_plain_renderer_shows_every_part_in_order() -> None:
    out = render_plain(full_message())
    order = [
        "Control CC6.1-AR",
        "================",
        "Quarterly production access review.",
        "Owner:",
        "Criteria:",
        "Tasks",
        "• Review access",
        "• #1234 Review production access",
        "due 2026-04-14, overdue 3 days",
        "[Mark done]",
        "[Attach evidence] [Skip]",
        "(image: on-time completion trend)",
        "soc2bot · Acme SOC 2",
    ]
    positions = [out.index(part) for part in order]
    assert positions == sorted(positions)


def test_plain_renderer_underlines_the_title() -> None:
    lines = render_plain(Message(title="Status", text="All good.")).splitlines()
    assert lines[:2] == ["Status", "======"]


def test_plain_renderer_aligns_field_values() -> None:
    out = render_plain(Message(fields=(Field("Owner", "Raj"), Field("Criteria", "CC6.1"))))
    owner, criteria = out.splitlines()
    assert owner.index("Raj") == criteria.index("CC6.1")
    assert owner.startswith("Owner:") and criteria.startswith("Criteria:")


def test_plain_renderer_indents_item_detail_under_its_bullet() -> None:
    out = render_plain(Message(items=(ListItem("First", "more about it"),)))
    bullet, detail = out.splitlines()
    assert bullet == "• First"
    assert detail.startswith("    ") and detail.strip() == "more about it"


def test_plain_renderer_wraps_long_text_to_the_width() -> None:
    words = "evidence " * 60
    message = Message(
        title="Weekly digest",
        text=words,
        fields=(Field("Summary", words),),
        sections=(Section("Due next", words),),
        items=(ListItem(words, detail=words),),
        footer=words,
    )
    lines = render_plain(message, width=40).splitlines()
    assert len(lines) > 30
    assert all(len(line) <= 40 for line in lines)


def test_plain_renderer_keeps_paragraph_breaks() -> None:
    out = render_plain(Message(text="one\n\ntwo"))
    assert out == "one\n\ntwo"


def test_plain_renderer_never_cuts_a_long_url() -> None:
    url = "https://example.test/" + "a" * 150
    assert url in render_plain(Message(text=f"see {url}"), width=40)


def test_plain_renderer_of_an_empty_message_is_empty() -> None:
    assert render_plain(Message()) == ""


def test_error_message_puts_the_usage_in_the_footer() -> None:
    message = error_message("Missing the control id.", "control <id> — e.g. `control CC6.1-AR`")
    assert message.text == "Missing the control id." and message.ephemeral
    assert message.footer == "Usage: control <id> — e.g. `control CC6.1-AR`"
    assert error_message("Nope.").footer is None


def test_message_for_error_uses_the_safe_message_and_usage() -> None:
    message = message_for_error(NotFound("No control ‘X’.", usage="control <id>"))
    assert render_plain(message) == "No control ‘X’.\n\nUsage: control <id>"


def test_info_message_accepts_field_pairs() -> None:
    message = info_message("Linked.", title="You", fields=[("Role", "admin"), Field("Slack", "U1")])
    assert message.fields == (Field("Role", "admin"), Field("Slack", "U1"))
    assert message.title == "You" and message.ephemeral
    assert not info_message("Posted.", ephemeral=False).ephemeral


@settings(max_examples=200)
@given(
    st.text(max_size=300),
    st.lists(st.tuples(st.text(max_size=80), st.text(max_size=300)), max_size=4),
    st.integers(min_value=-5, max_value=200),
)
def test_plain_renderer_handles_any_text_and_width(
    text: str, pairs: list[tuple[str, str]], width: int
) -> None:
    message = Message(
        title=text,
        text=text,
        fields=tuple(Field(label, value) for label, value in pairs),
        sections=(Section(text, text, items=(ListItem(text, text),)),),
        items=(ListItem(text, text, (Button(text, "a"),)),),
        footer=text,
    )
    assert isinstance(render_plain(message, width=width), str)


def test_plain_renderer_keeps_a_long_field_label_readable() -> None:
    out = render_plain(Message(fields=(Field("A very long label indeed", "value"),)), width=30)
    assert out.startswith("A very long label indeed: value")


def test_payload_round_trips_every_part_through_json() -> None:
    message = dataclasses.replace(
        full_message(),
        images=(
            Image("chart.png", "trend", b"\x89PNG\x00\xff"),
            Image("https://x.test/a.png", "a"),
        ),
        ephemeral=False,
    )
    stored = json.loads(json.dumps(message_to_payload(message)))
    assert message_from_payload(stored) == message


def test_payload_holds_every_field_of_the_model() -> None:
    # a field added to the model but not to the payload would vanish in the outbox
    payload = message_to_payload(full_message())
    expected = {f.name for f in dataclasses.fields(Message)}
    assert set(payload) == expected
    assert set(payload["buttons"][1]["confirm"]) == {f.name for f in dataclasses.fields(Confirm)}
    assert set(payload["buttons"][0]) == {f.name for f in dataclasses.fields(Button)}
    assert set(payload["items"][0]) == {f.name for f in dataclasses.fields(ListItem)}
    assert set(payload["sections"][0]) == {f.name for f in dataclasses.fields(Section)}
    assert set(payload["images"][0]) == {"url_or_path", "alt_text", "data_b64"}

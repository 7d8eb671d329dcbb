"""Platform-neutral messages, rendered as Block Kit, Adaptive Cards, or plain text here.

All text in the model is literal: the bot's words and data people typed alike. Renderers
escape all of it and add emphasis only from the structure (title, heading, label, detail).
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.errors import SoC2BotError

ButtonStyle = Literal["primary", "danger", "default"]
_MIN_WIDTH = 20
_BULLET = "• "


@dataclass(frozen=True)
class Field:
    """A short label/value pair, such as `Owner: Raj Iyer`."""

    label: str
    value: str


@dataclass(frozen=True)
class Confirm:
    """A confirmation dialog shown before a button's action runs."""

    title: str
    text: str
    confirm_label: str = "Confirm"
    deny_label: str = "Cancel"


@dataclass(frozen=True)
class Button:
    """An action; `action_id` routes the click, `value` carries its argument."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = "default"
    confirm: Confirm | None = None


@dataclass(frozen=True)
class ListItem:
    """One row of a list, with optional detail and its own buttons."""

    text: str
    detail: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Section:
    """A headed part of a message."""

    heading: str | None = None
    text: str | None = None
    fields: tuple[Field, ...] = ()
    items: tuple[ListItem, ...] = ()


@dataclass(frozen=True)
class Image:
    """A picture (charts): by URL or file name, with its PNG bytes when the bot made it.

    `alt_text` is required for accessibility; `data` travels through the outbox so that any
    replica can deliver it.
    """

    url_or_path: str
    alt_text: str
    data: bytes | None = None


@dataclass(frozen=True)
class Message:
    """What the bot says; `ephemeral` messages are shown only to the person who asked."""

    title: str | None = None
    text: str | None = None
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    items: tuple[ListItem, ...] = ()
    buttons: tuple[Button, ...] = ()
    images: tuple[Image, ...] = ()
    footer: str | None = None
    ephemeral: bool = True


def error_message(text: str, usage: str | None = None) -> Message:
    """A short, friendly error, with the usage line as its footer when there is one."""
    return Message(text=text, footer=f"Usage: {usage}" if usage else None)


def message_for_error(error: SoC2BotError) -> Message:
    """The message for an error a person caused (its `message` and `usage`)."""
    return error_message(error.message, error.usage)


def info_message(
    text: str | None = None,
    *,
    title: str | None = None,
    fields: Iterable[Field | tuple[str, str]] = (),
    footer: str | None = None,
    ephemeral: bool = True,
) -> Message:
    """A plain informational message; fields may be given as `(label, value)` pairs."""
    pairs = tuple(f if isinstance(f, Field) else Field(*f) for f in fields)
    return Message(title=title, text=text, fields=pairs, footer=footer, ephemeral=ephemeral)


def _wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """Wrap each line of `text` on its own; blank lines stay, long words are not cut."""
    follow = first if rest is None else rest
    lines: list[str] = []
    for index, line in enumerate(text.splitlines() or [""]):
        lead = first if index == 0 else follow
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent=lead,
            subsequent_indent=follow,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(wrapped or [lead.rstrip()])
    return lines


def _fields(fields: Iterable[Field], width: int, indent: str = "") -> list[str]:
    fields = tuple(fields)
    if not fields:
        return []
    pad = min(max(len(f.label) for f in fields) + 2, width // 3)
    lines: list[str] = []
    for f in fields:
        head = f"{indent}{f.label + ':':<{pad}}"
        if len(head) > len(indent) + pad:
            head += " "
        lines.extend(_wrap(f.value, width, head, " " * len(head)))
    return lines


def _button_hints(buttons: Iterable[Button], width: int, indent: str = "") -> list[str]:
    hints = " ".join(f"[{b.label}]" for b in buttons)
    return _wrap(hints, width, indent) if hints else []


def _items(items: Iterable[ListItem], width: int, indent: str = "") -> list[str]:
    lines: list[str] = []
    inner = indent + " " * len(_BULLET)
    for item in items:
        lines.extend(_wrap(item.text, width, indent + _BULLET, inner))
        if item.detail:
            lines.extend(_wrap(item.detail, width, inner + "  "))
        lines.extend(_button_hints(item.buttons, width, inner + "  "))
    return lines


def _section(section: Section, width: int) -> list[str]:
    lines: list[str] = []
    if section.heading:
        lines += [section.heading, "-" * min(len(section.heading), width)]
    if section.text:
        lines.extend(_wrap(section.text, width))
    lines.extend(_fields(section.fields, width))
    lines.extend(_items(section.items, width))
    return lines


def render_plain(message: Message, *, width: int = 100) -> str:
    """The message as plain text for a terminal: blocks separated by blank lines."""
    width = max(width, _MIN_WIDTH)
    blocks: list[list[str]] = []
    if message.title:
        blocks.append([*_wrap(message.title, width), "=" * min(len(message.title), width)])
    if message.text:
        blocks.append(_wrap(message.text, width))
    blocks.append(_fields(message.fields, width))
    blocks.extend(_section(s, width) for s in message.sections)
    blocks.append(_items(message.items, width))
    blocks.append(_button_hints(message.buttons, width))
    blocks.append([f"(image: {image.alt_text})" for image in message.images])
    if message.footer:
        blocks.append(_wrap(message.footer, width))
    return "\n\n".join("\n".join(block) for block in blocks if block)


def _button_data(b: Button) -> dict[str, Any]:
    confirm = b.confirm
    return {
        "label": b.label,
        "action_id": b.action_id,
        "value": b.value,
        "style": b.style,
        "confirm": None
        if confirm is None
        else {
            "title": confirm.title,
            "text": confirm.text,
            "confirm_label": confirm.confirm_label,
            "deny_label": confirm.deny_label,
        },
    }


def _items_data(items: tuple[ListItem, ...]) -> list[dict[str, Any]]:
    return [
        {"text": i.text, "detail": i.detail, "buttons": [_button_data(b) for b in i.buttons]}
        for i in items
    ]


def _fields_data(fields: tuple[Field, ...]) -> list[dict[str, str]]:
    return [{"label": f.label, "value": f.value} for f in fields]


def message_to_payload(message: Message) -> dict[str, Any]:
    """The message as JSON-safe data (outbox rows); `message_from_payload` reverses it.

    Written out field by field: `dataclasses.asdict` deep-copies every value and was a third
    of the time to queue a large reminder wave.
    """
    return {
        "title": message.title,
        "text": message.text,
        "fields": _fields_data(message.fields),
        "sections": [
            {
                "heading": s.heading,
                "text": s.text,
                "fields": _fields_data(s.fields),
                "items": _items_data(s.items),
            }
            for s in message.sections
        ],
        "items": _items_data(message.items),
        "buttons": [_button_data(b) for b in message.buttons],
        "images": [
            {
                "url_or_path": i.url_or_path,
                "alt_text": i.alt_text,
                "data_b64": base64.b64encode(i.data).decode("ascii")
                if i.data is not None
                else None,
            }
            for i in message.images
        ],
        "footer": message.footer,
        "ephemeral": message.ephemeral,
    }


def message_from_payload(data: dict[str, Any]) -> Message:
    """Rebuild a message stored with `message_to_payload`."""

    def button(b: dict[str, Any]) -> Button:
        confirm = Confirm(**b["confirm"]) if b.get("confirm") else None
        return Button(**{**b, "confirm": confirm})

    def item(i: dict[str, Any]) -> ListItem:
        return ListItem(i["text"], i.get("detail"), tuple(button(b) for b in i["buttons"]))

    def fields(rows: list[dict[str, Any]]) -> tuple[Field, ...]:
        return tuple(Field(**f) for f in rows)

    def image(i: dict[str, Any]) -> Image:
        raw = i.get("data_b64")
        return Image(i["url_or_path"], i["alt_text"], base64.b64decode(raw) if raw else None)

    sections = tuple(
        Section(
            s.get("heading"),
            s.get("text"),
            fields(s["fields"]),
            tuple(item(i) for i in s["items"]),
        )
        for s in data.get("sections", [])
    )
    return Message(
        title=data.get("title"),
        text=data.get("text"),
        fields=fields(data.get("fields", [])),
        sections=sections,
        items=tuple(item(i) for i in data.get("items", [])),
        buttons=tuple(button(b) for b in data.get("buttons", [])),
        images=tuple(image(i) for i in data.get("images", [])),
        footer=data.get("footer"),
        ephemeral=bool(data.get("ephemeral", True)),
    )

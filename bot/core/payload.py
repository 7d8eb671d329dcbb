"""The neutral message as JSON-safe data, so outbox rows carry it between replicas."""

from __future__ import annotations

import base64
from typing import Any

from bot.core.messages import Button, Confirm, Field, Image, ListItem, Message, Section


def _button_data(b: Button) -> dict[str, Any]:
    confirm = b.confirm
    return {
        "label": b.label,
        "action_id": b.action_id,
        "value": b.value,
        "style": b.style,
        "confirm": None if confirm is None else dict(vars(confirm)),  # its fields, no deep copy
        "url": b.url,
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
                "data_b64": None if i.data is None else base64.b64encode(i.data).decode("ascii"),
            }
            for i in message.images
        ],
        "footer": message.footer,
        "ephemeral": message.ephemeral,
        "context": message.context,
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
        context=data.get("context"),
    )

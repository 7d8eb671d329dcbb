"""Platform-neutral messages, rendered as Block Kit, Adaptive Cards, or plain text here.

All text in the model is literal: the bot's words and data people typed alike. Renderers
escape all of it and add emphasis only from the structure (title, heading, label, detail).
Control characters (terminal escape sequences) become visible escapes as the model is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.core.errors import SoC2BotError
from bot.core.text import PrintableText

ButtonStyle = Literal["primary", "danger", "default"]
# Slack sends a click event even for a link button: renderers give every `Button.url` this
# action id, which the button table acknowledges and does nothing with.
LINK_ACTION = "open_link"


@dataclass(frozen=True)
class Field(PrintableText):
    """A short label/value pair, such as `Owner: Raj Iyer`."""

    label: str
    value: str
    _printable = ("label", "value")


@dataclass(frozen=True)
class Confirm(PrintableText):
    """A confirmation dialog shown before a button's action runs."""

    title: str
    text: str
    confirm_label: str = "Confirm"
    deny_label: str = "Cancel"
    _printable = ("title", "text", "confirm_label", "deny_label")


@dataclass(frozen=True)
class Button(PrintableText):
    """An action; `action_id` routes the click, `value` carries its argument."""

    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = "default"
    confirm: Confirm | None = None
    url: str | None = None  # a link button: opens this page (Slack URL button, Action.OpenUrl)
    _printable = ("label",)  # the id and value are data the bot reads back, never shown


@dataclass(frozen=True)
class ListItem(PrintableText):
    """One row of a list, with optional detail and its own buttons."""

    text: str
    detail: str | None = None
    buttons: tuple[Button, ...] = ()
    _printable = ("text", "detail")


@dataclass(frozen=True)
class Section(PrintableText):
    """A headed part of a message."""

    heading: str | None = None
    text: str | None = None
    fields: tuple[Field, ...] = ()
    items: tuple[ListItem, ...] = ()
    _printable = ("heading", "text")


@dataclass(frozen=True)
class Image(PrintableText):
    """A picture (charts): by URL or file name, with its PNG bytes when the bot made it.

    `alt_text` is required for accessibility; `data` travels through the outbox so that any
    replica can deliver it.
    """

    url_or_path: str
    alt_text: str
    data: bytes | None = None
    _printable = ("alt_text",)


@dataclass(frozen=True)
class Message(PrintableText):
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
    context: str | None = None  # a subtle line under the title: whose, when, how many
    _printable = ("title", "text", "footer", "context")


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

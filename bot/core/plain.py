"""The neutral message as plain text for a terminal (the CLI) and for text-only fallbacks."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from bot.core.messages import Button, Field, ListItem, Message, Section

_MIN_WIDTH = 20
_BULLET = "• "


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
    hints = " ".join(f"[{b.label}: {b.url}]" if b.url else f"[{b.label}]" for b in buttons)
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
    if message.context:
        blocks.append(_wrap(message.context, width))
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

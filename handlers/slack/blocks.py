"""Block Kit rendering of the neutral message model (Slack adapter; pure functions, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import paging
from bot.core.messages import (
    LINK_ACTION,
    Button,
    Confirm,
    Field,
    Image,
    ListItem,
    Message,
    Section,
)
from bot.core.paging import MORE_ACTION_ID, Page, Pager, all_items
from handlers.slack.mrkdwn import cut, escape_mrkdwn, truncate

Block = dict[str, Any]
Blocks = list[Block]
DEDUPE_SEPARATOR = "#"
_ITEM_TEXT = 2000  # leaves room in the item's section for its detail line


@dataclass(frozen=True)
class BlockLimits:
    """Slack's documented Block Kit limits, all respected by `render_blocks`."""

    blocks: int = 50
    section_text: int = 3000
    section_fields: int = 10
    field_text: int = 2000
    header_text: int = 150
    actions_elements: int = 25
    action_id: int = 255
    button_label: int = 75
    button_value: int = 2000
    confirm_title: int = 100
    confirm_text: int = 300
    confirm_button: int = 30
    context_text: int = 3000
    image_url: int = 3000
    button_url: int = 3000
    alt_text: int = 2000
    fallback_text: int = 300


BLOCK_LIMITS = BlockLimits()
_L = BLOCK_LIMITS
_ALT = BLOCK_LIMITS.alt_text


def original_action_id(action_id: str) -> str:
    """The model's action id behind a rendered one (drops a "#2"-style dedupe suffix)."""
    return action_id.split(DEDUPE_SEPARATOR, 1)[0]


def _claim(used: set[str], action_id: str) -> str:
    """A unique action id: a repeat gets "#2", "#3", … in rendering order (deterministic)."""
    candidate, n = action_id, 1
    while candidate in used:
        n += 1
        suffix = f"{DEDUPE_SEPARATOR}{n}"
        candidate = action_id[: _L.action_id - len(suffix)] + suffix
    used.add(candidate)
    return candidate


def _check_button(button: Button) -> None:
    if button.url is not None:  # a link button: rendered with LINK_ACTION, no value
        if not 0 < len(button.url) <= _L.button_url:
            raise ValueError(f"url of {button.label!r} must be 1–{_L.button_url} chars")
        return
    if not 0 < len(button.action_id) <= _L.action_id:
        raise ValueError(f"action_id must be 1–{_L.action_id} chars: {button.action_id[:60]!r}")
    if len(button.value) > _L.button_value:
        raise ValueError(f"value of {button.action_id!r} is over {_L.button_value} chars")


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text.strip() or "-", limit, mrkdwn=False)}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _chunks(text: str, limit: int) -> list[str]:
    """Escaped pieces of `text` ≤ limit, cut after a newline (kept) or, for a long line, in it."""
    chunks: list[str] = []
    while text:
        head, rest = cut(text, limit)
        if rest and "\n" in head:
            head, rest = head[: head.rindex("\n") + 1], text[head.rindex("\n") + 1 :]
        chunks.append(escape_mrkdwn(head))
        text = rest
    return chunks


def _text_blocks(text: str | None) -> list[Block]:
    return [_section(c) for c in _chunks(text or "", _L.section_text) if c.strip()]


def _field_text(field: Field) -> str:
    label = truncate(field.label, _L.header_text)
    return f"*{label}*\n" + truncate(field.value, _L.field_text - len(label) - 3)


def _groups(kind: str, key: str, elements: list[Block], step: int) -> list[Block]:
    return [{"type": kind, key: elements[i : i + step]} for i in range(0, len(elements), step)]


def _field_blocks(fields: Sequence[Field]) -> list[Block]:
    texts = [{"type": "mrkdwn", "text": _field_text(f)} for f in fields]
    return _groups("section", "fields", texts, _L.section_fields)


def _confirm(confirm: Confirm, style: str) -> Block:
    dialog = {
        "title": _plain(confirm.title, _L.confirm_title),
        "text": _plain(confirm.text, _L.confirm_text),
        "confirm": _plain(confirm.confirm_label, _L.confirm_button),
        "deny": _plain(confirm.deny_label, _L.confirm_button),
    }
    return {**dialog, "style": style} if style != "default" else dialog


def _button(button: Button, ids: set[str]) -> Block:
    _check_button(button)
    element: Block = {
        "type": "button",
        "text": _plain(button.label, _L.button_label),
        # Slack reports a link's click too: the table acknowledges LINK_ACTION and does nothing.
        "action_id": _claim(ids, LINK_ACTION if button.url else button.action_id),
    }
    if button.url:
        element["url"] = button.url
    elif button.value:  # Slack rejects an empty value; absent reads as "no argument"
        element["value"] = button.value
    if button.style != "default":
        element["style"] = button.style
    if button.confirm:
        element["confirm"] = _confirm(button.confirm, button.style)
    return element


def _actions(buttons: Sequence[Button], ids: set[str]) -> list[Block]:
    elements = [_button(b, ids) for b in buttons]
    return _groups("actions", "elements", elements, _L.actions_elements)


def _item_blocks(item: ListItem, ids: set[str]) -> list[Block]:
    text = truncate(item.text.strip() or "-", _ITEM_TEXT)
    if item.detail:
        text += f"\n_{truncate(item.detail, _L.section_text - len(text) - 3)}_"
    return [_section(text), *_actions(item.buttons, ids)]


def _image_blocks(images: Sequence[Image]) -> list[Block]:
    """Images by http(s) URL; local paths are skipped (the caller uploads those)."""
    web = [i for i in images if i.url_or_path.lower().startswith(("https://", "http://"))]
    return [
        {"type": "image", "image_url": i.url_or_path, "alt_text": i.alt_text[:_ALT] or "image"}
        for i in web
        if len(i.url_or_path) <= _L.image_url
    ]


def _section_chrome(section: Section) -> list[Block]:
    """A section's heading, text and fields (its items are laid out separately)."""
    if not (section.text or section.fields or section.items):
        return []  # an empty section, even with a heading, is skipped
    heading = (
        [_section(f"*{truncate(section.heading, _L.header_text)}*")] if section.heading else []
    )
    return heading + _text_blocks(section.text) + _field_blocks(section.fields)


def _chrome_cost(message: Message) -> int:
    """Blocks of everything but the items, over all pages (bounds every page's overhead)."""
    cost = sum(bool((t or "").strip()) for t in (message.title, message.context, message.footer))
    cost += len(_text_blocks(message.text)) + len(_field_blocks(message.fields))
    cost += sum(len(_section_chrome(s)) for s in message.sections)
    cost += math.ceil(len(message.buttons) / _L.actions_elements)
    return cost + len(_image_blocks(message.images))


def _plan(message: Message, page: int, *, paged: bool) -> Page:
    """Which items page `page` shows; blocks only guard the page size (2 kept for the pager)."""
    return paging.plan_page(
        message,
        page,
        item_cost=lambda i: 1 + math.ceil(len(i.buttons) / _L.actions_elements),
        chrome=_chrome_cost(message),
        limit=_L.blocks,
        pager_cost=2,
        per_page=paging.PAGE_SIZE if paged else None,
    )


def _sections(message: Message, page: Page, ids: set[str]) -> list[Block]:
    blocks: list[Block] = []
    for part in paging.section_parts(message, page):
        if part.starts:
            blocks += _section_chrome(part.section)
        elif part.continued and part.section.heading:
            heading = truncate(part.section.heading, _L.header_text)
            blocks.append(_section(f"*{heading}* (continued)"))
        blocks += [b for item in part.items for b in _item_blocks(item, ids)]
    return blocks


def _layout(message: Message, page: Page, found: Pager | None, ids: set[str]) -> list[Block]:
    blocks: list[Block] = []
    if (message.title or "").strip():
        title = truncate(message.title or "", _L.header_text, mrkdwn=False)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    context = paging.context_line(message, found)
    if context:
        blocks.append(_context(truncate(context, _L.context_text)))
    if page.first:
        blocks += _text_blocks(message.text) + _field_blocks(message.fields)
    blocks += _sections(message, page, ids)
    blocks += [b for item in paging.top_items(message, page) for b in _item_blocks(item, ids)]
    if page.first:
        blocks += _actions(message.buttons, ids) + _image_blocks(message.images)
    if (message.footer or "").strip():
        blocks.append(_context(truncate(message.footer or "", _L.context_text)))
    return blocks


def _pager(found: Pager | None, more_value: Callable[[int], str] | None, ids: set[str]) -> Blocks:
    """Previous and Next (the page line is in the context), or a line of what is not shown."""
    if found is None:
        return []
    if not found.navigates or more_value is None:
        return [_context(found.line)]
    # Next keeps the bare id reserved for it in `ids`; Previous takes a "#n" one.
    nav = [
        _button(b, ids - {MORE_ACTION_ID} if b.label == paging.NEXT_LABEL else ids)
        for b in paging.page_buttons(found, more_value)
    ]
    return [{"type": "actions", "elements": nav}]


def render_blocks(
    message: Message, *, page: int = 0, more_value: Callable[[int], str] | None = None
) -> list[Block]:
    """Block Kit blocks for page `page` (clamped) of `message`, always within Slack's limits.

    With `more_value`, items are paged 12 a page (bot.core.paging) with Previous and Next
    (`page_more`, value `more_value(n)`) and "page 2 of 3" in the context line; without
    it, a list too long for one message says how many are not shown. Repeated action ids
    get "#2", "#3", …; a button value over 2000 chars raises ValueError.
    """
    for button in [*message.buttons, *(b for i in all_items(message) for b in i.buttons)]:
        _check_button(button)
    plan = _plan(message, page, paged=more_value is not None)
    found = paging.pager(plan, can_more=more_value is not None)
    ids = {MORE_ACTION_ID} if found and found.navigates else set()
    blocks = _layout(message, plan, found, ids) + _pager(found, more_value, ids)
    if len(blocks) <= _L.blocks:
        return blocks
    # Only when the parts other than the list alone overflow: cut, and say so.
    over = len(blocks) - _L.blocks + 1
    return [*blocks[: _L.blocks - 1], _context(f"{over} more blocks not shown (message too long).")]


def render_text(message: Message) -> str:
    """The plain fallback `text` for notifications: title and first line of text (≤ 300)."""
    first = next(iter((message.text or "").strip().splitlines()), "")
    lead = " — ".join(" ".join(p.split()) for p in (message.title or "", first) if p.strip())
    texts = [lead, *(i.text for i in all_items(message)), message.footer, "Message from soc2bot"]
    return truncate(next(t for t in texts if t), _L.fallback_text)

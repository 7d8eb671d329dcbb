"""Shared checks for Teams cards: Adaptive Card 1.5 validator, card text, paging, same facts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from bot.core.messages import Message
from bot.core.plain import render_plain
from handlers.teams.cards import render_card

Node = dict[str, Any]
MAX_CARD_BYTES = 28_000
ELEMENTS = {
    "TextBlock", "RichTextBlock", "Image", "Media", "Container", "ColumnSet", "Column",
    "FactSet", "ImageSet", "ActionSet", "Table", "TableRow", "TableCell", "Input.Text",
    "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
}  # fmt: skip
ACTIONS = {
    "Action.Submit", "Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility",
    "Action.Execute",
}  # fmt: skip
CARD_KEYS = {
    "type", "$schema", "version", "body", "actions", "fallbackText", "speak", "lang",
    "minHeight", "selectAction", "backgroundImage", "verticalContentAlignment", "rtl",
    "refresh", "authentication", "metadata", "msteams",
}  # fmt: skip


def _nonempty_str(node: Node, key: str, where: str) -> None:
    value = node.get(key)
    assert isinstance(value, str) and value, f"{where}: {key} must be a non-empty string"


def _list(node: Node, key: str, where: str, *, required: bool = True) -> list[Any]:
    if not required and key not in node:
        return []
    value = node.get(key)
    assert isinstance(value, list), f"{where}: {key} must be a list"
    return value


def _is_list(node: Node, key: str, where: str) -> None:
    _list(node, key, where)


def _children(node: Node, key: str, where: str, *, required: bool = True) -> None:
    for n, child in enumerate(_list(node, key, where, required=required)):
        _element(child, f"{where}.{key}[{n}]")


def _facts(node: Node, where: str) -> None:
    for n, fact in enumerate(_list(node, "facts", where)):
        assert isinstance(fact, dict), f"{where}.facts[{n}] must be an object"
        assert isinstance(fact.get("title"), str), f"{where}.facts[{n}].title must be a string"
        assert isinstance(fact.get("value"), str), f"{where}.facts[{n}].value must be a string"


def _actions(node: Node, where: str) -> None:
    for n, action in enumerate(_list(node, "actions", where)):
        _action(action, f"{where}.actions[{n}]")


_ELEMENT_CHECKS: dict[str, Callable[[Node, str], None]] = {
    "TextBlock": lambda n, w: _nonempty_str(n, "text", w),
    "Image": lambda n, w: _nonempty_str(n, "url", w),
    "Media": lambda n, w: _is_list(n, "sources", w),
    "FactSet": _facts,
    "Container": lambda n, w: _children(n, "items", w),
    "Column": lambda n, w: _children(n, "items", w, required=False),
    "ColumnSet": lambda n, w: _children(n, "columns", w, required=False),
    "ImageSet": lambda n, w: _children(n, "images", w),
    "ActionSet": _actions,
    "RichTextBlock": lambda n, w: _is_list(n, "inlines", w),
    "Table": lambda n, w: _children(n, "rows", w, required=False),
    "TableRow": lambda n, w: _children(n, "cells", w, required=False),
    "TableCell": lambda n, w: _children(n, "items", w),
    "Input.ChoiceSet": lambda n, w: _nonempty_str(n, "id", w),
}


def _element(node: Any, where: str) -> None:
    assert isinstance(node, dict), f"{where}: an element must be an object"
    kind = node.get("type")
    assert kind in ELEMENTS, f"{where}: unknown element type {kind!r}"
    if str(kind).startswith("Input."):
        _nonempty_str(node, "id", where)
    check = _ELEMENT_CHECKS.get(str(kind))
    if check:
        check(node, where)
    if "selectAction" in node:
        _action(node["selectAction"], f"{where}.selectAction")


def _action(node: Any, where: str) -> None:
    assert isinstance(node, dict), f"{where}: an action must be an object"
    kind = node.get("type")
    assert kind in ACTIONS, f"{where}: unknown action type {kind!r}"
    _nonempty_str(node, "title", where)
    if kind in ("Action.Submit", "Action.Execute") and "data" in node:
        assert isinstance(node["data"], dict), f"{where}: data must be a JSON object"
    if kind == "Action.Submit":
        assert "data" in node, f"{where}: Action.Submit needs data"
    if kind == "Action.OpenUrl":
        _nonempty_str(node, "url", where)
    if kind == "Action.ShowCard":
        _card(node.get("card"), f"{where}.card", top=False)
    if kind == "Action.ToggleVisibility":
        _is_list(node, "targetElements", where)


def _card(card: Any, where: str, *, top: bool) -> None:
    assert isinstance(card, dict), f"{where}: a card must be an object"
    assert card.get("type") == "AdaptiveCard", f"{where}: type must be AdaptiveCard"
    if top or "version" in card:
        assert card.get("version") == "1.5", f"{where}: version must be '1.5'"
    unknown = set(card) - CARD_KEYS
    assert not unknown, f"{where}: unknown card keys {sorted(unknown)}"
    _children(card, "body", where, required=top)
    if "actions" in card:
        _actions(card, where)


def card_bytes(card: Node) -> int:
    """Bytes of the card as compact JSON (ASCII-escaped)."""
    return len(json.dumps(card, separators=(",", ":")))


def assert_valid_card(card: Node) -> None:
    """Fail unless `card` is a structurally valid Adaptive Card 1.5 that Teams accepts."""
    _card(card, "card", top=True)
    size = card_bytes(card)
    assert size < MAX_CARD_BYTES, f"card is {size} bytes (limit {MAX_CARD_BYTES})"


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for child in node:
            yield from _texts(child)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "TextBlock":
        yield str(node.get("text", ""))
    if node.get("type") == "FactSet":
        for fact in node.get("facts", []):
            yield from (str(fact.get("title", "")), str(fact.get("value", "")))
    for value in node.values():
        yield from _texts(value)


# A markdown backslash escape (CommonMark: before any ASCII punctuation) shows no backslash.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def card_text(card: Node) -> str:
    """Every TextBlock text and FactSet title/value, one per line, as read (no escapes)."""
    return _ESCAPE.sub(r"\1", "\n".join(_texts(card)))


def more(page: int) -> dict[str, Any]:
    """The data Previous and Next carry in tests (like `replies.card_activity`'s)."""
    return {"action_id": "page_more", "value": "mine", "page": page}


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a card, depth first (inner ShowCard cards included)."""
    if isinstance(node, list):
        return [d for child in node for d in walk(child)]
    if isinstance(node, dict):
        return [node, *(d for value in node.values() for d in walk(value))]
    return []


def all_pages(message: Message) -> list[Node]:
    """Follow the Next action from page 0 until it disappears, as a person clicking would."""
    pages: list[Node] = []
    page = 0
    while True:
        card = render_card(message, page=page, more_data=more)
        assert_valid_card(card)
        pages.append(card)
        nexts = [a for a in card["actions"] if a["title"] == "Next"]
        if not nexts:
            return pages
        assert nexts[0]["data"] == more(page + 1)
        page += 1
        assert page < 100, "paging does not end"


def _norm(text: str) -> str:
    return " ".join(text.split())


def same_facts(message: Message) -> None:
    """Every title, label, value and item text of the plain render is also on the Teams card."""
    plain = _norm(render_plain(message, width=100_000))
    teams = _norm("\n".join(card_text(card) for card in all_pages(message)))
    facts = [message.title or "", message.text or "", message.footer or ""]
    for section in message.sections:
        facts += [section.heading or "", section.text or ""]
        facts += [t for f in section.fields for t in (f.label, f.value)]
        facts += [t for i in section.items for t in (i.text, i.detail or "")]
    facts += [t for f in message.fields for t in (f.label, f.value)]
    facts += [t for i in message.items for t in (i.text, i.detail or "")]
    for fact in filter(None, map(_norm, facts)):
        assert fact in plain, fact
        assert fact in teams, fact

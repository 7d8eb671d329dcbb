"""Shared Block Kit limit checks for Slack tests (Slack's documented numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
ACTION_ID = 255
BLOCK_ID = 255
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
IMAGE_URL = 3000
ALT_TEXT = 2000
INPUT_LABEL = 2000
PLACEHOLDER = 150
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
FILE_INPUT_FILES = 10


def _text(obj: Any, limit: int, where: str) -> None:
    assert isinstance(obj, dict) and obj.get("type") in ("plain_text", "mrkdwn"), where
    text = obj.get("text")
    assert isinstance(text, str) and text.strip(), f"{where}: empty text"
    assert len(text) <= limit, f"{where}: {len(text)} chars > {limit}"


def _plain(obj: Any, limit: int, where: str) -> None:
    _text(obj, limit, where)
    assert obj["type"] == "plain_text", f"{where}: must be plain_text"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _confirm(confirm: dict[str, Any], where: str) -> None:
    _plain(confirm["title"], CONFIRM_TITLE, f"{where} confirm title")
    _text(confirm["text"], CONFIRM_TEXT, f"{where} confirm text")
    _plain(confirm["confirm"], CONFIRM_BUTTON, f"{where} confirm label")
    _plain(confirm["deny"], CONFIRM_BUTTON, f"{where} deny label")


def _element(element: dict[str, Any], where: str) -> None:
    if element.get("type") == "button":
        _plain(element["text"], BUTTON_LABEL, f"{where} label")
        assert len(element.get("value", "")) <= BUTTON_VALUE, f"{where}: value too long"
    if "confirm" in element:
        _confirm(element["confirm"], where)
    if "placeholder" in element:
        _plain(element["placeholder"], PLACEHOLDER, f"{where} placeholder")
    if element.get("type") == "file_input":
        assert 1 <= element.get("max_files", FILE_INPUT_FILES) <= FILE_INPUT_FILES, where


def _section(block: dict[str, Any], where: str) -> None:
    assert "text" in block or "fields" in block, f"{where}: section without text or fields"
    if "text" in block:
        _text(block["text"], SECTION_TEXT, where)
    fields = block.get("fields", [])
    assert len(fields) <= SECTION_FIELDS, f"{where}: {len(fields)} fields"
    for n, field in enumerate(fields):
        _text(field, FIELD_TEXT, f"{where} field {n}")


def _block(block: dict[str, Any], where: str) -> None:
    kind = block.get("type")
    assert len(block.get("block_id", "")) <= BLOCK_ID, f"{where}: block_id too long"
    if kind == "section":
        _section(block, where)
    elif kind == "header":
        _plain(block["text"], HEADER_TEXT, where)
    elif kind == "actions":
        assert 1 <= len(block["elements"]) <= ACTIONS_ELEMENTS, f"{where}: actions size"
    elif kind == "context":
        assert 1 <= len(block["elements"]) <= CONTEXT_ELEMENTS, f"{where}: context size"
        for element in block["elements"]:
            if element.get("type") in ("plain_text", "mrkdwn"):
                _text(element, SECTION_TEXT, where)
    elif kind == "image":
        assert str(block["image_url"]).startswith(("https://", "http://")), where
        assert len(block["image_url"]) <= IMAGE_URL, f"{where}: image_url too long"
        assert 0 < len(block["alt_text"]) <= ALT_TEXT, f"{where}: alt_text"
    elif kind == "input":
        _plain(block["label"], INPUT_LABEL, f"{where} label")
        if "hint" in block:
            _plain(block["hint"], INPUT_LABEL, f"{where} hint")


def _check_blocks(blocks: list[dict[str, Any]], max_blocks: int) -> None:
    assert isinstance(blocks, list), "blocks must be a list"
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks > {max_blocks}"
    for n, block in enumerate(blocks):
        _block(block, f"block {n} ({block.get('type')})")
    action_ids: list[str] = []
    for node in _walk(blocks):
        if "action_id" in node:
            action_ids.append(node["action_id"])
            assert 0 < len(node["action_id"]) <= ACTION_ID, f"action_id {node['action_id']!r}"
            _element(node, f"element {node['action_id']!r}")
    repeated = sorted({a for a in action_ids if action_ids.count(a) > 1})
    assert not repeated, f"repeated action_ids: {repeated}"
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), "repeated block_ids"


def assert_blockkit_limits(blocks: list[dict[str, Any]]) -> None:
    """Fail unless a message's blocks respect Slack's Block Kit limits."""
    _check_blocks(blocks, MESSAGE_BLOCKS)


def assert_modal_limits(view: dict[str, Any]) -> None:
    """Fail unless a modal view respects Slack's limits (100 blocks, title ≤ 24, callback id)."""
    assert view.get("type") == "modal", "not a modal"
    assert view.get("callback_id"), "modal without callback_id"
    assert len(view["callback_id"]) <= ACTION_ID, "callback_id too long"
    for key in ("title", "submit", "close"):
        if key in view or key == "title":
            _plain(view[key], MODAL_TITLE, f"modal {key}")
    assert len(view.get("private_metadata", "")) <= PRIVATE_METADATA, "private_metadata too long"
    _check_blocks(view["blocks"], MODAL_BLOCKS)

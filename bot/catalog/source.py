"""Catalog YAML read with its line numbers, so errors name the control and the line.

PyYAML keeps the last of two equal keys without a word; a catalog with `owner:` twice in
one control would silently drop an owner, so the loader here records every repeated key.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.catalog.schema import EMAIL_PATTERN, ID_PATTERN

Loc = tuple[int | str, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class DuplicateKey:
    """A key given twice in one mapping: where it is (the second one wins in YAML) and lines."""

    loc: Loc
    key: str
    first_line: int
    second_line: int


@dataclass(frozen=True)
class CatalogSource:
    """Parsed catalog data, the line of every value, and the keys given twice."""

    data: Any
    lines: dict[Loc, int]
    duplicates: tuple[DuplicateKey, ...]

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest parent present in the file (a missing field)."""
        for end in range(len(loc), 0, -1):
            if (line := self.lines.get(loc[:end])) is not None:
                return line
        return 1

    def describe(self, loc: Loc) -> str:
        """`("controls", 7, "tasks", 0, "due")` → `controls[7].tasks[0].due (control
        CC6.1-AR, task review, line 42)`: the path the spec names errors by, then what it is
        in words; the index stands alone for an id the file does not give, or garbles."""
        subject, _ = self._subject(loc)
        named = [part for part in subject if "[" not in part and part not in ("catalog", "program")]
        where = ", ".join([*named, f"line {self.line_of(loc)}"])
        return f"{_dotted(loc)} ({where})" if loc else f"catalog ({where})"

    def _subject(self, loc: Loc) -> tuple[list[str], Loc]:
        head = loc[0] if loc else None
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        if head == "program":
            return ["program"], loc[1:]
        if head == "people" and index is not None:
            email = _label(_entry(self.data, "people", index), "email", EMAIL_PATTERN)
            return [f"person {email}" if email else f"people[{index}]"], loc[2:]
        if head == "controls" and index is not None:
            control = _entry(self.data, "controls", index)
            key = _label(control, "id", ID_PATTERN)
            subject = [f"control {key}" if key else f"controls[{index}]"]
            if len(loc) > 3 and loc[2] == "tasks" and isinstance(loc[3], int):
                task = _label(_entry(control, "tasks", loc[3]), "id", ID_PATTERN)
                subject.append(f"task {task}" if task else f"tasks[{loc[3]}]")
                return subject, loc[4:]
            return subject, loc[2:]
        if head == "policies" and index is not None:
            key = _label(_entry(self.data, "policies", index), "id", ID_PATTERN)
            return [f"policy {key}" if key else f"policies[{index}]"], loc[2:]
        return ["catalog"], loc


def _entry(parent: Any, field: str, index: int) -> dict[str, Any] | None:
    """`parent[field][index]` when the file has a mapping there."""
    items = parent.get(field) if isinstance(parent, dict) else None
    if not isinstance(items, list) or not 0 <= index < len(items):
        return None
    entry = items[index]
    return entry if isinstance(entry, dict) else None


def _label(entry: dict[str, Any] | None, field: str, pattern: str) -> str | None:
    """The entry's id or email, if it is a valid one (a garbled one would not help)."""
    value = entry.get(field) if entry is not None else None
    if not isinstance(value, str) or re.fullmatch(pattern, value.strip()) is None:
        return None
    return value.strip()


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _LineLoader(yaml.SafeLoader):
    """A safe loader that notes every key repeated within one mapping."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[MappingNode, str, int, int]] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        first: dict[Hashable, int] = {}
        # Before the base class flattens merges (`<<: *defaults`): overriding a merged key
        # on purpose is fine; writing the same key twice by hand is the mistake.
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base class reports unhashable keys itself
            line = key_node.start_mark.line + 1
            if key in first:
                self.repeated.append((node, str(key), first[key], line))
            first[key] = line
        return super().construct_mapping(node, deep=deep)


def read_catalog_source(text: str) -> CatalogSource:
    """Parse catalog YAML (raises `yaml.YAMLError` on bad syntax), keeping lines and repeats."""
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    paths: dict[int, Loc] = {}
    if node is not None:
        _index(node, lines, paths)
    duplicates = tuple(
        DuplicateKey((*paths.get(id(mapping), ()), key), key, first, second)
        for mapping, key, first, second in loader.repeated
    )
    return CatalogSource(data=data, lines=lines, duplicates=duplicates)


def _index(root: Node, lines: dict[Loc, int], paths: dict[int, Loc]) -> None:
    """Record the line of every key and list item, walking each node once.

    Aliases point back at nodes already walked; following them again could make a small
    file with nested aliases cost exponential time.
    """
    stack: list[tuple[Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in paths:
            continue
        paths[id(node)] = loc
        children: list[tuple[Node, Loc, int]] = []
        if isinstance(node, MappingNode):
            for key_node, value in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                    children.append((value, (*loc, key_node.value), key_node.start_mark.line))
        elif isinstance(node, SequenceNode):
            children = [
                (item, (*loc, i), item.start_mark.line) for i, item in enumerate(node.value)
            ]
        for _, child_loc, line in children:
            lines[child_loc] = line + 1  # a repeated key: the later line, as YAML keeps it
        stack.extend((child, child_loc) for child, child_loc, _ in reversed(children))

"""The JSON depth scan: exact on any JSON, blind to brackets in strings, linear on hostile input."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.web.limits import json_depth

_SCALARS = st.none() | st.booleans() | st.integers() | st.text(alphabet='ab[]{}"\\ \n', max_size=8)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=30,
)  # fmt: skip


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_the_scan_agrees_with_the_parsed_depth(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert json_depth(text.encode()) == depth(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": "[[[[", "b": ["]]]]"]}', 2),
        (b'["\\"[[", ["\\\\"], [[]]]', 3),
        (b"[" * 100_000, 100_000),  # unclosed: json recurses just as deep
        (b'["unterminated [[[[', 1),
    ],
)
def test_brackets_in_strings_do_not_count_and_unclosed_ones_do(raw: bytes, expected: int) -> None:
    assert json_depth(raw) == expected


@pytest.mark.parametrize(
    "hostile",
    [b'"' + b'\\"' * 500_000, b'"a' * 500_000, b"[]" * 500_000, b"[" * 1_000_000, b"\\" * 10**6],
)
def test_a_hostile_megabyte_is_scanned_in_linear_time(hostile: bytes) -> None:
    started = time.perf_counter()
    json_depth(hostile)
    assert time.perf_counter() - started < 1.0  # ~50 ms at most here; quadratic would be hours

"""Hypothesis helpers: run a property N times inside a test that already has its fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# (examples in the default run, examples under -m slow)
DEFAULT, HEAVY = 60, 1000
EXAMPLES = [
    pytest.param(DEFAULT, id="default"),
    pytest.param(HEAVY, id="heavy", marks=pytest.mark.slow),
]


def fuzz(examples: int, strategy: st.SearchStrategy[Any], check: Callable[[Any], None]) -> None:
    """Run `check` on `examples` draws of `strategy`; failures are shrunk as usual."""
    run = settings(
        max_examples=examples,
        deadline=None,
        derandomize=examples <= DEFAULT,  # the CI run is reproducible; -m slow explores
        database=None,
        suppress_health_check=list(HealthCheck),
    )(given(strategy)(check))
    run()


# Text people (and attackers) type: any unicode, markup Slack and Teams use, long runs.
MARKUP = st.sampled_from(
    ["<@U1>", "<@UANA|ana>", "<#C1|soc2>", "<at>soc2bot</at>", "&amp;", "&lt;", "\u202e", "\x00",
     "#1", "#99999999999999999999", "occ-", "camp-", "CC6.1-AR", "'", '"', "“", "\n", "\t"]
)  # fmt: skip
WORDS = st.sampled_from(
    ["help", "status", "mine", "controls", "control", "assign", "evidence", "review", "start",
     "ack", "training", "digest", "audit", "export", "whoami", "done", "skip", "reviewer", "to"]
)  # fmt: skip
COMMAND_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(WORDS, MARKUP, st.text(max_size=12)), max_size=12).map(" ".join),
    st.text(min_size=3900, max_size=4200),  # around the 4,000-character cap
    st.builds(lambda w, n: f"{w} " + "x" * n, WORDS, st.integers(0, 40_000)),
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)

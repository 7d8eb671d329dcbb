"""The command language under fuzzing: arbitrary, huge and adversarial text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat.commands import UsageError, parse_command
from tests.bot.chat.subcommands import SUBCOMMANDS


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_nothing_but_usage_error(text: str) -> None:
    try:
        parse_command(text)
    except UsageError as error:
        assert error.message and len(error.message) < 200


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["", *SUBCOMMANDS]), st.text(min_size=2000, max_size=6000))
def test_huge_text_raises_nothing_but_usage_error(name: str, text: str) -> None:
    try:
        parse_command(f"{name} {text}")
    except UsageError as error:
        assert len(error.message) < 200


@pytest.mark.parametrize(
    "text",
    [
        "<at>" * 999,
        "controls " + "<a" * 1990,
        "review start " + "'" * 3980,
        "\ufdfa" * 3999,
        "done 1 " + "&amp;" * 790,
        "audit " + "9" * 3990,
        "assign a " + "@" * 3990,
    ],
)
def test_adversarial_text_is_handled(text: str) -> None:
    try:
        parse_command(text)
    except UsageError as error:
        assert len(error.message) < 200


@settings(max_examples=300)
@given(
    st.sampled_from(SUBCOMMANDS),
    st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=20), max_size=5),
)
def test_subcommands_with_arbitrary_arguments_raise_only_usage_error(
    name: str, words: list[str]
) -> None:
    try:
        parse_command(" ".join([name, *words]))
    except UsageError as error:
        assert error.usage is not None

"""Fuzzing the one command parser and the dispatcher behind it, for every role.

tests/bot/chat/test_commands.py fuzzes `parse_command` alone; here the parsed intent also runs
(`run_command`) against a real database as each role of spec §7: only `SoC2BotError`s (the
friendly ones) may come out, each with a short message, and nothing may change.
"""

from __future__ import annotations

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.errors import SoC2BotError
from models import utcnow
from tests.reliability.access_matrix import actor_of
from tests.reliability.fuzzing import COMMAND_TEXT, EXAMPLES, fuzz
from tests.reliability.test_fuzz_slack import writes
from tests.reliability.world import PEOPLE, World, changed

ODD_TEXT = st.one_of(
    COMMAND_TEXT,
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "So"]), max_size=100),
    # far past the 4,000-character cap (Hypothesis draws at most ~8 KB, so repeat a draw)
    st.builds(
        lambda t, n: (t or "x") * n, st.text(min_size=1, max_size=50), st.integers(100, 5000)
    ),
)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_any_text_run_as_any_role_ends_in_a_friendly_answer_or_error(
    world: World, examples: int
) -> None:
    actors: dict[str, Actor] = {role: actor_of(world, role) for role in PEOPLE}
    actors["cli"] = Actor.cli()
    before = world.fingerprint()

    def check(case: tuple[str, str]) -> None:
        text, role = case
        assume(not writes(text))
        ctx = CommandContext(db=world.db, actor=actors[role], now=utcnow())
        try:
            message = run_command(parse_command(text), ctx)
        except SoC2BotError as error:
            assert error.message and len(error.message) < 600, error.message
            return
        assert message.title or message.text or message.sections, text

    fuzz(examples, st.tuples(ODD_TEXT, st.sampled_from([*PEOPLE, "cli"])), check)
    assert changed(before, world.fingerprint()) == []

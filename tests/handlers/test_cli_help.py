"""Every `soc2bot … --help`: flags show bare (`--json`), options that take a value show its type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from handlers.cli import app


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The root and every command and group below it, as the words that reach it."""
    yield path
    for name, child in sorted(getattr(command, "commands", {}).items()):
        yield from _command_paths(child, (*path, name))


COMMANDS = list(_command_paths(typer.main.get_command(app)))


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_walk_reaches_nested_commands() -> None:
    assert {(), ("serve",), ("manifest", "teams"), ("audit", "verify")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "soc2bot")
def test_no_help_labels_a_flag_bool(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert "--help" in text
    assert "<bool>" not in text


def test_flags_are_still_listed_and_valued_options_keep_their_type() -> None:
    verify = _help(("audit", "verify"))
    assert "--files" in verify and "--no-files" in verify
    assert "--head" in verify and "<str>" in verify
    root = _help(())
    assert "--version" in root and "--install-completion" in root
    assert "--socket-mode" in _help(("manifest", "slack"))

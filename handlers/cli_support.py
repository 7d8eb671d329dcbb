"""What every `soc2bot` command shares: consoles, settings, the database, friendly errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperOption

from bot.catalog import bootstrap
from bot.core.db import DATABASE_UNAVAILABLE, Database, is_database_outage
from bot.core.errors import SoC2BotError
from bot.core.logs import new_correlation_id
from bot.core.settings import Settings, SettingsError, load_settings
from bot.evidence.stores import open_evidence_store

log = logging.getLogger("soc2bot.cli")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _show_flags_bare() -> None:
    """Help lists a flag as `--json`, not `--json <bool>`: a flag takes no value.

    Typer's rich help labels every option with its type, flags too (its plain help does not);
    wrapping its one label method fixes every command, --help and the completion flags
    included. tests/handlers/test_cli_help.py walks every command's help to keep it so.
    """
    label = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else label(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_show_flags_bare()


def load_settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@contextmanager
def friendly() -> Iterator[None]:
    """Show a user error as one clear line, never a traceback."""
    try:
        yield
    except SoC2BotError as exc:
        err.print(exc.user_text(), style="red", markup=False)
        raise typer.Exit(1) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if is_database_outage(exc):
            err.print(DATABASE_UNAVAILABLE, style="red", markup=False)
            raise typer.Exit(75) from None  # EX_TEMPFAIL: try again later
        reference = new_correlation_id()
        log.exception("command failed", extra={"correlation_id": reference})
        err.print(
            f"Something went wrong on our side (reference {reference}); the log has details.",
            style="red",
            markup=False,
        )
        raise typer.Exit(70) from None


def open_database(settings: Settings, *, prepared: bool = True) -> Database:
    db = Database(settings.database_url)
    db.upgrade()
    if prepared and not bootstrap.has_program(db):
        bootstrap.prepare(settings, db, store=open_evidence_store(settings))
    return db

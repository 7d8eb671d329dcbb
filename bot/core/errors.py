"""Typed errors of the core; front ends turn them into friendly messages.

SoC2BotError            base: every error a user may see; `message` is safe to show.
├── NotFound            an id that does not exist (control, occurrence, person…)
├── PermissionDenied    the caller's role does not allow the action (spec §7)
│   └── NotServed       the caller is not of the home workspace or tenant (a guest, external)
├── InvalidInput        bad arguments, bad file, bad catalog; `usage` may hold a hint
│   └── CatalogInvalid  a catalog with every error listed by path
└── Conflict            the action clashes with the current state (already done…)
"""

from __future__ import annotations

from bot.core.text import printable


class SoC2BotError(Exception):
    """An error whose message is written for the person who caused it."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        # Messages quote stored names and typed text, and the CLI prints them as they are:
        # no control sequence in them may reach a terminal.
        message = printable(message)
        super().__init__(message)
        self.message = message
        self.usage = printable(usage) if usage else usage

    def user_text(self) -> str:
        """The message plus the usage hint, ready to show."""
        return f"{self.message}\nUsage: {self.usage}" if self.usage else self.message


class NotFound(SoC2BotError):
    """The named thing does not exist."""


class PermissionDenied(SoC2BotError):
    """The caller may not do this."""


class NotServed(PermissionDenied):
    """The caller is outside the home workspace or tenant: refused, and nothing recorded."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"Sorry, soc2bot only works for members of this organisation's own workspace, "
            f"and {why}. Nothing was recorded. If you think this is wrong, ask your "
            f"compliance team."
        )


class InvalidInput(SoC2BotError):
    """The input cannot be used as given."""


class Conflict(SoC2BotError):
    """The request clashes with the current state."""


class CatalogInvalid(InvalidInput):
    """A catalog was rejected; `errors` lists `path: problem` lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"Catalog rejected, nothing applied ({len(errors)} error(s)):\n{lines}")

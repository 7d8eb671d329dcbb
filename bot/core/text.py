"""Text from people and catalogs made safe to show and to search; shares shown one way (core)."""

from __future__ import annotations

import re
from typing import ClassVar

# C0 controls but tab and newline, DEL and C1: ESC starts ANSI/OSC sequences that recolour,
# retitle or rewrite a terminal, CR overwrites a line, and chat clients show them as garbage.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LIKE_ESCAPE = "\\"
NO_ONE = "no one enrolled"
NO_CONTROLS = "no controls in scope"  # readiness then: nothing to be ready, neither 0% nor 100%


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def printable(text: str) -> str:
    r"""`text` with each control character shown as a visible escape (`\x1b`); tabs and line
    breaks stay (a CRLF becomes one newline)."""
    if _CONTROL.search(text) is None:
        return text  # the common case, without a copy
    return _CONTROL.sub(_visible, text.replace("\r\n", "\n"))


class PrintableText:
    """For frozen dataclasses of text people see: the fields named in `_printable` hold only
    printable text from construction on, so no renderer can pass a control sequence."""

    _printable: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        # Runs for every part of every message (reminder waves build thousands): read the
        # instance dict, and let the C-level isprintable() pass ordinary one-line text.
        fields = self.__dict__
        for name in self._printable:
            value = fields[name]
            if value and not value.isprintable() and _CONTROL.search(value):
                object.__setattr__(self, name, printable(value))  # frozen: set once, here


def like_contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its `%`, `_` and `\\` taken literally (use it
    with `escape=LIKE_ESCAPE`): `controls _` looks for an underscore, not for any character."""
    literal = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent; None when there is nothing to count, which is neither
    0% nor 100% done."""
    return 100.0 * part / whole if whole else None


def progress_text(done: int, total: int, verb: str = "", *, empty: str = NO_ONE) -> str:
    """`41 of 50 accepted (82%)`; `empty` ("no one enrolled") when there is no one to count."""
    pct = share(done, total)
    if pct is None:
        return empty
    return f"{done} of {total}{' ' + verb if verb else ''} ({pct:.0f}%)"

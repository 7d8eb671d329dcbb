"""What must never pass from outside into a file people open: web markup, spreadsheet formulas."""

from __future__ import annotations

import re

_TAGS = re.compile(rb"<(?:script|html|svg|!doctype html|iframe|object|embed)")
_SCHEMES = (b"javascript:", b"vbscript:", b"data:text/html")
# Spreadsheets run cells starting with these as formulas; a leading ' keeps them text.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def script_marker(data: bytes) -> str | None:
    """The first web-page, SVG or script marker in `data` (any case), or None."""
    low = data.lower()
    if found := _TAGS.search(low):
        return found.group(0).decode("ascii")
    return next((s.decode("ascii") for s in _SCHEMES if s in low), None)


def spreadsheet_safe(value: str) -> str:
    """`value` as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_LEADS) else value

"""NotFound errors for the ids people type, worded once for every layer that looks them up."""

from __future__ import annotations

from bot.core.errors import NotFound


def normalize_control_key(key: str) -> str:
    """A control id as stored: typed in any case, with stray spaces."""
    return key.strip().upper()


def no_control(key: str) -> NotFound:
    """There is no control with the id `key` (as typed)."""
    return NotFound(f"There is no control {key!r}. Try `controls` to list them.")


def no_occurrence(occurrence_id: int) -> NotFound:
    """There is no occurrence `#occurrence_id`."""
    return NotFound(f"There is no occurrence #{occurrence_id}. `mine` lists your open work.")

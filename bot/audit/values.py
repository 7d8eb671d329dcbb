"""Recorded values as people read them: yes/no, dates and times in words, short hashes, names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.audit.facts import PERSON_ID_KEYS, Names

HASH_SHOWN = 8  # hex digits of a hash in a sentence
HEX64 = re.compile(r"[0-9a-f]{64}")  # a SHA-256, as the trail records them
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9:]+)?")


def short_hash(value: str) -> str:
    """`83684b2c…`: enough to tell hashes apart at a glance."""
    return f"{value[:HASH_SHOWN]}…"


def day_text(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def time_text(instant: dt.datetime, zone: dt.tzinfo) -> str:
    """`Mon 12 Jan 2026 08:26 EST`: in the reader's zone, with its abbreviation."""
    local = instant.replace(tzinfo=instant.tzinfo or dt.UTC).astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname() or ''}".rstrip()


def label(key: str) -> str:
    """A details key as words: `backup_owner_id` → `backup owner`."""
    if key == "seq":  # a chain head's number: told as events are, never `#` or "seq"
        return "event"
    return key.removesuffix("_id").replace("_", " ")


def human(
    value: Any, zone: dt.tzinfo, *, key: str = "", names: Names | None = None, full: bool = False
) -> str:
    """A recorded value as people read it: yes/no, none, lists and pairs in words, dates in
    words, hashes short and emails as names (unless `full`), person ids as names (given
    `names`)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if names is not None and key in PERSON_ID_KEYS:
        return names.of_id(value)
    if isinstance(value, list | tuple):
        parts = [human(v, zone, key=key, names=names, full=full) for v in value]
        return ", ".join(parts) if parts else "none"
    if isinstance(value, dict):
        pairs = [
            f"{label(str(k))} {human(v, zone, key=str(k), names=names, full=full)}"
            for k, v in value.items()
        ]
        return "; ".join(pairs) if pairs else "none"
    return _text(str(value), zone, names=None if full else names, full=full)


def _text(text: str, zone: dt.tzinfo, *, names: Names | None, full: bool) -> str:
    if HEX64.fullmatch(text):
        return text if full else short_hash(text)
    if _DATE.fullmatch(text):
        return day_text(dt.date.fromisoformat(text))
    if _INSTANT.fullmatch(text):
        try:
            return time_text(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), zone)
        except ValueError:
            return text
    return names.of(text) if names is not None and "@" in text else text

"""One audit event with what it takes to tell it: the names it mentions and the reader's zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.audit.facts import PERSON_ID_KEYS, Names
from bot.audit.values import human, label, short_hash
from models import AuditEvent

_VALUE_SHOWN = 60  # characters of a changed value (a description) in a sentence


def subject_ref(event: AuditEvent) -> str:
    """An event's subject as people refer to it: #195, camp-12, CC6.1-AR."""
    kind, sid = event.subject_type, event.subject_id
    return {"occurrence": f"#{sid}", "campaign": f"camp-{sid}"}.get(kind, sid)


@dataclass(frozen=True)
class Said:
    """One event with what it takes to tell it: the names it mentions, the reader's zone."""

    event: AuditEvent
    names: Names
    zone: dt.tzinfo

    @property
    def who(self) -> str:
        return self.names.of(self.event.actor)

    @property
    def sid(self) -> str:
        return self.event.subject_id

    @property
    def ref(self) -> str:
        return subject_ref(self.event)

    def get(self, key: str) -> Any:
        return self.event.details.get(key)

    def text(self, key: str) -> str:
        return human(self.get(key), self.zone, key=key, names=self.names)

    def person(self) -> str:
        """The person a `person` subject names (its id is their email)."""
        return self.names.of(self.sid)

    def because(self, key: str = "reason") -> str:
        return f": {self.text(key)}" if self.get(key) else ""

    def hashed(self, key: str = "sha256") -> str:
        return f" (sha256 {short_hash(str(self.get(key)))})" if self.get(key) else ""

    def changes(self) -> str:
        """`title “Old” → “New”; owner Sofia Rossi → Raj Iyer`."""
        found = self.get("changes") or {}
        if not isinstance(found, dict):
            return self.text("changes")
        return "; ".join(self._change(str(k), v) for k, v in found.items()) or "no changes"

    def _change(self, key: str, pair: Any) -> str:
        if key.endswith("_id") and key not in PERSON_ID_KEYS:
            return f"{label(key)} changed"  # a row id would mean nothing to a reader
        if not (isinstance(pair, list) and len(pair) == 2):
            return f"{label(key)} {self._value(key, pair)}"
        return f"{label(key)} {self._value(key, pair[0])} → {self._value(key, pair[1])}"

    def _value(self, key: str, value: Any) -> str:
        text = human(value, self.zone, key=key, names=self.names)
        return text if len(text) <= _VALUE_SHOWN else f"{text[: _VALUE_SHOWN - 1]}…"

    def for_whom(self) -> str:
        """` for Raj Iyer` when someone acted for the person the item is about."""
        person = self.get("person")
        return f" for {self.names.of(person)}" if person and person != self.event.actor else ""

"""Audit facts: the events found for one subject, and the names of the people they mention."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from models import AuditEvent

# Detail keys (and keys inside a change's "changes") whose values are person ids.
PERSON_ID_KEYS = frozenset({"owner_id", "backup_owner_id", "assignee_id", "manager_id"})
# What the audit trail records as the actor when no person acted.
_SYSTEM_ACTORS = {"cli": "An admin (CLI)", "scheduler": "soc2bot"}


@dataclass(frozen=True)
class Names:
    """People's names for the emails and person ids that events mention; others show as is."""

    by_email: Mapping[str, str] = field(default_factory=dict)
    by_id: Mapping[int, str] = field(default_factory=dict)

    def of(self, email: object) -> str:
        """The name for an email, the system actor's description, or the text as recorded."""
        text = str(email)
        return self.by_email.get(text.casefold()) or _SYSTEM_ACTORS.get(text, text)

    def of_id(self, person_id: object) -> str:
        """The name of a person id, or "person N" when the person is unknown."""
        if isinstance(person_id, int) and not isinstance(person_id, bool):
            return self.by_id.get(person_id, f"person {person_id}")
        return "nobody" if person_id is None else str(person_id)


@dataclass(frozen=True)
class History:
    subject: str
    events: list[AuditEvent]
    names: Names = field(default_factory=Names)

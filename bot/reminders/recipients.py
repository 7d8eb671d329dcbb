"""Who reminders reach: people by id in bulk, their chat addresses, program channels."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import ChatIdentity, Person

_CHUNK = 500
# Slack first: a Slack DM needs only the user id, a Teams one a stored conversation.
_PREFERENCE = {"slack": 0, "teams": 1}


@dataclass(frozen=True)
class Address:
    """Where the outbox sends: platform and the recipient the chat port understands."""

    platform: str
    recipient: str


def load_people(*, session: Session, ids: Iterable[int]) -> dict[int, Person]:
    """These people and their managers, by id (two IN queries, chunked)."""
    people = _by_id(session, set(ids))
    managers = {p.manager_id for p in people.values() if p.manager_id} - people.keys()
    return people | _by_id(session, managers)


def load_addresses(*, session: Session, person_ids: Iterable[int]) -> dict[int, Address]:
    """Each person's chat address: Slack before Teams, the most recently linked first."""
    rows: list[ChatIdentity] = []
    for chunk in _chunks(sorted(set(person_ids))):
        query = select(ChatIdentity).where(col(ChatIdentity.person_id).in_(chunk))
        rows.extend(i for i in session.exec(query).all() if i.platform in _PREFERENCE)
    rows.sort(key=lambda i: (_PREFERENCE[i.platform], -i.linked_at.timestamp(), i.id or 0))
    addresses: dict[int, Address] = {}
    for identity in rows:
        addresses.setdefault(identity.person_id, person_address(identity))
    return addresses


def person_address(identity: ChatIdentity) -> Address:
    """A person's DM address on the identity's platform."""
    if identity.platform == "teams":
        # The Teams port reads the personal conversation reference stored under this key.
        return Address("teams", f"teams:user:{identity.external_id}")
    return Address("slack", identity.external_id)


def _by_id(session: Session, ids: set[int]) -> dict[int, Person]:
    found: dict[int, Person] = {}
    for chunk in _chunks(sorted(ids)):
        for person in session.exec(select(Person).where(col(Person.id).in_(chunk))).all():
            found[person.id or 0] = person
    return found


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]

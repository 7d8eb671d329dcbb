"""A pulled population mapped to people, with the flags that put an account first in line.

Accounts map to people by email first, then by a handle the directory knows (the email's
local part, chat names, the usual user names made from a full name). A handle two people
share maps to nobody: a wrong holder is worse than none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.connectors.facts import Account, Population
from bot.reviews.duties import handles_of
from bot.reviews.facts import UNUSED_DAYS
from models import ChatIdentity, Person


@dataclass(frozen=True)
class MappedAccount:
    """An account, the person it maps to (if any), and why it needs attention."""

    account: Account
    person: Person | None
    flags: tuple[str, ...]


def map_population(
    session: Session, population: Population, now: dt.datetime
) -> list[MappedAccount]:
    """Every account with its person and flags: flagged accounts first, then by name."""
    by_email, by_handle = _directory(session)
    mapped = []
    for account in population.accounts:
        person = by_email.get((account.email or "").casefold())
        if person is None:
            candidates = {p.id: p for p in _handle_matches(account, by_handle)}
            person = next(iter(candidates.values())) if len(candidates) == 1 else None
        mapped.append(MappedAccount(account, person, account_flags(account, person, now)))
    mapped.sort(key=lambda m: (not m.flags, -len(m.flags), m.account.name.casefold()))
    return mapped


def account_flags(account: Account, person: Person | None, now: dt.datetime) -> tuple[str, ...]:
    """Why this account needs a closer look, in FLAGS order (empty: nothing stands out)."""
    flags = []
    if person is None:
        flags.append("orphan")
    elif not person.active:
        flags.append("departed")
    if account.privileges:
        flags.append("privileged")
    if account.mfa is False:
        flags.append("no_mfa")
    if account.last_active and now - account.last_active > dt.timedelta(days=UNUSED_DAYS):
        flags.append("unused")
    return tuple(flags)


def _directory(session: Session) -> tuple[dict[str, Person], dict[str, list[Person]]]:
    """Everyone by email, and by each handle (two queries, whatever the directory's size)."""
    people = list(session.exec(select(Person)).all())
    identities: dict[int, list[ChatIdentity]] = defaultdict(list)
    for identity in session.exec(select(ChatIdentity)).all():
        identities[identity.person_id].append(identity)
    by_email = {p.email.casefold(): p for p in people}
    by_handle: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        for handle in handles_of(person, identities.get(person.id or 0, [])):
            by_handle[handle].append(person)
    return by_email, by_handle


def _handle_matches(account: Account, by_handle: dict[str, list[Person]]) -> list[Person]:
    names = {account.name, (account.email or "").split("@", 1)[0]}
    found: list[Person] = []
    for name in names:
        found += by_handle.get(" ".join(name.split()).lstrip("@").casefold(), [])
    return found

"""Who a round is for: everyone active, a role, a department, or a manager's team.

`all`, `role:member`, `department:Engineering` (as the people directory has it) or
`manager:ana@acme.test` (their reports, direct and indirect). Auditors (read-only) and the
starter catalog's placeholders are never in an audience.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.core.errors import InvalidInput
from bot.people.services import get_person_by_email_or_raise
from models import Person, Role


def audience_people(*, session: Session, audience: str) -> list[Person]:
    """The active people an audience names, by id (auditors and placeholders left out)."""
    kind, _, value = (audience or "all").strip().partition(":")
    query = select(Person).where(
        col(Person.active), col(Person.role) != Role.AUDITOR, col(Person.placeholder).is_(False)
    )
    people = list(session.exec(query.order_by(col(Person.id))).all())
    if kind == "all" and not value:
        return people
    if kind == "role":
        try:
            role = Role(value.strip().lower())
        except ValueError:
            raise InvalidInput(
                f"Unknown role “{value}”: use admin, member or leadership."
            ) from None
        return [p for p in people if p.role is role]
    if kind == "department":
        wanted = " ".join(value.split()).casefold()
        return [p for p in people if " ".join((p.department or "").split()).casefold() == wanted]
    if kind == "manager":
        manager = get_person_by_email_or_raise(session=session, email=value)
        return _reports(people, manager.id or 0)
    raise InvalidInput(
        f"Unknown group “{audience}”: use all, role:<role>, department:<name> "
        "or manager:<email> (their team)."
    )


def _reports(people: list[Person], manager_id: int) -> list[Person]:
    """The manager's reports, direct and indirect (a loop in the data ends the walk)."""
    team: set[int] = {manager_id}
    grew = True
    while grew:
        added = {p.id or 0 for p in people if p.manager_id in team and p.id not in team}
        team |= added
        grew = bool(added)
    return [p for p in people if p.id in team and p.id != manager_id]

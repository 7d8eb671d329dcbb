"""People: find them, link chat identities on first contact, turn them into actors."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from bot.audit.trail import record_event
from bot.core.actor import Actor, ChatAccount
from bot.core.errors import InvalidInput, NotFound, NotServed
from models import ChatIdentity, Control, Person, Platform, Role, Task


def get_person_by_email(*, session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def get_person_by_email_or_raise(*, session: Session, email: str) -> Person:
    person = get_person_by_email(session=session, email=email)
    if person is None:
        raise NotFound(f"Nobody with email {email} is known to soc2bot.")
    return person


def find_person_by_chat_id(
    *, session: Session, platform: Platform, external_id: str
) -> Person | None:
    """The person linked to a platform account, if any."""
    found = {"platform": platform.value, "external_id": external_id}
    return session.exec(_BY_CHAT_ID, params=found).first()


# Built once: every click and command looks its sender up, and building the query cost more
# than running it.
_BY_CHAT_ID = (
    select(Person)
    .join(ChatIdentity, ChatIdentity.person_id == Person.id)  # type: ignore[arg-type]
    .where(
        ChatIdentity.platform == sa.bindparam("platform"),
        ChatIdentity.external_id == sa.bindparam("external_id"),
    )
)


def check_served(account: ChatAccount) -> None:
    """Refuse accounts from outside the home workspace or tenant, and guests (spec §7).

    Every chat identity is linked through here, so a stranger never becomes a person, is never
    matched to one by an email they control, and leaves no record behind.
    """
    if not account.home:
        raise NotServed("your account belongs to another workspace or organisation")
    if account.guest:
        raise NotServed("guest and external accounts can't use it")


def link_chat_identity(*, session: Session, account: ChatAccount) -> Person:
    """Link a home chat account to the person with its email; unknown people become members."""
    check_served(account)
    platform, external_id = account.platform, account.external_id
    name, timezone = account.name, account.timezone
    email = (account.email or "").strip().lower()
    if "@" not in email:
        raise InvalidInput(f"{email!r} is not an email address.")
    person = get_person_by_email(session=session, email=email)
    actor_label = email
    if person is None:
        person = Person(email=email, name=name or email, role=Role.MEMBER, timezone=timezone)
        session.add(person)
        session.flush()
        _log(session, person, platform, external_id, "person.created", {"role": "member"})
    elif timezone and person.timezone != timezone:
        person.timezone = timezone
        session.add(person)
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.platform == platform.value, ChatIdentity.external_id == external_id
        )
    ).first()
    if identity is None or identity.person_id != person.id:
        if identity is None:
            identity = ChatIdentity(
                platform=platform.value, external_id=external_id, person_id=person.id or 0
            )
        identity.person_id, identity.display_name = person.id or 0, name
        session.add(identity)
        details = {"platform": platform.value, "external_id": external_id, "by": actor_label}
        _log(session, person, platform, external_id, "person.linked", details)
    session.flush()
    return person


def _log(
    session: Session,
    person: Person,
    platform: Platform,
    external_id: str,
    action: str,
    details: dict[str, str],
) -> None:
    actor = Actor.for_person(person, platform=platform, platform_id=external_id)
    record_event(
        session=session,
        actor=actor,
        action=action,
        subject_type="person",
        subject_id=person.email,
        details=details,
    )


def actor_for_chat_user(*, session: Session, platform: Platform, external_id: str) -> Actor | None:
    """The actor for a linked chat account, or None when it is not linked yet."""
    person = find_person_by_chat_id(session=session, platform=platform, external_id=external_id)
    if person is None:
        return None
    return Actor.for_person(person, platform=platform, platform_id=external_id)


def chat_identities(*, session: Session, person_id: int) -> list[ChatIdentity]:
    return list(session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id)))


def owners_without_identity(*, session: Session, platform: Platform) -> list[str]:
    """Emails of active people who own or do work but have no account linked on `platform`."""
    linked = select(ChatIdentity.person_id).where(ChatIdentity.platform == platform.value)
    owners = select(Control.owner_id).where(col(Control.retired_at).is_(None))
    backups = select(Control.backup_owner_id).where(col(Control.retired_at).is_(None))
    assignees = select(Task.assignee_id).where(col(Task.retired_at).is_(None))
    query = select(Person.email).where(
        col(Person.active),
        col(Person.id).not_in(linked),
        or_(col(Person.id).in_(owners), col(Person.id).in_(backups), col(Person.id).in_(assignees)),
    )
    return sorted(session.exec(query).all())

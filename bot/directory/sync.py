"""People directory sync (Slack, Teams, HR export) applied in one audited transaction; core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.errors import PermissionDenied
from bot.core.settings import valid_timezone
from bot.directory.alerts import report_deactivated
from bot.directory.facts import DirectoryEntry, DirectorySyncReport
from models import ChatIdentity, ConversationRef, Person, Platform, Role

EMAIL_MAX, TEXT_MAX, TZ_MAX = 254, 200, 64  # the person table's column sizes


@dataclass
class _Wanted:
    email: str
    fields: dict[str, str | None]
    active: bool
    manager_email: str | None
    accounts: list[tuple[Platform, str, str | None]]


@dataclass
class _Ctx:
    session: Session
    actor: Actor
    source: str
    now: dt.datetime
    report: DirectorySyncReport
    people: dict[str, Person]
    accounts: dict[tuple[str, str], ChatIdentity]
    by_id: dict[int, Person] = field(default_factory=dict)
    gone: list[Person] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # created or updated already

    def email_of(self, person_id: int | None) -> str | None:
        person = self.by_id.get(person_id or 0)
        return person.email if person else None

    def log(self, action: str, person: Person, **details: Any) -> None:
        record_event(
            session=self.session,
            actor=self.actor,
            action=action,
            subject_type="person",
            subject_id=person.email,
            details={"source": self.source, **details},
        )


def sync_directory(
    *,
    session: Session,
    actor: Actor,
    entries: Sequence[DirectoryEntry],
    source: str,
    now: dt.datetime,
    deactivate_missing: bool = False,
) -> DirectorySyncReport:
    """Make people match the directory in the caller's transaction; idempotent, all audited.

    Who decides what (docs/people-sync.md): the catalog owns roles, and the managers it sets;
    the directory owns names, timezones, titles, departments, chat accounts and the active
    flag. People it does not list are only reported, or deactivated with `deactivate_missing`
    when their email domain is one the directory lists (auditors and contractors stay).
    """
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("Sorry, only an admin can sync the people directory.")
    people = {p.email: p for p in session.exec(select(Person))}
    accounts = {(a.platform, a.external_id): a for a in session.exec(select(ChatIdentity))}
    report = DirectorySyncReport(source=source, entries=len(entries))
    ctx = _Ctx(session, actor, source, now, report, people, accounts)
    ctx.by_id = {p.id or 0: p for p in people.values()}
    wanted = _merge(ctx, entries)
    for want in wanted.values():
        _apply_person(ctx, want)
    for want in wanted.values():
        _apply_manager(ctx, want)
        _link_accounts(ctx, want)
    _missing(ctx, set(wanted), deactivate_missing)
    session.flush()
    _report_gone(ctx)
    for names in (report.created, report.updated, report.deactivated, report.reactivated):
        names.sort()
    return report


def _merge(ctx: _Ctx, entries: Sequence[DirectoryEntry]) -> dict[str, _Wanted]:
    """One wish per email; inactive in any entry wins (offboarding must not be missed)."""
    wanted: dict[str, _Wanted] = {}
    for entry in entries:
        email = _clean(entry.email, EMAIL_MAX + 1)
        email = email.lower() if email else None
        account = (entry.platform, _clean(entry.external_id))
        if email is None and account[0] is not None and account[1]:
            linked = ctx.accounts.get((account[0].value, account[1]))
            email = ctx.email_of(linked.person_id) if linked else None
        if email is None or "@" not in email or len(email) > EMAIL_MAX:
            what = entry.external_id or entry.name or entry.email or "?"
            ctx.report.skipped.append(f"{what}: no usable email")
            continue
        tz = _clean(entry.timezone, TZ_MAX)
        values = {
            "name": _clean(entry.name),
            "timezone": tz if tz and valid_timezone(tz) else None,
            "title": _clean(entry.title),
            "department": _clean(entry.department),
        }
        manager = _clean(entry.manager_email)
        want = wanted.setdefault(email, _Wanted(email, {}, True, None, []))
        for name, value in values.items():
            if want.fields.get(name) is None:
                want.fields[name] = value
        want.active = want.active and entry.active
        want.manager_email = want.manager_email or (manager.lower() if manager else None)
        if account[0] is not None and account[1]:
            want.accounts.append((account[0], account[1], _clean(entry.name)))
    return wanted


def _clean(value: str | None, limit: int = TEXT_MAX) -> str | None:
    """Stripped and cut to fit its column; empty is None ("the directory does not say")."""
    value = (value or "").strip()[:limit].strip()
    return value or None


def _apply_person(ctx: _Ctx, want: _Wanted) -> None:
    person = ctx.people.get(want.email)
    given = {k: v for k, v in want.fields.items() if v is not None}
    if person is None:
        if not want.active:
            return  # someone already gone is not worth a new record
        person = Person(email=want.email, name=want.email.partition("@")[0], role=Role.MEMBER)
        for name, value in given.items():
            setattr(person, name, value)
        ctx.session.add(person)
        ctx.session.flush()
        ctx.people[want.email] = ctx.by_id[person.id or 0] = person
        ctx.log("person.created", person, role=Role.MEMBER.value)
        ctx.report.created.append(want.email)
        ctx.touched.add(want.email)
        return
    changes = {}
    for name, value in given.items():
        if getattr(person, name) != value:
            changes[name] = [getattr(person, name), value]
            setattr(person, name, value)
    if changes:
        _updated(ctx, person, changes)
    if person.active != want.active:
        _set_active(ctx, person, want.active, f"inactive in {ctx.source}")


def _updated(ctx: _Ctx, person: Person, changes: dict[str, list[Any]]) -> None:
    person.updated_at = ctx.now
    ctx.session.add(person)
    ctx.log("person.updated", person, changes=changes)
    if person.email not in ctx.touched:
        ctx.report.updated.append(person.email)
        ctx.touched.add(person.email)


def _set_active(ctx: _Ctx, person: Person, active: bool, reason: str) -> None:
    person.active, person.updated_at = active, ctx.now
    ctx.session.add(person)
    if active:
        ctx.log("person.reactivated", person)
        ctx.report.reactivated.append(person.email)
        return
    ctx.log("person.deactivated", person, reason=reason)
    ctx.report.deactivated.append(person.email)
    ctx.gone.append(person)


def _apply_manager(ctx: _Ctx, want: _Wanted) -> None:
    """The directory moves a manager only while it is still the one the directory set."""
    person = ctx.people.get(want.email)
    if person is None or want.manager_email is None or want.manager_email == want.email:
        return
    manager = ctx.people.get(want.manager_email)
    if manager is None:
        ctx.report.skipped.append(f"{want.email}: manager {want.manager_email} is unknown")
        return
    if person.manager_id != person.directory_manager_id or person.manager_id == manager.id:
        return  # set by the catalog (or by hand): it stands; or already right
    old = ctx.email_of(person.manager_id)
    person.manager_id = person.directory_manager_id = manager.id
    _updated(ctx, person, {"manager": [old, manager.email]})


def _link_accounts(ctx: _Ctx, want: _Wanted) -> None:
    person = ctx.people.get(want.email)
    if person is None or person.id is None:
        return
    for platform, external_id, display in want.accounts:
        account = ctx.accounts.get((platform.value, external_id))
        if account is not None and account.person_id == person.id:
            continue
        details: dict[str, Any] = {"platform": platform.value, "external_id": external_id}
        if account is None:
            account = ChatIdentity(platform=platform.value, external_id=external_id, person_id=0)
            ctx.accounts[(platform.value, external_id)] = account
        else:
            details["previously"] = ctx.email_of(account.person_id)
        account.person_id, account.display_name, account.linked_at = person.id, display, ctx.now
        ctx.session.add(account)
        ctx.session.flush()
        ctx.log("person.linked", person, **details)
        ctx.report.linked.append(f"{person.email} ({platform.value} {external_id})")


def _missing(ctx: _Ctx, listed: set[str], deactivate: bool) -> None:
    """Active people the directory does not list, among its own email domains only."""
    domains = {email.rpartition("@")[2] for email in listed}
    for email, person in sorted(ctx.people.items()):
        if email in listed or not person.active or person.placeholder:
            continue
        if email.rpartition("@")[2] not in domains:
            continue  # auditors, contractors: not this directory's people
        if deactivate:
            _set_active(ctx, person, False, f"not listed by {ctx.source}")
        else:
            ctx.report.not_in_directory.append(email)


def _report_gone(ctx: _Ctx) -> None:
    ids = [p.id for p in ctx.gone if p.id is not None]
    ctx.report.people_deactivated = ids
    ctx.report.to_reassign, ctx.report.alerts_queued = report_deactivated(
        session=ctx.session, actor=ctx.actor, person_ids=ids, source=ctx.source, now=ctx.now
    )


def channel_references(*, session: Session, platform: str) -> dict[str, dict[str, Any]]:
    """Stored references of the channel conversations (`<platform>:conv:<id>`) the bot is in."""
    rows = session.exec(
        select(ConversationRef)
        .where(ConversationRef.platform == platform)
        .where(col(ConversationRef.key).startswith(f"{platform}:conv:"))
        .order_by(col(ConversationRef.key))
    )
    return {row.key: dict(row.reference) for row in rows}

"""Who decides each pulled account: the owner, one person, or each holder's manager.

Segregation of duties holds whatever the catalog says: nobody ever decides their own
account (it goes to their manager, else the control's owner, else its backup owner), and an
auditor never reviews. A control's owner reviews only where the catalog says so (`reviewer:
owner`, or the accounts no manager can take); that standing exception is written on the
campaign and into the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.core.errors import InvalidInput
from bot.people.services import get_person_by_email_or_raise
from bot.reviews.duties import account_handles, is_own_account
from bot.reviews.population import MappedAccount
from models import CampaignItem, Control, Person, Role

OWNER_REASON = "the catalog names the control's owner as this review's reviewer"
ORPHAN_REASON = "accounts with no person or no manager to review them go to the control's owner"
MANAGER_REASON = "the control's owner is the manager of these accounts' holders"
STAND_IN_REASON = "the control's owner stands in for the reviewer on the reviewer's own account"


@dataclass
class Assignment:
    """One reviewer's share: their items, what the share is called, and why the control's
    owner may review it (when they do)."""

    reviewer: Person
    label: str
    items: list[CampaignItem] = field(default_factory=list)
    owner_reason: str | None = None
    channel: str = ""


def assign_reviewers(
    session: Session,
    control: Control,
    mapped: list[MappedAccount],
    mode: str,
    *,
    system: str = "",
    channel: str = "",
) -> list[Assignment]:
    """The accounts split into reviewer groups: one group, or one per manager (`manager`)."""
    owner = session.get(Person, control.owner_id) if control.owner_id else None
    if owner is None or not owner.active:
        raise InvalidInput(f"{control.key} has no active owner to take its access review.")
    chooser = _Chooser(session, control, owner)
    default = None if mode == "manager" else chooser.named(mode)
    groups: dict[int, Assignment] = {}
    orphans: dict[int, int] = {}  # per group: accounts the owner took for want of a manager
    for entry in mapped:
        first = default or chooser.manager_of(entry.person)
        reviewer = chooser.not_own(first, entry)
        key = reviewer.id or 0 if mode == "manager" else 0
        if key not in groups:
            head = reviewer if mode == "manager" else (default or reviewer)
            groups[key] = Assignment(head, head.name, channel=channel)
        group = groups[key]
        fallback = (
            mode == "manager"
            and reviewer.id == owner.id
            and not chooser.manages(owner, entry.person)
        )
        orphans[key] = orphans.get(key, 0) + fallback
        if reviewer.id == owner.id:
            group.owner_reason = _owner_reason(mode, first, owner, bool(orphans[key]))
        group.items.append(_item(entry, reviewer, control, system))
    for key, group in groups.items():
        group.label = _label(group, mode, orphans.get(key, 0))
    return sorted(groups.values(), key=lambda g: (g.reviewer.id == owner.id, g.reviewer.name))


def _owner_reason(mode: str, first: Person, owner: Person, orphans: bool) -> str:
    """Why the control's owner reviews here, as the campaign and the audit trail say it."""
    if mode == "manager":
        return ORPHAN_REASON if orphans else MANAGER_REASON
    # Named by the catalog, or only standing in for the named reviewer's own account.
    return OWNER_REASON if first.id == owner.id else STAND_IN_REASON


def _label(group: Assignment, mode: str, orphans: int) -> str:
    name = group.reviewer.name
    if mode != "manager":
        return name
    if orphans == len(group.items):
        return f"{name} (accounts with no manager)"
    return f"{name}'s team" + (" and accounts with no manager" if orphans else "")


class _Chooser:
    def __init__(self, session: Session, control: Control, owner: Person) -> None:
        self.session, self.control, self.owner = session, control, owner
        self._handles: dict[int, frozenset[str]] = {}

    def named(self, mode: str) -> Person:
        if mode == "owner":
            return self.owner
        person = get_person_by_email_or_raise(session=self.session, email=mode)
        if not self._usable(person):
            raise InvalidInput(f"{person.name} cannot review access (inactive or an auditor).")
        return person

    def manages(self, manager: Person, person: Person | None) -> bool:
        return person is not None and person.manager_id == manager.id

    def manager_of(self, person: Person | None) -> Person:
        manager = self._get(person.manager_id) if person and person.manager_id else None
        return manager if manager and self._usable(manager) else self.owner

    def not_own(self, reviewer: Person, entry: MappedAccount) -> Person:
        """`reviewer`, or a stand-in when the account is the reviewer's own."""
        if not self._own(reviewer, entry):
            return reviewer
        backup = self._get(self.control.backup_owner_id) if self.control.backup_owner_id else None
        for candidate in (self._get(reviewer.manager_id), self.owner, backup):
            if candidate and self._usable(candidate) and not self._own(candidate, entry):
                return candidate
        raise InvalidInput(
            f"Nobody else can review {entry.account.name}, {reviewer.name}'s own account: "
            f"give {reviewer.name} a manager in the catalog, or {self.control.key} a backup owner."
        )

    def _own(self, reviewer: Person, entry: MappedAccount) -> bool:
        if entry.person is not None and entry.person.id == reviewer.id:
            return True
        key = reviewer.id or 0
        if key not in self._handles:
            self._handles[key] = account_handles(self.session, reviewer)
        return is_own_account(self._handles[key], entry.account.name, entry.account.email)

    def _get(self, person_id: int | None) -> Person | None:
        return self.session.get(Person, person_id) if person_id else None

    @staticmethod
    def _usable(person: Person) -> bool:
        return person.active and person.role is not Role.AUDITOR


def _item(entry: MappedAccount, reviewer: Person, control: Control, system: str) -> CampaignItem:
    account = entry.account
    details: dict[str, object] = {"account": account.name, "system": system}
    details["source_id"] = account.id
    kind = account.kind.replace("_", " ") if account.kind not in ("user", "member") else ""
    rights = ", ".join(account.privileges) or kind
    notable = {
        "role": rights,
        "last_activity": account.last_active.date().isoformat() if account.last_active else "",
        "flags": list(entry.flags),
        "mfa": account.mfa,
        "suspended": not account.active,
    }
    details |= {k: v for k, v in notable.items() if v not in ("", [], None, False)}
    email = entry.person.email if entry.person else account.email
    return CampaignItem(
        campaign_id=0,
        subject=account.name[:300],
        subject_email=email,
        system_owner_id=control.owner_id,
        reviewer_id=reviewer.id,
        details=details,
    )

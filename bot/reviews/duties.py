"""Segregation of duties in access reviews: who may start, review, decide and page one."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.catalog.controls import get_control_or_raise
from bot.core.actor import Actor
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.permissions import Action, require
from bot.reviews.csv_files import AccountRow
from models import Campaign, CampaignItem, CampaignKind, ChatIdentity, Control, Person, Role

MIN_REASON, MAX_REASON = 10, 500
_NAME_JOINS = (".", "_", "-", "")  # how account names are commonly made from a full name


def check_can_start_review(
    session: Session, actor: Actor, control_key: str | None
) -> Control | None:
    """The control a review is for, once the actor may start it: run before anything else."""
    control = get_control_or_raise(session=session, key=control_key) if control_key else None
    owner = control.owner_id if control else None
    require(actor, Action.START_CAMPAIGN, related=owner is not None and owner == actor.person_id)
    return control


def check_reviewer(
    actor: Actor, control: Control | None, reviewer: Person, reason: str | None
) -> str | None:
    """Refuse a reviewer who may not review this control's access; the owner-override reason.

    A control's owner never reviews its access, unless an admin makes that exception with a
    written reason (returned, for the audit trail).
    """
    if not reviewer.active:
        raise InvalidInput(f"{reviewer.name} is not active; choose another reviewer.")
    if reviewer.role is Role.AUDITOR:
        raise InvalidInput(f"{reviewer.name} is an auditor (read-only); choose another reviewer.")
    if control is None or control.owner_id != reviewer.id:
        return None
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(
            f"Sorry, {reviewer.name} owns {control.key}, and a control's owner does not review "
            "its access: choose another reviewer. Only an admin can make an exception."
        )
    text = " ".join((reason or "").split())
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidInput(
            f"{reviewer.name} owns {control.key}: to make the owner its reviewer anyway, give "
            f"the reason ({MIN_REASON} to {MAX_REASON} characters); it goes into the audit trail."
        )
    return text


def account_handles(session: Session, person: Person) -> frozenset[str]:
    """Every name an account of `person` may go by: email and its local part, chat ids and
    chat names, and the usual user names made from their full name."""
    identities = session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person.id))
    return handles_of(person, list(identities))


def handles_of(person: Person, identities: list[ChatIdentity]) -> frozenset[str]:
    """`account_handles` from identities already loaded (a whole directory at once)."""
    names = {person.email, person.email.split("@", 1)[0], person.name}
    for identity in identities:
        names |= {identity.external_id, identity.display_name or ""}
    for full in [person.name] + [n for n in names if " " in n]:
        parts = full.casefold().split()
        names |= {join.join(parts) for join in _NAME_JOINS} if len(parts) > 1 else set()
    return frozenset(h for h in map(_handle, names) if len(h) > 1)


def is_own_account(handles: frozenset[str], account: str, email: str | None) -> bool:
    """Whether an account (by its email, or its name as a handle) maps to the handles' owner."""
    return (email is not None and _handle(email) in handles) or _handle(account) in handles


def _handle(value: str) -> str:
    return " ".join(value.split()).lstrip("@").casefold()


def build_review_items(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    rows: list[AccountRow],
    reviewer: Person,
    control: Control | None,
) -> list[CampaignItem]:
    """One item per account, each with its reviewer: never the account's own holder."""
    owners = _system_owners(session, rows)
    default_owner = control.owner_id if control else None
    handles = account_handles(session, reviewer)
    stand_in: int | None = None
    items = []
    for row in rows:
        reviewer_id = reviewer.id
        if is_own_account(handles, row.account, row.email):
            stand_in = stand_in or _stand_in(session, actor, reviewer, row, control)
            reviewer_id = stand_in
        items.append(
            CampaignItem(
                campaign_id=campaign.id or 0,
                subject=f"{row.account} ({row.system})" if row.system else row.account,
                subject_email=row.email,
                system_owner_id=owners.get(row.system_owner or "") or default_owner,
                reviewer_id=reviewer_id,
                details=_details(row),
            )
        )
    return items


def _details(row: AccountRow) -> dict[str, object]:
    """The account's attributes kept with its item: what the prompt's row shows."""
    details: dict[str, object] = {"account": row.account, "system": row.system}
    notable = {"role": row.role, "last_activity": row.last_activity}
    return details | {k: v for k, v in notable.items() if v}


def _system_owners(session: Session, rows: list[AccountRow]) -> dict[str, int]:
    """Active system owners by email; an auditor is never assigned the follow-ups."""
    emails = {r.system_owner for r in rows if r.system_owner}
    if not emails:
        return {}
    found = session.exec(select(Person).where(col(Person.email).in_(emails), Person.active)).all()
    auditors = sorted(p.email for p in found if p.role is Role.AUDITOR)
    if auditors:
        raise InvalidInput(
            f"{', '.join(auditors)} cannot be a system owner: auditors are read-only and are "
            "never assigned follow-ups. Put whoever removes the access in system_owner."
        )
    return {p.email.lower(): p.id for p in found if p.id is not None}


def _stand_in(
    session: Session, actor: Actor, reviewer: Person, row: AccountRow, control: Control | None
) -> int:
    """Who reviews the reviewer's own account: their manager, else whoever started the review;
    never an auditor, and never the control's owner."""
    owner = control.owner_id if control else None
    manager = session.get(Person, reviewer.manager_id) if reviewer.manager_id else None
    usable = manager and manager.active and manager.role is not Role.AUDITOR
    if manager and manager.id and usable and manager.id != owner:
        return manager.id
    if actor.person_id is not None and actor.person_id not in (reviewer.id, owner):
        return actor.person_id
    raise InvalidInput(
        f"Nobody else can review {row.account}'s own account: give {reviewer.name} "
        "a manager in the catalog, or choose another reviewer."
    )


def check_not_own_account(session: Session, actor: Actor, item: CampaignItem) -> None:
    """A reviewer never decides an account that maps to them (checked again at decision)."""
    person = session.get(Person, actor.person_id) if actor.person_id else None
    account = str(item.details.get("account") or item.subject)
    if person and is_own_account(account_handles(session, person), account, item.subject_email):
        raise PermissionDenied("Sorry, you cannot decide on your own account.")


def check_not_control_owner(session: Session, actor: Actor, campaign: Campaign) -> None:
    """The control's owner does not decide its access review, unless an admin allowed it."""
    control = session.get(Control, campaign.control_id) if campaign.control_id else None
    if control is None or control.owner_id is None or control.owner_id != actor.person_id:
        return
    if not campaign.details.get("owner_review_reason"):
        raise PermissionDenied(
            f"Sorry, you own {control.key}, and a control's owner does not review its access."
        )


def check_can_page_review(session: Session, actor: Actor, campaign_id: int) -> None:
    """Paging or redrawing a review's prompt: its reviewers, whoever started it, or an admin."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind is not CampaignKind.ACCESS_REVIEW:
        raise NotFound(f"There is no access review {campaign_id}.")
    if actor.role is Role.ADMIN or _takes_part(session, actor, campaign):
        return
    raise PermissionDenied(
        "Sorry, this review is not yours: only its reviewers, whoever started it or an admin "
        "can page through it. Nothing was changed."
    )


def _takes_part(session: Session, actor: Actor, campaign: Campaign) -> bool:
    if actor.person_id is None:
        return False
    if actor.person_id == campaign.created_by_id:
        return True
    reviews = select(CampaignItem.id).where(
        CampaignItem.campaign_id == campaign.id, CampaignItem.reviewer_id == actor.person_id
    )
    return session.exec(reviews.limit(1)).first() is not None

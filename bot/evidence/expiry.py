"""Evidence that expires: stamped from its task's `expires:` when recorded, or set by an admin.

Evidence recorded on local day D (program timezone) for a task with `expires: 12m` counts
through the end of D + 12 months: `expires_at` is the local midnight that ends that day. An
admin's date means the same: the evidence counts through the end of that day.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.audit.trail import format_time, record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.permissions import Action, require
from bot.core.program import local_day, program_zone
from bot.core.recurrence import end_of_local_day, parse_duration
from models import Evidence, Occurrence, Task


def expiry_for(
    *, session: Session, occurrence_id: int, submitted_at: dt.datetime
) -> dt.datetime | None:
    """When evidence for this work, given at `submitted_at`, stops counting (None: never)."""
    occ = session.get(Occurrence, occurrence_id)
    task = session.get(Task, occ.task_id) if occ else None
    if task is None or not task.expires:
        return None
    tz = program_zone(session=session)
    last_day = parse_duration(task.expires).apply(local_day(submitted_at, tz))
    return end_of_local_day(last_day, tz)


def stamp_expiry(session: Session, evidence: Evidence) -> None:
    """Give new evidence of a task's work the expiry its task asks for (before it is logged)."""
    if evidence.occurrence_id is not None and evidence.expires_at is None:
        evidence.expires_at = expiry_for(
            session=session,
            occurrence_id=evidence.occurrence_id,
            submitted_at=evidence.submitted_at,
        )


def set_evidence_expiry(
    *,
    session: Session,
    actor: Actor,
    evidence_id: int,
    expires_on: dt.date | None,
    now: dt.datetime,
) -> Evidence:
    """Admin: make one piece of evidence count through the end of `expires_on` (program
    timezone), or for good (None). Past days are allowed: a certificate found to have lapsed."""
    require(actor, Action.SET_EVIDENCE_EXPIRY)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound(f"There is no evidence {evidence_id}.")
    if evidence.occurrence_id is None:
        raise InvalidInput(
            f"Evidence {evidence_id} belongs to a campaign; only evidence of a task's work "
            "can expire."
        )
    if evidence.superseded_at is not None:
        raise Conflict(f"Evidence {evidence_id} was superseded: it no longer counts at all.")
    tz = program_zone(session=session)
    wanted = end_of_local_day(expires_on, tz) if expires_on else None
    if wanted == evidence.expires_at:
        said = f"expires after {expires_on:%a %d %b %Y}" if expires_on else "never expires"
        raise Conflict(f"Evidence {evidence_id} already {said}.")
    was = evidence.expires_at
    evidence.expires_at = wanted
    session.add(evidence)
    record_event(
        session=session,
        actor=actor,
        action="evidence.expiry_set",
        subject_type="evidence",
        subject_id=str(evidence_id),
        # `expires_at` as the bundle spells it, so its verify.py can check evidence.csv.
        details={
            "occurrence": evidence.occurrence_id,
            "expires_on": expires_on.isoformat() if expires_on else None,
            "expires_at": format_time(wanted) if wanted else None,
            "was": format_time(was) if was else None,
        },
    )
    return evidence

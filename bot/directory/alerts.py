"""When people leave: tell the admins at once what they held, and take them out of campaigns."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlmodel import Session

from bot.campaigns.audience import withdraw_person
from bot.core.actor import Actor
from bot.core.program import program_today
from bot.directory.facts import OwnedWork
from bot.directory.messages import reassignment_alert
from bot.directory.owners import owned_work
from bot.outbox.queue import Outgoing, channel_target, enqueue_message
from models import Program

log = logging.getLogger(__name__)


def report_deactivated(
    *, session: Session, actor: Actor, person_ids: Sequence[int], source: str, now: dt.datetime
) -> tuple[list[OwnedWork], int]:
    """Queue one alert per newly inactive holder of work, withdraw them from open campaigns;
    (work, alerts queued).

    The alert goes to the compliance channel through the outbox, keyed per person and day, so
    a re-run of the same sync never repeats it.
    """
    if not person_ids:
        return [], 0
    held = owned_work(session=session, person_ids=person_ids)
    program = session.get(Program, 1)
    target = channel_target(program.compliance_channel if program else None)
    today = program_today(program, now) if program else now.date()
    queued = 0
    for work in held:
        if target is None:
            log.warning("%s holds work and no compliance channel is set", work.email)
            continue
        outgoing = Outgoing(
            key=f"deactivated-owner:{work.person_id}:{today.isoformat()}",
            platform=target[0],
            recipient=target[1],
            message=reassignment_alert(work, source),
            kind="alert",
            meta={"deactivated_person_id": work.person_id},
        )
        queued += enqueue_message(session=session, outgoing=outgoing) is not None
    for person_id in person_ids:  # in this transaction: no round keeps asking a leaver
        withdraw_person(
            session=session, actor=actor, person_id=person_id, now=now, reason=f"left ({source})"
        )
    return held, queued

"""What the deciding tickers decide, each inside its own transaction (and pulled reviews)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from bot.campaigns.audience import refresh_campaign_audiences
from bot.campaigns.reminders import queue_campaign_reminders
from bot.core.actor import Actor
from bot.core.db import Database
from bot.digest.services import queue_weekly_digest
from bot.evidence.store import EvidenceStore
from bot.policies.notices import queue_policy_reviews
from bot.reminders.expiry import queue_expiry_reminders
from bot.reminders.services import queue_due_reminders
from bot.reviews.sources import start_due_reviews
from bot.reviews.verify import verify_revocations
from bot.work.occurrences import materialize_occurrences


@dataclass(frozen=True)
class Decisions:
    """The services the deciding tickers call, each inside its own transaction."""

    materialize: Callable[[Session, dt.datetime, int], object]
    reminders: Callable[[Session, dt.datetime], object]
    digest: Callable[[Session, dt.datetime], object]


def _materialize(session: Session, now: dt.datetime, horizon_days: int) -> int:
    made = materialize_occurrences(
        session=session, actor=Actor.scheduler(), now=now, horizon_days=horizon_days
    )
    # New hires join open policy/training rounds; deactivated people drop out of them.
    refresh_campaign_audiences(session=session, now=now)
    return made


def _remind(session: Session, now: dt.datetime) -> int:
    queued = queue_due_reminders(session=session, now=now)
    queued += queue_expiry_reminders(session=session, now=now)
    queued += queue_policy_reviews(session=session, now=now)  # owners, as their reviews open
    return queued + queue_campaign_reminders(session=session, now=now)


SERVICES = Decisions(
    materialize=_materialize,
    reminders=_remind,
    digest=lambda session, now: queue_weekly_digest(session=session, now=now),
)


def pulled_reviews(
    db: Database,
    store: EvidenceStore,
    env: Mapping[str, str] | Callable[[], Mapping[str, str]],
) -> Callable[[dt.datetime], object]:
    """The access-review tick: start due pulled reviews, then verify revoked access.

    `env` may be a function, read at every tick: a rotated token works without a restart.
    """

    def tick(now: dt.datetime) -> object:
        found = env() if callable(env) else env
        started = start_due_reviews(db=db, store=store, env=found, now=now)
        verified = verify_revocations(db=db, store=store, env=found, now=now)
        return {"started": started, "verified": verified}

    return tick

"""The demo's policy and training rounds: who answered when, and who has still to."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence

from bot.demo.timeline import (
    DAY,
    HOUR,
    Answer,
    Round,
    between,
    local,
    weekday_before,
    working_hours,
)
from models import CampaignKind, Person

POLICY = "Information Security Policy"
POLICY_LINK = "https://intranet.northwind.example/policies/information-security"
TRAINING = "Security awareness training"
ANSWER_AFTER = dt.timedelta(minutes=10)  # the earliest anyone answers a round's message


def plan_rounds(
    rng: random.Random,
    *,
    start: dt.date,
    now: dt.datetime,
    audience: Sequence[Person],
) -> list[Round | Answer]:
    """The policy at the program's start and its annual review last week; this year's training.

    Everyone acknowledged the first version; the review and the training are in progress,
    with some answers in the last seven days.
    """
    first = Round(
        local(weekday_before(start + 6 * DAY), 10), "policy-1", CampaignKind.POLICY_ACK,
        POLICY, "3.0", "14d",
    )  # fmt: skip
    review = Round(
        local(weekday_before((now - 9 * DAY).date()), 10), "policy-2", CampaignKind.POLICY_ACK,
        POLICY, "3.1", "14d",
    )  # fmt: skip
    training = Round(
        local(weekday_before((now - 26 * DAY).date()), 11), "training", CampaignKind.TRAINING,
        TRAINING, str((now - 26 * DAY).year), "30d",
    )  # fmt: skip
    answers = [
        *_answers(rng, first, audience, now, _policy_delay),
        *_answers(rng, training, audience, now, lambda r: DAY * r.uniform(0.5, 28)),
    ]
    recent = list(_answers(rng, review, audience, now, _policy_delay))
    if not any(a.at >= now - 7 * DAY for a in recent):  # the review shows in this week's news
        person = max(audience, key=lambda p: p.email)
        lo = max(review.at + ANSWER_AFTER, now - 7 * DAY)
        recent = [a for a in recent if a.person_id != person.id]
        recent.append(
            Answer(between(rng, lo, now - HOUR, person.timezone), review.name, person.id or 0)
        )
    return [first, review, training, *answers, *recent]


def _policy_delay(rng: random.Random) -> dt.timedelta:
    """Most people answer within days; a few only after a reminder or two."""
    draw = rng.random()
    low, high = (0.05, 4) if draw < 0.8 else (4, 13) if draw < 0.95 else (15, 25)
    return DAY * rng.uniform(low, high)


def _answers(
    rng: random.Random,
    started: Round,
    audience: Sequence[Person],
    now: dt.datetime,
    delay: Callable[[random.Random], dt.timedelta],
) -> Iterator[Answer]:
    """Each person's answer in their working hours; none yet from whoever answers after `now`."""
    for person in audience:
        moment = working_hours(rng, started.at + delay(rng), person.timezone)
        at = max(moment, started.at + ANSWER_AFTER)
        if at < now - HOUR:
            yield Answer(at, started.name, person.id or 0)

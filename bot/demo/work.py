"""The demo's work: when each period was done, skipped or left open, and with what evidence.

Most work is done a few days early, some late, a little is still open; so that the demo tells
the truth on any day it is seeded, its last weeks are checked: work finished in each of
them, something overdue and something once done late.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.demo.timeline import DAY, HOUR, Done, Skip, Work, between, recent_weeks, working_hours
from models import EvidenceRequirement, Person, Task

SKIP_REASONS = {  # task kind the exception fits: reason
    "access_review": "System decommissioned in March (legacy reporting cluster); no access left.",
    "vendor_review": "Vendor contract ended; the vendor was offboarded before this review.",
    "vulnerability_scan": "Covered by this quarter's penetration test, as agreed with the auditor.",
}
NOTES = [None, None, "No exceptions found.", "Checked with the team."]
MINUTE = HOUR / 60
RECENT_DONE = 3  # completions at least in each week a reader looks at (see `recent_weeks`)


@dataclass
class WorkPlan:
    """What became of each period: skipped, done (with when), or None for still open."""

    skips: dict[tuple[int, str], Skip]
    outcomes: dict[tuple[int, str], Done | None]
    # Periods placed by a check: later checks leave them be.
    pinned: set[tuple[int, str]] = field(default_factory=set)

    def steps(self) -> list[Skip | Done]:
        return [*self.skips.values(), *(d for d in self.outcomes.values() if d is not None)]


def plan_work(
    rng: random.Random,
    works: Sequence[Work],
    *,
    tasks: dict[int, Task],
    people: dict[int, Person],
    admin: Person,
    now: dt.datetime,
) -> WorkPlan:
    """Decide every period that has started by `now`; `works` in due order."""
    plan = WorkPlan(_skips(rng, works, tasks, admin, now), {})
    for work in works:
        if work.key not in plan.skips:
            when = _completion_time(rng, work, now, people[work.assignee_id].timezone)
            done = None if when is None else _done(rng, tasks[work.task_id], work, when)
            plan.outcomes[work.key] = done
    checks = _Checks(rng, plan, [w for w in works if w.key in plan.outcomes], tasks, people, now)
    for lo, hi in recent_weeks(now):
        checks.work_done_between(lo, hi, at_least=RECENT_DONE)
    checks.something_overdue()
    checks.something_done_late()
    return plan


def _skips(
    rng: random.Random,
    works: Sequence[Work],
    tasks: dict[int, Task],
    admin: Person,
    now: dt.datetime,
) -> dict[tuple[int, str], Skip]:
    """One old period per reason, skipped by the compliance lead soon after it opened."""
    old = [w for w in works if w.due_at < now - 60 * DAY and w.period_start.month > 3]
    skips: dict[tuple[int, str], Skip] = {}
    for kind, reason in SKIP_REASONS.items():
        fits = [w for w in old if tasks[w.task_id].kind == kind and w.key not in skips]
        work = rng.choice(fits or [w for w in old if w.key not in skips])
        latest = min(work.opened + 5 * DAY, work.due_at - HOUR)
        skips[work.key] = Skip(between(rng, work.opened, latest, admin.timezone), work, reason)
    return skips


def _done(rng: random.Random, task: Task, work: Work, when: dt.datetime) -> Done:
    if task.evidence is EvidenceRequirement.FILE or (
        task.evidence is EvidenceRequirement.ANY and rng.random() < 0.4
    ):
        return Done(when, work, file=True)
    return Done(when, work, file=False, note=rng.choice(NOTES))


def _completion_time(
    rng: random.Random, work: Work, now: dt.datetime, tz: str | None
) -> dt.datetime | None:
    """When the work was done: mostly a few days early, sometimes late, None if not yet."""
    age = (now - work.due_at).days
    if age >= 0 and rng.random() < (0.35 if age < 16 else 0.1 if age < 45 else 0.003):
        return None
    if rng.random() < 0.08:
        when = working_hours(rng, work.due_at + DAY * rng.uniform(1, 8), tz)
        return when if when < now - HOUR else None
    span = max((work.due_at - work.opened) / DAY, 0.1)
    when = working_hours(rng, work.due_at - DAY * rng.uniform(0.3, min(6, span)), tz)
    when = min(max(when, work.opened), work.due_at - 5 * MINUTE).replace(microsecond=0)
    return when if when < now - HOUR else None


@dataclass
class _Checks:
    """Make sure the plan has what a reader of the demo looks for, on any seeding day."""

    rng: random.Random
    plan: WorkPlan
    works: list[Work]  # the periods not skipped
    tasks: dict[int, Task]
    people: dict[int, Person]
    now: dt.datetime

    def work_done_between(self, lo: dt.datetime, hi: dt.datetime, *, at_least: int) -> None:
        """Work completed in [lo, hi), `at_least` of it: the open work due soonest after `lo`
        done early, or in a week when nothing was open, overdue work caught up with."""
        outcomes = self.plan.outcomes
        done = sum(1 for d in outcomes.values() if d is not None and lo <= d.at < hi)
        for _ in range(at_least - done):
            if not self._one_more_done_between(lo, hi):
                return

    def _one_more_done_between(self, lo: dt.datetime, hi: dt.datetime) -> bool:
        outcomes = self.plan.outcomes
        end = min(hi - MINUTE, self.now - HOUR)  # `between` may return its upper bound
        fits = [
            w for w in self.works
            if w.key not in self.plan.pinned and w.opened + HOUR <= end
            and not ((d := outcomes[w.key]) is not None and lo <= d.at < hi)
        ]  # fmt: skip
        early = [w for w in fits if w.due_at >= lo + HOUR]
        if early:
            work = min(early, key=lambda w: (outcomes[w.key] is not None, w.due_at, w.key))
            latest = min(end, work.due_at - 5 * MINUTE)
        elif fits:  # catching up: the oldest overdue work, else the latest done work again
            overdue = [w for w in fits if outcomes[w.key] is None]
            work = min(overdue, key=lambda w: (w.due_at, w.key)) if overdue else fits[-1]
            latest = end
        else:
            return False
        when = between(self.rng, max(lo, work.opened), latest, self._tz(work))
        self._set(work, _done(self.rng, self.tasks[work.task_id], work, when))
        return True

    def something_overdue(self) -> None:
        """Some past work still open: the latest due a day or more ago if none is."""
        past = [w for w in self.works if w.due_at < self.now]
        if not past or any(self.plan.outcomes[w.key] is None for w in past):
            return
        fits = [w for w in past if w.key not in self.plan.pinned]
        aged = [w for w in fits if w.due_at <= self.now - DAY] or fits
        if aged:
            self._set(max(aged, key=lambda w: (w.due_at, w.key)), None)

    def something_done_late(self) -> None:
        """Some work done after its due time: the latest due three days or more ago if none."""
        outcomes = self.plan.outcomes
        done = [(w, d) for w in self.works if (d := outcomes[w.key]) is not None]
        if any(d.at > w.due_at for w, d in done):
            return
        fits = [
            (w, d) for w, d in done
            if w.key not in self.plan.pinned and w.due_at <= self.now - 3 * DAY
        ]  # fmt: skip
        if not fits:
            return
        work, done_at = max(fits, key=lambda pair: (pair[0].due_at, pair[0].key))
        latest = min(work.due_at + 4 * DAY, self.now - HOUR)
        when = between(self.rng, work.due_at + 10 * HOUR, latest, self._tz(work))
        self._set(work, Done(when, work, done_at.file, done_at.note))

    def _tz(self, work: Work) -> str | None:
        return self.people[work.assignee_id].timezone

    def _set(self, work: Work, outcome: Done | None) -> None:
        self.plan.outcomes[work.key] = outcome
        self.plan.pinned.add(work.key)

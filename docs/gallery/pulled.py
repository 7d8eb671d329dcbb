"""Gallery kinds of pulled access reviews: the prompt of a GitHub pull, failures, verification.

The prompt goes through the real start (`start_pulled_review`) with a population as the
GitHub source would return it; no network is needed. The notices are drawn by their builders
with the words the services put in them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, select

from bot.connectors.facts import Account, Population
from bot.reviews.messages import review_prompt_view
from bot.reviews.progress import get_review_progress
from bot.reviews.pulled import start_pulled_review
from bot.reviews.source_messages import (
    ShareLine,
    pull_failed_message,
    split_summary_message,
    still_present_message,
)
from docs.gallery.world import ADMIN, REVIEWER, Shown, World
from models import Occurrence, Task

SOURCE = {"type": "github", "org": "acme"}
LABEL = "GitHub organization acme"


def _population(world: World) -> Population:
    """A dozen members: some the directory knows, an owner without 2FA, a bot, an old one."""
    now = world.now
    staff = sorted(a.label for name, a in world.people.items() if name not in (REVIEWER,))
    accounts = [
        Account("9001", "deploy-bot", privileges=("owner",), mfa=False),
        Account("9002", "contractor-jo", kind="outside_collaborator", mfa=True,
                last_active=now - dt.timedelta(days=140)),
    ]  # fmt: skip
    for n, email in enumerate(staff[:10]):
        accounts.append(
            Account(
                str(100 + n),
                email.split("@", 1)[0].replace(".", "-"),
                email=email,
                privileges=("owner",) if n == 0 else (),
                mfa=n != 3,
                last_active=now - dt.timedelta(days=2 + 12 * n),
            )
        )
    return Population("github", LABEL, now, tuple(accounts))


def _github_work(session: Session, world: World) -> Occurrence:
    """This quarter's work of a GitHub access review task, added beside the demo's own."""
    control = session.exec(select(Task.control_id).where(Task.kind == "access_review")).first()
    if control is None:
        raise LookupError("the demo has no access review control")
    reviewer = world.people[REVIEWER].label
    task = Task(
        key="github-access-review", control_id=control, title="Review GitHub organization access",
        kind="access_review", schedule="quarterly", due_offset="14d",
        review={"source": SOURCE, "channel": "#soc2-reviews", "reviewer": reviewer},
    )  # fmt: skip
    session.add(task)
    session.flush()
    start = dt.date(world.now.year, 3 * ((world.now.month - 1) // 3) + 1, 1)
    due = start + dt.timedelta(days=14)
    quarter = f"{start.year}-Q{start.month // 3 + 1}"
    occ = Occurrence(
        task_id=task.id or 0, control_id=control, period_key=quarter,
        period_start=start, period_end=start + dt.timedelta(days=89), due_on=due,
        due_at=dt.datetime.combine(due, dt.time(23, 59), tzinfo=dt.UTC),
    )  # fmt: skip
    session.add(occ)
    session.flush()
    return occ


def pulled_prompt(world: World) -> Shown:
    """The channel prompt of a review pulled from GitHub: flagged accounts first."""
    with world.db.transaction() as session:
        occ = _github_work(session, world)
        started = start_pulled_review(
            session=session, actor=world.actor(ADMIN), occurrence_id=occ.id or 0,
            population=_population(world), store=world.runtime.store, now=world.now,
        )  # fmt: skip
        campaign_id = started.campaign_ids[0]
    with world.db.session() as session:
        progress = get_review_progress(session=session, campaign_id=campaign_id)
    return Shown(review_prompt_view(progress))


def pull_failed(_: World) -> Shown:
    """To the control's owner when the source refuses the token."""
    reason = "GitHub: the credentials were refused (401): check that the token is valid"
    return Shown(pull_failed_message("Review GitHub organization access", LABEL, reason,
                                     "unauthorized"))  # fmt: skip


def split_summary(_: World) -> Shown:
    """In the review's channel when `reviewer: manager` splits the review."""
    shares = [
        ShareLine("Marcus Chen", 42, 3, True),
        ShareLine("Elena Morales", 17, 1, True),
        ShareLine("Priya Raman (accounts with no manager)", 4, 4, False),
    ]
    sha = hashlib.sha256(b"the frozen population").hexdigest()
    return Shown(split_summary_message("Review GitHub organization access · 2026-Q1", LABEL,
                                       shares, sha))  # fmt: skip


def still_present(world: World) -> Shown:
    """To whoever removes access, the day after a revoke's due day, when it is still there."""
    due = (world.now - dt.timedelta(days=1)).date()
    return Shown(still_present_message("Remove access: contractor-jo", LABEL, due, world.now))

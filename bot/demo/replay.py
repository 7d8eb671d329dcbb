"""Replay the demo's timeline through the real services, each step at its own moment."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from sqlmodel import Session, select

from bot.campaigns.items import acknowledge_policy, confirm_training, item_for_person
from bot.campaigns.rounds import start_policy_campaign, start_training_round
from bot.core.actor import Actor
from bot.core.db import Database
from bot.demo.clock import HistoricalClock
from bot.demo.files import evidence_file
from bot.demo.rounds import POLICY_LINK
from bot.demo.timeline import Answer, Done, Round, Skip, Step, Tick, Work
from bot.evidence.services import attach_file_evidence, complete_by_attestation
from bot.evidence.store import EvidenceStore
from bot.work.occurrences import materialize_occurrences, skip_occurrence
from models import CampaignKind, Occurrence, Person, Task

HORIZON_DAYS = 120  # the service's default horizon: how far ahead the scheduler plans work
BATCH = 200  # steps per transaction


@dataclass
class Replay:
    """Plays steps in time order, moving the clock to each one before it runs."""

    db: Database
    store: EvidenceStore
    clock: HistoricalClock
    people: dict[int, Person]
    tasks: dict[int, Task]
    admin: Person
    rng: random.Random  # for the files' contents
    files: int = 0
    occurrences: dict[tuple[int, str], int] = field(default_factory=dict)
    rounds: dict[str, int] = field(default_factory=dict)

    def run(self, steps: list[Step]) -> None:
        for first in range(0, len(steps), BATCH):
            with self.db.transaction() as session:
                for step in steps[first : first + BATCH]:
                    self.clock.move_to(step.at)
                    self._play(session, step)

    def _play(self, session: Session, step: Step) -> None:
        if isinstance(step, Tick):
            materialize_occurrences(
                session=session, actor=Actor.scheduler(), now=step.at, horizon_days=HORIZON_DAYS
            )
        elif isinstance(step, Skip):
            skip_occurrence(
                session=session, actor=Actor.for_person(self.admin),
                occurrence_id=self._id(session, step.work), reason=step.reason,
            )  # fmt: skip
        elif isinstance(step, Done):
            self._complete(session, step)
        elif isinstance(step, Round):
            self._start(session, step)
        else:
            self._answer(session, step)

    def _complete(self, session: Session, step: Done) -> None:
        occurrence_id = self._id(session, step.work)
        actor = Actor.for_person(self.people[step.work.assignee_id])
        if not step.file:
            complete_by_attestation(
                session=session, actor=actor, occurrence_id=occurrence_id, now=step.at,
                note=step.note,
            )  # fmt: skip
            return
        task, staff = self.tasks[step.work.task_id], sorted(self.people.values(), key=_email)
        name, media_type, body = evidence_file(
            self.rng, task, step.work.period_key, step.work.period_start, staff
        )
        attach_file_evidence(
            session=session, store=self.store, actor=actor, occurrence_id=occurrence_id,
            stream=io.BytesIO(body), original_name=name, media_type=media_type, now=step.at,
        )  # fmt: skip
        self.files += 1

    def _start(self, session: Session, step: Round) -> None:
        actor = Actor.for_person(self.admin)
        if step.kind is CampaignKind.POLICY_ACK:
            started = start_policy_campaign(
                session=session, actor=actor, title=step.title, version=step.version,
                now=step.at, link=POLICY_LINK, due=step.due,
            )  # fmt: skip
        else:
            started = start_training_round(
                session=session, actor=actor, title=step.title, now=step.at,
                round_label=step.version, due=step.due,
            )  # fmt: skip
        self.rounds[step.name] = started.campaign.id or 0

    def _answer(self, session: Session, step: Answer) -> None:
        campaign_id = self.rounds[step.round]
        item_id = item_for_person(
            session=session, campaign_id=campaign_id, person_id=step.person_id
        )
        if item_id is None:
            raise LookupError(f"person {step.person_id} is not in the demo's {step.round} round")
        actor = Actor.for_person(self.people[step.person_id])
        answer = acknowledge_policy if step.round.startswith("policy") else confirm_training
        answer(session=session, actor=actor, item_id=item_id, now=step.at)

    def _id(self, session: Session, work: Work) -> int:
        """The occurrence of a period, created by the scheduler's last tick."""
        if work.key not in self.occurrences:
            rows = session.exec(select(Occurrence.id, Occurrence.task_id, Occurrence.period_key))
            self.occurrences = {(task, key): id_ or 0 for id_, task, key in rows}
        return self.occurrences[work.key]


def _email(person: Person) -> str:
    return person.email

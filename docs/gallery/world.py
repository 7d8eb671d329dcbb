"""The gallery's world: the seeded demo company, and how each kind of message is brought about.

Every message comes from the code path that shows it in chat: the command dispatcher, the
button dispatcher, the reminder and round schedulers' decisions, the message builders the
adapters call. The world is built by seeding.py.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlmodel import col, select

from bot.campaigns.cards import get_campaign_card
from bot.campaigns.items import item_for_person
from bot.campaigns.messages import campaign_card_view
from bot.campaigns.reminders import decide_campaign_reminders
from bot.chat.actions import parse_press, run_press
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.errors import ErrorTeller
from bot.chat.intake import record_file
from bot.chat.presses import Outcome
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import SoC2BotError
from bot.core.messages import Message
from bot.core.program import program_zone
from bot.evidence.messages import evidence_recorded_view
from bot.reminders.services import decide_due_reminders
from bot.reviews.messages import review_prompt_view
from bot.reviews.progress import get_review_progress
from bot.work.items import get_work_item
from bot.work.messages import task_card_view
from models import Occurrence, OccurrenceStatus, Platform

# A Tuesday, 10:00 in New York: reminders are due across the company's timezones.
NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
ADMIN, LEADER, REVIEWER = "priya.raman", "elena.morales", "marcus.chen"
_teller = ErrorTeller(logging.getLogger("soc2bot.gallery"), "gallery request", "gallery failed")


@dataclass(frozen=True)
class Shown:
    """A message as a chat front end would show it; `command`: the typed text (for More)."""

    message: Message
    command: str = ""
    page: int = 0
    teams: Message | None = None  # when Teams readers are told it in their own words (help)


@dataclass
class World:
    """Everything a kind of message needs: the database, the clock, who is who, what exists."""

    runtime: Runtime
    people: dict[str, Actor] = field(default_factory=dict)  # by email's name: "priya.raman"
    linked: dict[str, bool] = field(default_factory=dict)  # has a chat account
    member: str = ""  # who has the most open work and the policy to accept: `mine`, DMs
    trainee: str = ""  # who has the training round still to confirm
    review_id: int = 0
    policy_id: int = 0
    training_id: int = 0
    # What commands and action ids may name as {control}, {overdue}, …: taken once, before
    # any kind of message changes anything, so every kind sees the same world.
    refs: dict[str, object] = field(default_factory=dict)
    # What later kinds set up once, the first time one needs it (policies.py, evidence.py).
    made: dict[str, object] = field(default_factory=dict)
    _pressed: dict[tuple[str, str, tuple[tuple[str, str], ...]], Outcome] = field(
        default_factory=dict
    )

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def now(self) -> dt.datetime:
        return self.runtime.clock()

    def actor(self, who: str = "") -> Actor:
        """Who acts: by the name in their email ("priya.raman"), else the member."""
        return self.people[who or self.member]

    def command(self, text: str, who: str = "", page: int = 0, *, writes: bool = False) -> Shown:
        """A typed command, answered by the dispatcher (errors as the adapters tell them).

        One that `writes` is typed in Teams against a copy of the database taken before it
        ran: typed twice in one world, the second would say "already" or draw anew.
        """
        context = CommandContext(db=self.db, actor=self.actor(who), now=self.now)
        text = text.format_map(self.refs)
        before = self._copy() if writes else self.db
        try:
            slack = run_command(parse_command(text), context)
            # The same command typed in Teams: examples in Teams' words (emails, pasted CSV).
            teams_actor = replace(context.actor, platform=Platform.TEAMS)
            teams_context = replace(context, actor=teams_actor, db=before)
            teams = run_command(parse_command(text), teams_context)
            return Shown(slack, command=text, page=page, teams=teams)
        except SoC2BotError as error:
            return Shown(_teller.answer(error).message)
        finally:
            if before is not self.db:
                before.engine.dispose()

    def _copy(self) -> Database:
        """The world's SQLite database as it is now, copied beside it (SQLite's backup)."""
        source = Path(str(self.db.engine.url.database))
        handle, name = tempfile.mkstemp(suffix=".db", dir=source.parent)
        os.close(handle)
        src, dst = sqlite3.connect(source), sqlite3.connect(name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return Database(f"sqlite:///{name}")

    def press(self, action_id: str, who: str = "", **form: str) -> Outcome:
        """A button press or submitted form, run by the one dispatcher every adapter uses.

        Pressed once: its card and its reply are two kinds, and a second press would say
        "already recorded".
        """
        action_id = action_id.format_map(self.refs)
        key = (action_id, who, tuple(sorted(form.items())))
        if key not in self._pressed:
            press = parse_press(action_id, form=form, conversation="gallery", files_in_chat=True)
            self._pressed[key] = run_press(self.runtime, self.actor(who), press)
        return self._pressed[key]

    def review_prompt(self, page: int = 0) -> Shown:
        """The access review's prompt in its channel, as it is redrawn after each decision."""
        with self.db.session() as session:
            progress = get_review_progress(session=session, campaign_id=self.review_id)
        return Shown(review_prompt_view(progress, page=page))

    def round_card(self, campaign_id: int, who: str) -> Shown:
        """The DM of a policy or training round, as its invitation shows it."""
        with self.db.session() as session:
            card = get_campaign_card(session=session, item_id=self.item(campaign_id, who))
        return Shown(campaign_card_view(card))

    def task_card(self, ref: str) -> Shown:
        """The card of one occurrence (`ref`, e.g. "{overdue}"), as the task card shows it."""
        occurrence_id = int(ref.format_map(self.refs))
        with self.db.session() as session:
            item = get_work_item(session=session, occurrence_id=occurrence_id, now=self.now)
        assert item is not None, f"no occurrence {occurrence_id}"
        return Shown(task_card_view(item))

    def file_evidence(self, ref: str, name: str, body: bytes, who: str = "") -> Shown:
        """A file sent as evidence for an occurrence (`ref`, e.g. "{overdue}"): stored,
        hashed and recorded as the chat fronts do, and the answer they give."""
        occurrence_id = int(ref.format_map(self.refs))
        stream, actor = io.BytesIO(body), self.actor(who)
        evidence = record_file(self.runtime, actor, occurrence_id, stream, name=name, media_type="")
        with self.db.session() as session:
            occurrence = session.get(Occurrence, occurrence_id)
            done = occurrence is not None and occurrence.status is OccurrenceStatus.DONE
            zone = program_zone(session=session)
        return Shown(evidence_recorded_view(evidence, occurrence_id, done, zone=zone))

    def card(self, action_id: str, who: str = "", **form: str) -> Shown:
        """What replaces the message whose button was pressed."""
        shown = self.press(action_id, who, **form).card
        assert shown is not None, f"{action_id} replaces nothing"
        return Shown(shown)

    def reply(self, action_id: str, who: str = "", **form: str) -> Shown:
        """What the presser is told privately."""
        shown = self.press(action_id, who, **form).reply
        assert shown is not None, f"{action_id} replies nothing"
        return Shown(shown)

    def item(self, campaign_id: int, who: str = "") -> int:
        with self.db.session() as session:
            found = item_for_person(
                session=session, campaign_id=campaign_id, person_id=self.actor(who).person_id or 0
            )
        assert found is not None, f"{who or self.member} has no item in round {campaign_id}"
        return found

    def open_work(self, who: str = "", *, overdue: bool) -> int | None:
        """Someone's first pending occurrence: overdue, or else the next not yet due."""
        with self.db.session() as session:
            due_at = col(Occurrence.due_at)
            return session.exec(
                select(Occurrence.id)
                .where(Occurrence.assignee_id == self.actor(who).person_id)
                .where(due_at < self.now if overdue else due_at > self.now)
                .where(Occurrence.status == OccurrenceStatus.PENDING)
                .order_by(due_at, col(Occurrence.id))
            ).first()

    def due(
        self, audience: str, step: str = "", *, kind: str = "reminder", days: int | str = 0,
        rounds: bool = False,
    ) -> Shown:  # fmt: skip
        """The first reminder, escalation or notice to `audience` the scheduler sends from
        `days` after now on, hour by hour for 30 days (`step`: how its step's name starts;
        `rounds`: of policy and training rounds, else of occurrences)."""
        start = self.now + dt.timedelta(days=int(str(days).format_map(self.refs)))
        decide = decide_campaign_reminders if rounds else decide_due_reminders
        for hour in range(30 * 24):
            when = start + dt.timedelta(hours=hour)
            with self.db.session() as session:
                queued = decide(session=session, now=when)
            for outgoing in sorted(queued, key=lambda o: o.key):
                meta = outgoing.meta or {}
                if (outgoing.kind, meta.get("audience")) == (kind, audience) and str(
                    meta.get("step", "")
                ).startswith(step):
                    return Shown(outgoing.message)
        raise AssertionError(f"no {kind} to {audience} ({step or 'any step'}) after {start}")

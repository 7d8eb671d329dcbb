"""Reminders for policy and training items, by the program's reminder policy (the reminder tick).

Per item: its DM once the person is reachable (`campaign:{item}:invite`), then the policy's
steps before and after its due day (`campaign:{item}:{step}:{local day}`), in the person's
timezone and working hours. Escalations are grouped: one message per round, recipient and
step lists everyone still missing (`campaign-escalate:{round}:{stream}:{to}:{step}:{day}`),
so a manager of ten late people gets one note, not ten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.campaigns.cards import (
    ROUND_KINDS,
    campaign_meta,
    card_for,
    invite_key,
    invite_outgoing,
)
from bot.campaigns.facts import CampaignCard
from bot.campaigns.messages import campaign_card_view, escalation_view, reminder_text
from bot.core.program import zone
from bot.outbox.queue import Outgoing, channel_target, enqueue_messages, queued_keys
from bot.reminders.policy import ASSIGNEE, Due, Policy, Step, due_step, resolve_policy
from bot.reminders.recipients import Address, load_addresses, load_people
from models import Campaign, CampaignItem, CampaignStatus, ItemDecision, Person, Program

# UTC+14 is the earliest clock on Earth: no recipient's "today" is later than this.
_AHEAD = dt.timedelta(hours=14)


@dataclass
class _Group:
    """One escalation message in the making: a round, a recipient, a step, the late people."""

    campaign: Campaign
    stream: str
    to: Address
    due_on: dt.date
    people: list[str] = field(default_factory=list)


def queue_campaign_reminders(*, session: Session, now: dt.datetime) -> int:
    """Queue the invitations, reminders and escalations of rounds due at `now`; how many.

    Safe on every tick: what was queued is known by its outbox key, so a repeated tick
    queues nothing and a missed one catches up with the latest step only.
    """
    return len(
        enqueue_messages(
            session=session, messages=decide_campaign_reminders(session=session, now=now)
        )
    )


def decide_campaign_reminders(*, session: Session, now: dt.datetime) -> list[Outgoing]:
    """The messages due at `now` whose keys are not queued yet (nothing written)."""
    program = session.get(Program, 1)
    if program is None:
        return []
    policy = resolve_policy(program.reminder_policy)
    rows = _pending(session)
    people = load_people(
        session=session,
        ids={i for item, c in rows for i in (item.person_id, c.created_by_id) if i is not None},
    )
    planner = _Planner(
        program, policy, people, load_addresses(session=session, person_ids=people), now
    )
    for item, campaign in rows:
        planner.plan(item, campaign)
    queued = queued_keys(session=session, keys=[*planner.singles, *planner.groups])
    # Messages are built for new keys only: most ticks find every due step queued already.
    messages = [build() for key, build in planner.singles.items() if key not in queued]
    messages += [
        planner.escalation(key, g) for key, g in planner.groups.items() if key not in queued
    ]
    return messages


def _pending(session: Session) -> list[tuple[CampaignItem, Campaign]]:
    """Pending items of open rounds, oldest first: all of them, as any may still owe its DM."""
    query = (
        select(CampaignItem, Campaign)
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .where(
            CampaignItem.decision == ItemDecision.PENDING,
            Campaign.status == CampaignStatus.OPEN,
            col(Campaign.kind).in_(ROUND_KINDS),
            col(CampaignItem.due_at).is_not(None),
        )
        .order_by(col(CampaignItem.id))
    )
    return [(item, campaign) for item, campaign in session.exec(query).all()]


def _invite(card: Callable[[], CampaignCard], to: Address) -> Outgoing:
    return invite_outgoing(card(), to)


def _reminder(
    key: str, card: Callable[[], CampaignCard], to: Address, text: str, step: str
) -> Outgoing:
    shown = card()
    message = campaign_card_view(shown, reminder=text)
    meta = campaign_meta(shown, step=step, audience=ASSIGNEE)
    return Outgoing(key, to.platform, to.recipient, message, kind="reminder", meta=meta)


class _Planner:
    def __init__(
        self,
        program: Program,
        policy: Policy,
        people: dict[int, Person],
        addresses: dict[int, Address],
        now: dt.datetime,
    ) -> None:
        self.policy, self.people, self.addresses, self.now = policy, people, addresses, now
        self.program_tz = zone(program.timezone)
        target = channel_target(program.compliance_channel)
        self.channel = Address(*target) if target else None
        self.singles: dict[str, Callable[[], Outgoing]] = {}
        self.groups: dict[str, _Group] = {}
        # Steps depend only on the dates, the stream and the timezone: a round's items share them.
        self._steps: dict[tuple[Due, str, str], Step | None] = {}

    def _step(self, due: Due, stream: str, tz: ZoneInfo) -> Step | None:
        key = (due, stream, tz.key)
        if key not in self._steps:
            self._steps[key] = due_step(self.policy, due, stream=stream, tz=tz, now=self.now)
        return self._steps[key]

    def plan(self, item: CampaignItem, campaign: Campaign) -> None:
        person = self.people.get(item.person_id or 0)
        if person is None or item.due_on is None or item.due_at is None:
            return
        enrolled = dt.date.fromisoformat(item.details.get("enrolled_on") or item.due_on.isoformat())
        due = Due(min(enrolled, item.due_on), item.due_on, item.due_at)
        address = self.addresses.get(person.id or 0) if person.active else None
        if address is not None:
            card = partial(card_for, campaign, item, person.name, zone=self.program_tz)
            self.singles[invite_key(item.id or 0)] = partial(_invite, card, address)
            self._remind(card, item.id or 0, address, due, person, enrolled)
        for stream in self.policy.streams()[1:]:
            self._escalate(stream, campaign, person, due)

    def _remind(
        self,
        card: Callable[[], CampaignCard],
        item_id: int,
        to: Address,
        due: Due,
        person: Person,
        enrolled: dt.date,
    ) -> None:
        tz = zone(person.timezone) if person.timezone else self.program_tz
        step = self._step(due, ASSIGNEE, tz)
        if step is None or (not step.overdue and step.day <= enrolled):
            return  # the invitation went out that day: no "due soon" on top of it
        key = f"campaign:{item_id}:{step.name}:{step.day.isoformat()}"
        text = reminder_text(due.due_on, self.now.astimezone(tz).date(), overdue=step.overdue)
        self.singles[key] = partial(_reminder, key, card, to, text, step.name)

    def _escalate(self, stream: str, campaign: Campaign, person: Person, due: Due) -> None:
        found = self._recipient(stream, campaign, person)
        if found is None:
            return
        to, tz, who = found
        step = self._step(due, stream, tz)
        if step is None:
            return
        key = f"campaign-escalate:{campaign.id}:{stream}:{who}:{step.name}:{step.day.isoformat()}"
        group = self.groups.setdefault(key, _Group(campaign, stream, to, due.due_on))
        group.people.append(f"{person.name} <{person.email}>")

    def _recipient(
        self, stream: str, campaign: Campaign, person: Person
    ) -> tuple[Address, ZoneInfo, str] | None:
        """Where an escalation stream goes: the person's manager, the round's starter, or the
        compliance channel (a backup owner has no meaning for a round)."""
        if stream == "compliance":
            return (self.channel, self.program_tz, "channel") if self.channel else None
        target_id = {"manager": person.manager_id, "owner": campaign.created_by_id}.get(stream)
        target = self.people.get(target_id or 0)
        if target is None or target.id == person.id or not target.active:
            return None
        address = self.addresses.get(target.id or 0)
        if address is None:
            return None
        tz = zone(target.timezone) if target.timezone else self.program_tz
        return address, tz, str(target.id)

    def escalation(self, key: str, group: _Group) -> Outgoing:
        message = escalation_view(
            round_name=group.campaign.name, kind=group.campaign.kind, audience=group.stream,
            people=sorted(group.people), due_on=group.due_on,
        )  # fmt: skip
        meta = {"about_campaign_id": group.campaign.id, "audience": group.stream}
        kind = "alert" if group.stream == "compliance" else "reminder"
        return Outgoing(key, group.to.platform, group.to.recipient, message, kind=kind, meta=meta)

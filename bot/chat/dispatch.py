"""Run a parsed command: one service call per intent, rendered to the neutral message model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.audit import history
from bot.audit.messages import event_view, history_view
from bot.campaigns import messages as views_campaign
from bot.campaigns.cards import ROUND_KINDS
from bot.campaigns.items import list_my_rounds
from bot.campaigns.progress import find_round_detail
from bot.catalog import controls
from bot.catalog.messages import control_view, controls_view
from bot.chat import commands as c
from bot.chat.commands import COMMAND_NAMES as COMMAND_NAMES
from bot.chat.expiry import Expire, answer_expire
from bot.chat.exports import ExportRequests
from bot.chat.policies import PolicyCommand, answer_policy
from bot.chat.refs import UserRef
from bot.chat.samples import Sample, answer_sample
from bot.chat.usage import USAGE, help_topic_view, help_view, typed
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotFound
from bot.core.messages import Message
from bot.core.permissions import Action, require
from bot.core.program import program_zone, zone
from bot.digest import messages as views_digest
from bot.digest.chart import render_digest_chart
from bot.digest.services import compose_digest
from bot.evidence import services as evidence
from bot.evidence.messages import evidence_recorded_view, how_to_attach_view
from bot.export.messages import export_started_view
from bot.people import services as people
from bot.people.messages import whoami_view
from bot.reviews import services as reviews
from bot.reviews.messages import follow_ups_section
from bot.status.cache import get_cached_status_summary
from bot.status.messages import status_view
from bot.work import items as work
from bot.work import occurrences
from bot.work.messages import my_work_view
from bot.work.policy_reviews import refuse_policy_review
from models import CampaignKind, Person, Platform


@dataclass(frozen=True)
class CommandContext:
    """Everything a command needs besides its own arguments."""

    db: Database
    actor: Actor
    now: dt.datetime
    # Only `export` needs this: how this chat front end builds bundles and hands them over
    # privately (always in SOC2BOT_EXPORT_DIR); None where exports are not offered (the CLI).
    exports: ExportRequests | None = None

    @property
    def platform(self) -> Platform:
        """Where it was typed (the CLI unless a chat platform): help speaks its syntax."""
        chat = (Platform.SLACK, Platform.TEAMS)
        return self.actor.platform if self.actor.platform in chat else Platform.CLI

    def typed(self, command: str) -> str:
        """`command` as typed here: `/soc2 …` in Slack, `soc2bot ask …` in a terminal."""
        return typed(command, self.platform)

    def zone(self, session: Session) -> dt.tzinfo:
        """The reader's timezone when their platform told us, else the program's."""
        return zone(self.actor.timezone) if self.actor.timezone else program_zone(session=session)


def run_command(intent: c.Intent, ctx: CommandContext) -> Message:
    """Do what the intent asks and describe the outcome; errors are `SoC2BotError`s."""
    handler = _HANDLERS.get(type(intent))
    if handler is None:
        name = COMMAND_NAMES[type(intent)]
        raise InvalidInput(
            f"`{name}` needs a chat platform: run it in Slack or Teams"
            f"{_ELSEWHERE.get(type(intent), '')}.",
            usage=USAGE[name.split()[0]],
        )
    return handler(intent, ctx)


def _help(intent: Any, ctx: CommandContext) -> Message:
    return help_topic_view(intent.topic, ctx.platform) if intent.topic else help_view(ctx.platform)


def _status(_: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.VIEW)
    with ctx.db.session() as session:
        return status_view(get_cached_status_summary(session=session, now=ctx.now))


def _mine(_: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.OWN_WORK)
    person_id = _person_id(ctx.actor)
    with ctx.db.session() as session:
        items = work.get_my_work(session=session, person_id=person_id, now=ctx.now)
        follow_ups = reviews.list_open_follow_ups(session=session, person_id=person_id)
        rounds = [
            card
            for kind in ROUND_KINDS
            for card in list_my_rounds(session=session, person_id=person_id, kind=kind)
            if card.pending
        ]
    extras = (views_campaign.pending_rounds_section(rounds), follow_ups_section(follow_ups))
    return my_work_view(items, extras)


def _person_id(actor: Actor) -> int:
    if actor.person_id is None:
        raise InvalidInput("This command is about a person's own work; run it as a person.")
    return actor.person_id


def _controls(intent: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.VIEW)
    with ctx.db.session() as session:
        rows = controls.list_controls(session=session, text=intent.query)
    return controls_view(rows, intent.query)


def _control(intent: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.VIEW)
    with ctx.db.session() as session:
        detail = controls.get_control_detail(session=session, key=intent.control_id, now=ctx.now)
        names = history.get_names(session=session, events=detail.history)
        reader = ctx.zone(session)
    return control_view(detail, names=names, zone=reader)


def _assign(intent: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.ASSIGN_OWNER)  # before saying anything about the person
    with ctx.db.transaction() as session:
        person = resolve_user(session, intent.user)
        control = controls.assign_owner(
            session=session, actor=ctx.actor, key=intent.control_id, person=person
        )
    return Message(title="Owner assigned", text=f"{person.name} now owns {control.key}.")


def resolve_user(session: Session, ref: UserRef) -> Person:
    """The person a mention or email names; unknown people are an error, not a guess."""
    if ref.email:
        return people.get_person_by_email_or_raise(session=session, email=ref.email)
    if ref.slack_id:
        person = people.find_person_by_chat_id(
            session=session, platform=Platform.SLACK, external_id=ref.slack_id
        )
        if person:
            return person
    who = f"@{ref.handle}" if ref.handle else ref.raw
    raise NotFound(
        f"I don't know {who} yet: they need to talk to soc2bot once, or use their email."
    )


def _evidence(intent: Any, ctx: CommandContext) -> Message:
    with ctx.db.session() as session:
        occ = occurrences.get_occurrence_or_raise(
            session=session, occurrence_id=intent.occurrence_id
        )
        occurrences.check_can_complete(session, ctx.actor, occ, now=ctx.now)
        refuse_policy_review(session=session, occurrence=occ)  # its file is a new version
        needs = evidence.get_evidence_requirement(session=session, occurrence=occ)
    return how_to_attach_view(occ.id or 0, occ.period_key, needs, ctx.actor.platform)


def _done(intent: Any, ctx: CommandContext) -> Message:
    with ctx.db.transaction() as session:
        ev = evidence.complete_by_attestation(
            session=session,
            actor=ctx.actor,
            occurrence_id=intent.occurrence_id,
            now=ctx.now,
            note=intent.note,
        )
        zone = program_zone(session=session)
    return evidence_recorded_view(ev, intent.occurrence_id, done=True, zone=zone)


def _skip(intent: Any, ctx: CommandContext) -> Message:
    with ctx.db.transaction() as session:
        occ = occurrences.skip_occurrence(
            session=session,
            actor=ctx.actor,
            occurrence_id=intent.occurrence_id,
            reason=intent.reason,
        )
    return Message(title="Skipped", text=f"#{occ.id} skipped: {occ.skip_reason}")


def _audit(intent: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.VIEW)
    with ctx.db.session() as session:
        reader = ctx.zone(session)
        if intent.event is not None:
            return event_view(history.get_event(session=session, seq=intent.event), zone=reader)
        found = history.get_history(
            session=session,
            control_key=intent.control_id,
            occurrence_id=intent.occurrence_id,
            campaign_id=intent.campaign_id,
        )
        detail = (
            find_round_detail(session=session, campaign_id=intent.campaign_id, now=ctx.now)
            if intent.campaign_id is not None
            else None
        )
    if detail:  # a policy or training round: who has, who has not, then the trail
        return views_campaign.round_audit_view(detail, found, zone=reader)
    return history_view(found, zone=reader, typed=ctx.typed)


def _my_rounds(kind: CampaignKind, query: str, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.OWN_WORK)
    person_id = _person_id(ctx.actor)
    with ctx.db.session() as session:
        cards = list_my_rounds(session=session, person_id=person_id, kind=kind, query=query)
    return views_campaign.my_rounds_view(cards, kind=kind, query=query)


def _digest(_: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.DIGEST)
    with ctx.db.session() as session:
        digest = compose_digest(session=session, now=ctx.now)
    return views_digest.digest_view(digest, chart=render_digest_chart(digest))


def _export(intent: Any, ctx: CommandContext) -> Message:
    require(ctx.actor, Action.EXPORT)
    if ctx.exports is None:
        raise InvalidInput("Exports are not set up here; run `soc2bot export` on the server.")
    # Built in the background and sent to the requester privately; this answer may be read
    # in a channel, so it carries neither the link nor the file.
    ctx.exports.start(ctx.actor, intent)
    return export_started_view(intent.start, intent.end, where=ctx.exports.where)


def _whoami(_: Any, ctx: CommandContext) -> Message:
    if ctx.actor.person_id is None:
        return Message(title="Who you are", text=f"{ctx.actor.label} (role {ctx.actor.role}).")
    with ctx.db.session() as session:
        person = session.get(Person, ctx.actor.person_id)
        if person is None:
            raise NotFound("Your person record is gone; ask an admin.")
        ids = people.chat_identities(session=session, person_id=ctx.actor.person_id)
    return whoami_view(person, ids)


_HANDLERS: dict[type, Callable[[Any, CommandContext], Message]] = {
    c.Help: _help,
    c.Status: _status,
    c.Mine: _mine,
    c.ListControls: _controls,
    c.ShowControl: _control,
    c.Assign: _assign,
    c.Evidence: _evidence,
    c.MarkDone: _done,
    c.Skip: _skip,
    c.Audit: _audit,
    c.WhoAmI: _whoami,
    c.Digest: _digest,
    c.Export: _export,
    c.Ack: lambda intent, ctx: _my_rounds(CampaignKind.POLICY_ACK, intent.policy, ctx),
    c.Training: lambda _, ctx: _my_rounds(CampaignKind.TRAINING, "", ctx),
    Sample: answer_sample,
    Expire: answer_expire,
    PolicyCommand: answer_policy,
}

# Why a command has no answer here (the CLI), and what to do instead.
_ELSEWHERE: dict[type, str] = {
    c.StartReview: ", where it asks for the accounts (a CSV) in a form; from a terminal, "
    "`soc2bot campaign review --name … --reviewer … --accounts FILE.csv --channel …` starts one",
}

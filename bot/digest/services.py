"""The weekly leadership digest: its facts as SQL aggregates, and queuing it once a week."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.audit.witness import SignedHead, sign_head
from bot.audit.witness_line import format_witness, read_witnesses, witness_message
from bot.campaigns.progress import completion_by_manager
from bot.core.program import get_program_or_raise, program_today
from bot.core.signing import Signer, service_signer
from bot.digest import queries as q
from bot.digest.chart import render_digest_chart
from bot.digest.facts import Digest
from bot.digest.messages import digest_view
from bot.outbox.queue import Outgoing, channel_target, enqueue_message
from bot.status.summary import get_status_summary
from models import OutboxMessage, Program

SEND_AT = dt.time(9, 0)
TREND_WEEKS = 12
WEEK = dt.timedelta(days=7)


def _local_instant(program: Program, day: dt.date, at: dt.time = dt.time(0)) -> dt.datetime:
    """The UTC instant of a wall-clock time in the program's timezone (DST-aware)."""
    return dt.datetime.combine(day, at, ZoneInfo(program.timezone)).astimezone(dt.UTC)


def _this_monday(program: Program, now: dt.datetime) -> dt.date:
    today = program_today(program, now)
    return today - dt.timedelta(days=today.weekday())


def compose_digest(
    *, session: Session, now: dt.datetime, limit: int = 5, signer: Signer | None = None
) -> Digest:
    """Gather the facts for the week containing `now` (program time); lists hold `limit`.

    The chain head is signed with `signer` (default: the service's key).
    """
    program = get_program_or_raise(session=session)
    summary = get_status_summary(session=session, now=now, limit=limit)
    monday = _this_monday(program, now)
    last_monday = monday - WEEK
    last_week = (_local_instant(program, last_monday), _local_instant(program, monday))
    mondays = [monday - WEEK * n for n in range(TREND_WEEKS, -1, -1)]
    completed_count, completed_late = q.count_completed(session=session, between=last_week)
    files, attestations = q.count_evidence(session=session, between=last_week)
    week_ago = now - WEEK
    overdue_week_ago = q.count_controls_overdue(
        session=session, at=week_ago, today=program_today(program, week_ago)
    )
    in_scope = summary.controls_in_scope
    iso = monday.isocalendar()
    return Digest(
        program=program.name,
        iso_year=iso.year,
        iso_week=iso.week,
        today=summary.today,
        last_week_start=last_monday,
        readiness_pct=summary.readiness_pct,
        readiness_week_ago_pct=100.0 * (in_scope - overdue_week_ago) / in_scope if in_scope else 0,
        controls_in_scope=in_scope,
        controls_on_track=summary.controls_on_track,
        completed_count=completed_count,
        completed_late=completed_late,
        completed=q.list_completed(
            session=session, between=last_week, tz=program.timezone, limit=limit
        ),
        overdue_count=summary.overdue_count,
        overdue_by_owner=q.overdue_by_owner(session=session, now=now),
        evidence_files=files,
        evidence_attestations=attestations,
        due_soon_count=summary.due_soon_count,
        due_soon=summary.due_soon,
        window_start=summary.window_start,
        window_end=summary.window_end,
        coverage_pct=summary.coverage_pct,
        gap_count=summary.gap_count,
        gaps=summary.gaps,
        campaigns=q.campaigns_in_progress(session=session),
        trend=q.on_time_trend(session=session, mondays=mondays),
        criteria=summary.criteria,
        training_by_team=completion_by_manager(session=session),
        witness=sign_head(session=session, signer=signer or service_signer()),
        expiry=summary.expiry,
    )


def compose_digest_details(
    *, session: Session, now: dt.datetime, posted: str, signer: Signer | None = None
) -> Digest:
    """The facts as of `now` for "Show details", with the witness of the digest it was
    pressed on (`posted`, the button's value) when this service signed it: the details then
    give in full the very head the headline names, not a newer one."""
    signer = signer or service_signer()
    digest = compose_digest(session=session, now=now, signer=signer)
    head = _posted_head(posted, signer)
    return dataclasses.replace(digest, witness=head) if head else digest


def _posted_head(text: str, signer: Signer) -> SignedHead | None:
    """The one witness `text` holds, if its signature is this service's (a forged or stale
    value falls back to the head signed now)."""
    found, _ = read_witnesses(text)
    if len(found) != 1:
        return None
    head = found[0]
    try:
        signer.key.public_key().verify(head.signature, witness_message(head.seq, head.hash))
    except InvalidSignature:
        return None
    return SignedHead(head.seq, head.hash, format_witness(head.seq, head.hash, head.signature))


def digest_send_time(program: Program, now: dt.datetime) -> dt.datetime:
    """This week's Monday 09:00 in the program's timezone, as a UTC instant."""
    return _local_instant(program, _this_monday(program, now), SEND_AT)


def digest_key(program: Program, now: dt.datetime) -> str:
    """The outbox key of this week's digest: `digest:2026-W21` (ISO week, program time)."""
    iso = _this_monday(program, now).isocalendar()
    return f"digest:{iso.year}-W{iso.week:02d}"


def queue_weekly_digest(*, session: Session, now: dt.datetime) -> bool:
    """Queue this week's digest for the leadership channel once it is due; whether it queued.

    Safe to call on every tick: before Monday 09:00 (program time) it does nothing, after it
    the idempotency key makes it happen once per week, however late the first call is.
    """
    program = get_program_or_raise(session=session)
    target = channel_target(program.leadership_channel)
    if target is None or now < digest_send_time(program, now):
        return False
    key = digest_key(program, now)
    queued = select(OutboxMessage.id).where(col(OutboxMessage.idempotency_key) == key)
    if session.exec(queued).first() is not None:
        return False  # checked first: composing and drawing the chart is the costly part
    digest = compose_digest(session=session, now=now)
    message = digest_view(digest, chart=render_digest_chart(digest), ephemeral=False)
    platform, recipient = target
    outgoing = Outgoing(key=key, platform=platform, recipient=recipient, message=message)
    try:
        # A savepoint, so that a replica losing the race on the key keeps its transaction.
        with session.begin_nested():
            row = enqueue_message(session=session, outgoing=outgoing)
    except IntegrityError:
        return False
    return row is not None

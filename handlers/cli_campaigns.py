"""`soc2bot campaign …`: start policy acknowledgement and training rounds, list and refresh them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.audit.history import get_history
from bot.campaigns.audience import refresh_campaign_audiences
from bot.campaigns.messages import round_audit_view, round_line
from bot.campaigns.progress import get_round_detail, list_round_progress
from bot.campaigns.rounds import RoundStart, start_policy_campaign, start_training_round
from bot.chat.refs import parse_campaign_ref
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.plain import render_plain
from bot.core.program import program_zone
from bot.outbox.queue import channel_target
from bot.people.services import get_person_by_email_or_raise
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.services import get_review_progress, start_access_review
from bot.reviews.sources import queue_review_prompt
from handlers.cli_support import friendly, load_settings_or_exit, open_database, out
from models import utcnow

campaign_app = typer.Typer(
    help="Policy acknowledgement and security training rounds, and access reviews.",
    no_args_is_help=True,
)
GROUP_HELP = "Who: all, role:<role>, department:<name> or manager:<email> (their team)."


@campaign_app.command("policy")
def campaign_policy(
    title: Annotated[str, typer.Option(help="The policy's title.")],
    version: Annotated[str, typer.Option(help="The version people accept, e.g. 2.1.")],
    link: Annotated[str | None, typer.Option(help="Where to read it (https://…).")] = None,
    file: Annotated[
        Path | None, typer.Option(help="The policy as a PDF, kept in the evidence store.")
    ] = None,
    summary: Annotated[str | None, typer.Option(help="A few lines shown in the DM.")] = None,
    group: Annotated[str, typer.Option(help=GROUP_HELP)] = "all",
    due: Annotated[str, typer.Option(help="Time to accept, e.g. 14d, 2w, 10bd.")] = "14d",
) -> None:
    """Ask everyone (or a group) to accept this version of a policy; a new version starts a new
    round and the previous one stops counting."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        document = None
        if file is not None:
            from bot.evidence.stores import open_evidence_store

            if not file.is_file():
                raise typer.BadParameter(f"{file} is not a file", param_hint="--file")
            with file.open("rb") as stream:
                document = open_evidence_store(settings).put(
                    stream, original_name=file.name, media_type="application/pdf"
                )
        with db.transaction() as session:
            started = start_policy_campaign(
                session=session, actor=Actor.cli(), title=title, version=version,
                now=utcnow(), link=link, document=document, summary=summary,
                audience=group, due=due,
            )  # fmt: skip
        _say_started(started)


@campaign_app.command("training")
def campaign_training(
    title: Annotated[str, typer.Option(help="The training, e.g. 'Security awareness'.")],
    round_: Annotated[
        str | None, typer.Option("--round", help="The round's label (default: this year).")
    ] = None,
    link: Annotated[str | None, typer.Option(help="Where to take it (https://…).")] = None,
    summary: Annotated[str | None, typer.Option(help="A few lines shown in the DM.")] = None,
    group: Annotated[str, typer.Option(help=GROUP_HELP)] = "all",
    due: Annotated[str, typer.Option(help="Time to complete it, e.g. 30d.")] = "30d",
    every: Annotated[str, typer.Option(help="When the next round starts by itself.")] = "12m",
) -> None:
    """Ask everyone (or a group) to confirm a training round (annual by default); a certificate
    sent in chat is kept as evidence."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        with db.transaction() as session:
            started = start_training_round(
                session=session, actor=Actor.cli(), title=title, now=utcnow(),
                round_label=round_, summary=summary, link=link, audience=group, due=due,
                every=every,
            )  # fmt: skip
        _say_started(started)


MAX_ACCOUNTS_BYTES = 2 * 1024 * 1024  # as for the CSV attached in Slack


@campaign_app.command("review")
def campaign_review(
    name: Annotated[str, typer.Option(help="The review's name, e.g. 'Q3 prod access'.")],
    reviewer: Annotated[str, typer.Option(help="Who decides on the accounts (email).")],
    accounts: Annotated[
        Path, typer.Option(help="CSV: account (required), email, system, system_owner.")
    ],
    channel: Annotated[
        str, typer.Option(help="Where the prompt is posted: a Slack channel id or teams:conv:<id>.")
    ],
    control: Annotated[
        str | None, typer.Option(help="The control it proves, e.g. CC6.1-AR.")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Only to make the control's owner its reviewer: why (audit trail)."),
    ] = None,
) -> None:
    """Start an access review from a CSV of accounts; the running service posts its prompt.

    As in chat, a control's owner never reviews it unless --reason says why, and nobody
    decides on their own account."""
    settings = load_settings_or_exit()
    with friendly():
        if not accounts.is_file():
            raise typer.BadParameter(f"{accounts} is not a file", param_hint="--accounts")
        with accounts.open("rb") as stream:
            data = stream.read(MAX_ACCOUNTS_BYTES + 1)
        if len(data) > MAX_ACCOUNTS_BYTES:
            raise InvalidInput("The CSV is larger than 2 MB; split the review into smaller ones.")
        rows = parse_accounts_csv(data)
        target = channel_target(channel)
        if target is None:
            raise typer.BadParameter("say where the prompt goes", param_hint="--channel")
        db = open_database(settings)
        with db.transaction() as session:
            campaign = start_access_review(
                session=session, actor=Actor.cli(), name=name, rows=rows,
                reviewer=get_person_by_email_or_raise(session=session, email=reviewer),
                channel=channel, now=utcnow(), control_key=control, reason=reason,
            )  # fmt: skip
            progress = get_review_progress(session=session, campaign_id=campaign.id or 0, page=0)
            queue_review_prompt(session=session, campaign_id=campaign.id or 0, target=target)
            started = f"Started camp-{campaign.id}: {campaign.name}"
    out.print(
        f"{started} — {progress.total} accounts, reviewer {', '.join(progress.reviewers)}. "
        f"The prompt is queued for {channel}.",
        markup=False,
    )


def _say_started(started: RoundStart) -> None:
    campaign = started.campaign
    out.print(
        f"Started camp-{campaign.id}: {campaign.name} — {started.enrolled} people, "
        f"{started.queued} DMs queued.",
        markup=False,
    )
    if started.superseded:
        out.print(
            f"camp-{started.superseded} is superseded: its answers do not count for this one."
        )
    if started.unreachable:
        out.print(
            f"{len(started.unreachable)} without a linked Slack or Teams account get it once "
            f"they are linked: {', '.join(started.unreachable)}",
            markup=False,
        )


@campaign_app.command("list")
def campaign_list() -> None:
    """The open rounds and their progress."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        with db.session() as session:
            rounds = list_round_progress(session=session, now=utcnow())
    if not rounds:
        out.print("No policy or training round is open.")
    for line in (round_line(p) for p in rounds):
        out.print(f"{line.text}\n  {line.detail}", markup=False)


@campaign_app.command("show")
def campaign_show(ref: Annotated[str, typer.Argument(help="The round, e.g. camp-12.")]) -> None:
    """Who has answered a round, who has not, and its audit trail."""
    settings = load_settings_or_exit()
    with friendly():
        campaign_id = parse_campaign_ref(ref)
        db = open_database(settings)
        now = utcnow()
        with db.session() as session:
            detail = get_round_detail(session=session, campaign_id=campaign_id, now=now)
            trail = get_history(session=session, campaign_id=campaign_id)
            zone = program_zone(session=session)  # the terminal's reader: the program's zone
        out.print(render_plain(round_audit_view(detail, trail, zone=zone)), markup=False)


@campaign_app.command("refresh")
def campaign_refresh() -> None:
    """Enroll new people and withdraw deactivated ones now (the scheduler does it daily)."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        with db.transaction() as session:
            change = refresh_campaign_audiences(session=session, now=utcnow())
    out.print(
        f"Enrolled {change.enrolled}, withdrew {change.withdrawn}, "
        f"renewed {change.renewed} training round(s)."
    )

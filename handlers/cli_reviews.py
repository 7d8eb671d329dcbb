"""`soc2bot review …`: preview a source's accounts, start a pulled review, verify revocations."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bot.connectors.facts import SourceError
from bot.connectors.registry import pull_population
from bot.connectors.snapshot import account_record
from bot.core.actor import Actor
from bot.core.settings import connector_env
from bot.evidence.stores import open_evidence_store
from bot.reviews.facts import FLAGS
from bot.reviews.population import map_population
from bot.reviews.sources import current_review_work, pull_and_start, task_source
from bot.reviews.verify import verify_revocations
from handlers.cli_support import err, friendly, load_settings_or_exit, open_database, out
from models import utcnow

review_app = typer.Typer(
    help="Access reviews whose accounts come from a system (the catalog's review: source).",
    no_args_is_help=True,
)
TASK_HELP = "The access-review task's id in the catalog, e.g. github-access-review."


@review_app.command("pull")
def review_pull(
    task: Annotated[str, typer.Argument(help=TASK_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Pull the task's source now and print every account, mapped and flagged. Starts nothing."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        now = utcnow()
        with db.session() as session:
            _, spec = task_source(session=session, task_key=task)
        try:
            population = pull_population(spec, env=connector_env(), now=now)
        except SourceError as exc:
            err.print(f"Not pulled: {exc}", style="red", markup=False, soft_wrap=True)
            raise typer.Exit(1) from None
        with db.session() as session:
            mapped = map_population(session, population, now)
    if as_json:
        accounts = [
            account_record(m.account)
            | {"person": m.person.email if m.person else None, "flags": list(m.flags)}
            for m in mapped
        ]
        document = {
            "source": population.label,
            "pulled_at": population.pulled_at.isoformat(),
            "count": len(accounts),
            "accounts": accounts,
        }
        sys.stdout.write(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        return
    flagged = sum(1 for m in mapped if m.flags)
    out.print(f"{population.label}: {len(mapped)} accounts, {flagged} flagged.", markup=False)
    for m in mapped:
        who = m.person.name if m.person else "no matching person"
        flags = ", ".join(FLAGS[f] for f in m.flags)
        out.print(f"  {m.account.name} · {who}" + (f" · ⚠ {flags}" if flags else ""), markup=False)


@review_app.command("start")
def review_start(task: Annotated[str, typer.Argument(help=TASK_HELP)]) -> None:
    """Pull the task's source and start its review now (as when its work opens)."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        now = utcnow()
        with db.session() as session:
            occurrence_id = current_review_work(session=session, task_key=task, now=now)
        outcome = pull_and_start(
            db=db, store=open_evidence_store(settings), env=connector_env(), now=now,
            occurrence_id=occurrence_id, actor=Actor.cli(),
        )  # fmt: skip
    if outcome.started is None:
        err.print(f"Not started: {outcome.failure}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    started = outcome.started
    refs = ", ".join(f"camp-{c}" for c in started.campaign_ids)
    how = "each manager's share by DM" if started.split else "the prompt is queued"
    out.print(
        f"Started {refs}: {started.accounts} accounts, {started.flagged} flagged; {how}. "
        f"Snapshot sha256 {started.snapshot_sha256}.",
        markup=False,
    )


@review_app.command("verify")
def review_verify(
    task: Annotated[str | None, typer.Argument(help=TASK_HELP + " Default: every task.")] = None,
) -> None:
    """Re-pull the sources now and close the follow-ups whose revoked access is gone."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        outcomes = verify_revocations(
            db=db, store=open_evidence_store(settings), env=connector_env(), now=utcnow(),
            task_key=task, every_day=False,
        )  # fmt: skip
    if not outcomes:
        out.print("No open follow-up of a pulled review to verify.")
    failed = False
    for o in outcomes:
        if o.failure:
            failed = True
            err.print(f"{o.source}: not checked: {o.failure}", style="red", markup=False)
        else:
            out.print(
                f"{o.source}: {o.closed} of {o.checked} gone (closed with evidence), "
                f"{o.still_present} still there.",
                markup=False,
            )
    if failed:
        raise typer.Exit(1)

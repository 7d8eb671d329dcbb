"""The `soc2bot` command line (Typer + rich): serve, status, catalog, audit, export, db, demo."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot import __version__, bootstrap
from bot.actor import Actor
from bot.audit import event_as_dict, list_events, verify_chain
from bot.audit_chain import ChainReport
from bot.catalog.validate import validate_catalog_text
from bot.command_refs import classify_audit_ref, parse_iso_date
from bot.commands import parse_command
from bot.db import DATABASE_UNAVAILABLE, Database, is_database_outage
from bot.digest_chart import render_digest_chart
from bot.dispatch import CommandContext, run_command
from bot.errors import InvalidInput, SoC2BotError
from bot.evidence_check import EvidenceReport, verify_evidence_files
from bot.export import build_bundle, verify_bundle
from bot.export.verify import describe
from bot.logs import configure_logging, new_correlation_id
from bot.messages import render_plain
from bot.services.digest import compose_digest
from bot.services.history import get_history
from bot.services.people import get_person_by_email_or_raise
from bot.settings import Settings, SettingsError, load_settings
from bot.views_digest import digest_view
from bot.views_export import export_lines
from handlers.cli_campaigns import campaign_app
from models import AuditEvent, utcnow

log = logging.getLogger("soc2bot.cli")
app = typer.Typer(
    help="soc2bot: run your SOC 2 program from Slack and Teams.", no_args_is_help=True
)
catalog_app = typer.Typer(help="Validate and apply the control catalog.", no_args_is_help=True)
audit_app = typer.Typer(help="Check and read the audit trail.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
manifest_app = typer.Typer(help="Print chat app manifests.", no_args_is_help=True)
people_app = typer.Typer(help="Sync people from Slack, Teams or HR.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(manifest_app, name="manifest")
app.add_typer(campaign_app, name="campaign")
app.add_typer(people_app, name="people")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)
T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@contextmanager
def _friendly() -> Iterator[None]:
    """Show a user error as one clear line, never a traceback."""
    try:
        yield
    except SoC2BotError as exc:
        err.print(exc.user_text(), style="red", markup=False)
        raise typer.Exit(1) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if is_database_outage(exc):
            err.print(DATABASE_UNAVAILABLE, style="red", markup=False)
            raise typer.Exit(75) from None  # EX_TEMPFAIL: try again later
        reference = new_correlation_id()
        log.exception("command failed", extra={"correlation_id": reference})
        err.print(
            f"Something went wrong on our side (reference {reference}); the log has details.",
            style="red",
            markup=False,
        )
        raise typer.Exit(70) from None


def _database(settings: Settings, *, prepared: bool = True) -> Database:
    db = Database(settings.database_url)
    db.upgrade()
    if prepared and not bootstrap.has_program(db):
        bootstrap.prepare(settings, db)
    return db


def _version(value: bool) -> None:
    if value:
        out.print(f"soc2bot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """soc2bot command line."""
    configure_logging("WARNING")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (SOC2BOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (SOC2BOT_PORT).")] = None,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Run no tickers.")] = False,
) -> None:
    """Start the HTTP service (migrates the database and loads the catalog first)."""
    import os

    import uvicorn

    settings = _settings()
    if settings.catalog is not None:
        # Check the catalog before the server starts, so a bad one is listed by path here.
        if not settings.catalog.is_file():
            err.print(f"SOC2BOT_CATALOG: no file at {settings.catalog}", style="red")
            raise typer.Exit(2)
        with _friendly():
            _read_catalog(settings.catalog, _database(settings, prepared=False))
    if no_scheduler:
        os.environ["SOC2BOT_SCHEDULER"] = "false"
    uvicorn.run(
        "bot.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def status() -> None:
    """Print the program's posture: readiness, criteria, overdue, window coverage."""
    ask("status")


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="A chat command, e.g. 'mine' or 'control CC6.1-AR'.")],
    as_: Annotated[
        str | None, typer.Option("--as", help="Act as this person (email) instead of the CLI.")
    ] = None,
) -> None:
    """Run any chat command from the terminal, as the CLI (admin) or as a person."""
    settings = _settings()
    with _friendly():
        db = _database(settings)
        actor = Actor.cli()
        if as_:
            with db.session() as session:
                actor = Actor.for_person(get_person_by_email_or_raise(session=session, email=as_))
        message = run_command(parse_command(text), CommandContext(db=db, actor=actor, now=utcnow()))
        out.print(render_plain(message), markup=False)


def _read_catalog(file: Path, db: Database) -> Any:
    text = file.read_text("utf-8")
    return validate_catalog_text(text, known_emails=bootstrap.known_emails(db))


@catalog_app.command("validate")
def catalog_validate(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Check a catalog file; list every error by path. Changes nothing."""
    settings = _settings()
    with _friendly():
        db = _database(settings, prepared=False)
        spec = validate_catalog_text(
            file.read_text("utf-8"), known_emails=bootstrap.known_emails(db)
        )
    tasks = sum(len(ctl.tasks) for ctl in spec.controls)
    out.print(f"OK: {len(spec.controls)} controls, {tasks} tasks, {len(spec.people)} people.")


@catalog_app.command("sync")
def catalog_sync(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Apply a catalog: all or nothing, idempotent, every change audit-logged."""
    settings = _settings()
    with _friendly():
        db = _database(settings, prepared=False)
        spec = validate_catalog_text(
            file.read_text("utf-8"), known_emails=bootstrap.known_emails(db)
        )
        report, created = bootstrap.apply_catalog(
            db, spec, actor=Actor.cli(), now=utcnow(), horizon_days=settings.horizon_days
        )
    for line in report.changes:
        out.print(f"  {line}", markup=False)
    summary = f"{len(report.changes)} change(s)" if report.changed else "No changes"
    out.print(f"{summary}; {created} new occurrence(s).")


@audit_app.command("verify")
def audit_verify(
    bundle: Annotated[
        Path | None,
        typer.Argument(
            help="An export bundle (zip or extracted folder); without it, the database."
        ),
    ] = None,
    head: Annotated[
        str | None, typer.Option(help="With a bundle: fail unless its chain ends at this hash.")
    ] = None,
    files: Annotated[
        bool,
        typer.Option(
            "--files/--no-files",
            help="Also re-hash every evidence file against its recorded SHA-256 (default).",
        ),
    ] = True,
) -> None:
    """Re-hash the audit chain and the evidence files (or a bundle); exit 1 naming what is wrong."""
    if bundle is not None:
        _verify_bundle(bundle, head)
        return
    from bot.evidence_store import open_evidence_store

    with _friendly():
        settings = _settings()
        db = _database(settings, prepared=False)
        with db.session() as session:
            report = verify_chain(session=session)
            stored = (
                verify_evidence_files(session=session, store=open_evidence_store(settings))
                if files
                else None
            )
    chain_ok = _print_chain_report(report)
    if (stored is None or _print_evidence_report(stored)) and chain_ok:
        return
    raise typer.Exit(1)


def _print_chain_report(report: ChainReport) -> bool:
    if report.ok:
        out.print(
            f"Audit chain intact: {report.checked} events, head #{report.head_seq} "
            f"{report.head_hash[:16]}…"
        )
        return True
    err.print(
        f"Audit chain BROKEN at event {report.broken_seq}: {report.problem}",
        style="red",
        markup=False,
    )
    return False


def _print_evidence_report(report: EvidenceReport) -> bool:
    if report.ok:
        out.print(f"Evidence files intact: {report.checked} file(s) re-hashed.")
        return True
    for problem in report.problems:
        err.print(
            f"Evidence #{problem.evidence_id} ({problem.name}): {problem.problem}",
            style="red",
            markup=False,
        )
    if report.broken > len(report.problems):
        err.print(f"…and {report.broken - len(report.problems)} more.", style="red")
    err.print(
        f"Evidence files BROKEN: {report.broken} of {report.checked} file(s) missing or altered.",
        style="red",
    )
    return False


def _verify_bundle(bundle: Path, head: str | None) -> None:
    report = verify_bundle(bundle, expected_head=head)
    lines = describe(report, bundle)
    for line in lines[:-1]:
        err.print(line, style="red", markup=False)
    (out if report.ok else err).print(lines[-1], markup=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export(
    start: Annotated[str, typer.Option("--from", help="First day of the window (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the window, included.")],
    out_file: Annotated[Path, typer.Option("--out", help="The zip file to write.")],
) -> None:
    """Build the auditor's evidence bundle for a window; print what it holds and its SHA-256."""
    from bot.evidence_store import open_evidence_store

    settings = _settings()
    with _friendly():
        first, last = parse_iso_date(start), parse_iso_date(end)
        if first > last:
            raise InvalidInput(f"--from {first} is after --to {last}.")
        if not out_file.parent.is_dir():
            raise InvalidInput(f"Cannot write {out_file}: the folder {out_file.parent} is missing.")
        db = _database(settings)
        summary = build_bundle(
            db=db,
            store=open_evidence_store(settings),
            start=first,
            end=last,
            out=out_file,
            actor=Actor.cli(),
            now=utcnow(),
        )
    out.print(f"Wrote {out_file}", markup=False)
    for label, value in export_lines(summary):
        out.print(f"  {label}: {value}", markup=False)
    if summary.chain_problem:
        err.print(f"Warning: the audit chain is broken: {summary.chain_problem}", style="red")


@audit_app.command("log")
def audit_log(
    subject: Annotated[
        str | None, typer.Option(help="A control id, occurrence (#123) or campaign (camp-1).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show the newest audit events, optionally for one subject."""
    with _friendly():
        db = _database(_settings(), prepared=False)
        with db.session() as session:
            events = _events(session, subject, limit)
    if as_json:
        for event in events:
            out.print(json.dumps(event_as_dict(event), ensure_ascii=False), markup=False)
        return
    table = Table("seq", "when (UTC)", "actor", "action", "subject", "details")
    for e in events:
        table.add_row(
            str(e.seq),
            f"{e.occurred_at:%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.action,
            f"{e.subject_type} {e.subject_id}",
            _short(e.details),
        )
    out.print(table)


def _events(session: Any, subject: str | None, limit: int) -> list[AuditEvent]:
    if subject is None:
        return list(list_events(session=session, limit=limit))
    kind, ref = classify_audit_ref(subject)
    found = get_history(
        session=session,
        control_key=str(ref) if kind == "control" else None,
        occurrence_id=int(ref) if kind == "occurrence" else None,
        campaign_id=int(ref) if kind == "campaign" else None,
        limit=limit,
    )
    return found.events


def _short(details: dict[str, Any]) -> str:
    text = json.dumps(details, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations."""
    settings = _settings()
    with _friendly():
        Database(settings.database_url).upgrade()
    out.print("Database is at the latest schema.")


@app.command()
def demo() -> None:
    """Seed a fictional company with a year of history into the configured database."""
    from bot.demo import seed_demo
    from bot.evidence_store import open_evidence_store

    settings = _settings()
    with _friendly():
        db = _database(settings, prepared=False)
        report = seed_demo(db=db, store=open_evidence_store(settings), now=utcnow())
    out.print(f"Demo data seeded: {report}")


@app.command()
def digest(
    preview: Annotated[
        bool, typer.Option("--preview", help="Write digest.txt and digest.png locally.")
    ] = False,
    out_dir: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Where --preview writes the files.")
    ] = Path("."),
) -> None:
    """Show this week's leadership digest; with --preview, write its text and chart to files."""
    with _friendly():
        db = _database(_settings())
        with db.session() as session:
            facts = compose_digest(session=session, now=utcnow())
        chart = render_digest_chart(facts)
    text = render_plain(digest_view(facts, chart=chart))
    if not preview:
        out.print(text, markup=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    text_path, chart_path = out_dir / "digest.txt", out_dir / "digest.png"
    text_path.write_text(text + "\n", "utf-8")
    chart_path.write_bytes(chart)
    out.print(f"Wrote {text_path}", markup=False)
    out.print(f"Wrote {chart_path} ({len(chart):,} bytes)", markup=False)


@people_app.command("sync")
def people_sync(
    slack: Annotated[bool, typer.Option("--slack", help="Read the Slack workspace.")] = False,
    teams: Annotated[
        str | None,
        typer.Option(
            "--teams", metavar="TEAM_CONVERSATION_ID", help="Read this Teams team's roster."
        ),
    ] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            exists=True,
            dir_okay=False,
            help="Read an HR export: email, name, active, manager_email, timezone, department.",
        ),
    ] = None,
    deactivate_missing: Annotated[
        bool,
        typer.Option("--deactivate-missing", help="Deactivate people the directory omits."),
    ] = False,
) -> None:
    """Add and update people; flag who left and list the work they held (no flag: all platforms)."""
    from bot.views_directory import sync_summary_lines
    from handlers.people_sync import sync_people

    settings = _settings()
    with _friendly():
        db = _database(settings)
        notes, report = sync_people(
            settings,
            db,
            slack=slack,
            teams=teams,
            csv=csv_file,
            deactivate_missing=deactivate_missing,
            now=utcnow(),
        )
    for line in [*notes, *sync_summary_lines(report)]:
        out.print(line, markup=False)


@manifest_app.command("slack")
def manifest_slack(
    url: Annotated[
        str | None, typer.Option(help="Public base URL, e.g. https://soc2bot.acme.com")
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="For Socket Mode: no URLs needed.")
    ] = False,
) -> None:
    """Print the Slack app manifest (YAML) with this service's URLs filled in."""
    from handlers.slack.manifest import manifest_yaml

    if not socket_mode and not (url and url.startswith("https://")):
        err.print("Give --url https://your-host (Slack needs HTTPS), or --socket-mode.")
        raise typer.Exit(2)
    out.print(manifest_yaml(url or "", socket_mode=socket_mode), markup=False, end="")


@manifest_app.command("teams")
def manifest_teams(
    app_id: Annotated[str, typer.Option("--app-id", help="The bot's Microsoft App ID.")],
    out: Annotated[Path, typer.Option(help="Where to write the app package.")] = Path("app.zip"),
    domain: Annotated[str | None, typer.Option(help="Your soc2bot host, if any.")] = None,
) -> None:
    """Write the Teams app package (manifest.json + icons) to upload in Teams."""
    import re

    from handlers.teams.manifest import write_package

    if not re.fullmatch(r"[0-9a-fA-F-]{36}", app_id):
        err.print("--app-id must be the bot's Microsoft App ID (a GUID).")
        raise typer.Exit(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_package(app_id, out, domain=domain)
    typer.echo(f"Wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app).")


def main() -> None:
    """Console-script entry point."""
    app()

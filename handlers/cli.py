"""The `soc2bot` command line (Typer + rich): serve, status, catalog, audit, export, db, demo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bot import __version__
from bot.catalog import bootstrap
from bot.catalog.overdue import OverdueWorkRefused
from bot.catalog.reviews import review_warnings
from bot.catalog.schema import CatalogSpec
from bot.catalog.validate import validate_catalog_text
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import CatalogInvalid
from bot.core.logs import configure_logging
from bot.core.plain import render_plain
from bot.core.settings import Settings, connector_env
from bot.digest.chart import render_digest_chart
from bot.digest.messages import digest_full_view
from bot.digest.services import compose_digest
from bot.evidence.stores import open_evidence_store
from bot.people.services import get_person_by_email_or_raise
from handlers.cli_audit import audit_app, export
from handlers.cli_campaigns import campaign_app
from handlers.cli_evidence import evidence_app
from handlers.cli_platforms import manifest_app, people_app
from handlers.cli_reviews import review_app
from handlers.cli_sample import sample_app
from handlers.cli_support import err, out
from handlers.cli_support import friendly as _friendly
from handlers.cli_support import load_settings_or_exit as _settings
from handlers.cli_support import open_database as _database
from models import utcnow

app = typer.Typer(
    help="soc2bot: run your SOC 2 program from Slack and Teams.", no_args_is_help=True
)
catalog_app = typer.Typer(help="Validate and apply the control catalog.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(manifest_app, name="manifest")
app.add_typer(campaign_app, name="campaign")
app.add_typer(review_app, name="review")
app.add_typer(evidence_app, name="evidence")
app.command("export")(export)
app.add_typer(people_app, name="people")
app.add_typer(sample_app, name="sample")


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
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Worker processes sharing the port (PostgreSQL only; 1 by default)."
        ),
    ] = 1,
) -> None:
    """Start the HTTP service (migrates the database and loads the catalog first)."""

    import uvicorn

    settings = _settings()
    shared = _share_metrics_between(settings) if workers > 1 else None
    if settings.catalog is not None:
        # Check the catalog before the server starts, so a bad one is listed by path here.
        if not settings.catalog.is_file():
            err.print(f"SOC2BOT_CATALOG: no file at {settings.catalog}", style="red")
            raise typer.Exit(2)
        with _friendly():
            _read_catalog(settings.catalog, _database(settings, prepared=False))
    if no_scheduler:
        os.environ["SOC2BOT_SCHEDULER"] = "false"
    try:
        uvicorn.run(
            "bot.app:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            log_config=None,
            proxy_headers=True,
            workers=workers,
        )
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)


def _share_metrics_between(settings: Settings) -> Path:
    """Several workers: refuse SQLite, and give the workers a folder to pool metrics in."""
    import tempfile

    from bot.web.metrics import MULTIPROCESS_DIR

    if make_url(settings.database_url).get_backend_name() == "sqlite":
        err.print(
            "--workers needs PostgreSQL: with SQLite one process serves everything (its "
            "scheduler and its writes assume it). Leave --workers out, or set DATABASE_URL "
            "to a PostgreSQL database.",
            style="red",
        )
        raise typer.Exit(2)
    # A fresh folder per start: files left by an earlier run's workers would be counted.
    folder = tempfile.mkdtemp(prefix="soc2bot-metrics-")
    os.environ[MULTIPROCESS_DIR] = folder
    return Path(folder)


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


def _read_catalog(file: Path, db: Database) -> CatalogSpec:
    """The validated catalog, or its errors listed one per line and exit 1."""
    text = file.read_text("utf-8")
    try:
        return validate_catalog_text(text, known_emails=bootstrap.known_emails(db))
    except CatalogInvalid as exc:
        # One error per line even when piped into a file or a CI log (no wrapping at 80).
        err.print(exc.user_text(), style="red", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None


@catalog_app.command("validate")
def catalog_validate(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Check a catalog file; list every error by path. Changes nothing."""
    settings = _settings()
    with _friendly():
        spec = _read_catalog(file, _database(settings, prepared=False))
    tasks = sum(len(ctl.tasks) for ctl in spec.controls)
    out.print(f"OK: {len(spec.controls)} controls, {tasks} tasks, {len(spec.people)} people.")
    _warn_reviews(spec)


def _warn_reviews(spec: CatalogSpec) -> None:
    """Review sources this environment cannot pull yet: a warning, the catalog stays valid."""
    for warning in review_warnings(spec, connector_env()):
        err.print(f"Warning: {warning}", style="yellow", markup=False, soft_wrap=True)


@catalog_app.command("sync")
def catalog_sync(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    start_today: Annotated[
        bool,
        typer.Option(
            "--start-today",
            help="Start new and changed tasks today, so no past (overdue) periods are made.",
        ),
    ] = False,
    accept_overdue: Annotated[
        bool,
        typer.Option(
            "--accept-overdue", help="Create work whose due day has already passed anyway."
        ),
    ] = False,
) -> None:
    """Apply a catalog: all or nothing, idempotent, every change audit-logged.

    It stops, changing nothing, if it would create work that is already overdue."""
    settings = _settings()
    with _friendly():
        db = _database(settings, prepared=False)
        spec = _read_catalog(file, db)
        try:
            report, created = bootstrap.apply_catalog(
                db, spec, actor=Actor.cli(), now=utcnow(), horizon_days=settings.horizon_days,
                start_today=start_today, accept_overdue=accept_overdue,
                store=open_evidence_store(settings), base_dir=file.parent,
            )  # fmt: skip
        except OverdueWorkRefused as refused:
            _say_overdue_refused(refused, file)
            raise typer.Exit(1) from None
    _warn_reviews(spec)
    for line in report.changes:
        out.print(f"  {line}", markup=False)
    summary = f"{len(report.changes)} change(s)" if report.changed else "No changes"
    overdue = f", {report.overdue} of them already overdue" if report.overdue else ""
    out.print(f"{summary}; {created} new occurrence(s){overdue}.")


def _say_overdue_refused(refused: OverdueWorkRefused, file: Path) -> None:
    # Already wrapped by the message renderer: wrapping again would break its lines.
    err.print(refused.message, style="yellow", markup=False, soft_wrap=True)
    err.print(
        f"\nWays forward:\n"
        f"  soc2bot catalog sync {file} --start-today\n"
        f"      new and changed tasks start today: no past periods are generated\n"
        f"  soc2bot catalog sync {file} --accept-overdue\n"
        f"      create the {refused.forecast.total} overdue occurrence(s) anyway",
        markup=False,
        soft_wrap=True,  # commands to copy: never broken across lines
    )


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
    from bot.demo.seed import seed_demo
    from bot.evidence.stores import open_evidence_store

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
    text = render_plain(digest_full_view(facts, chart=chart))
    if not preview:
        out.print(text, markup=False)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    text_path, chart_path = out_dir / "digest.txt", out_dir / "digest.png"
    text_path.write_text(text + "\n", "utf-8")
    chart_path.write_bytes(chart)
    out.print(f"Wrote {text_path}", markup=False)
    out.print(f"Wrote {chart_path} ({len(chart):,} bytes)", markup=False)


def main() -> None:
    """Console-script entry point."""
    app()

"""`soc2bot people sync` and `soc2bot manifest slack|teams`: the chat platforms' side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from handlers.cli_support import err, friendly, load_settings_or_exit, open_database, out
from models import utcnow

people_app = typer.Typer(help="Sync people from Slack, Teams or HR.", no_args_is_help=True)
manifest_app = typer.Typer(help="Print chat app manifests.", no_args_is_help=True)


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
    from bot.directory.messages import sync_summary_lines
    from handlers.people_sync import sync_people

    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
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
    out_path: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="FILE.zip|FOLDER",
            show_default=False,
            help="The package's file, or a folder (created if needed) to write "
            "soc2bot-teams.zip into. Default: ./soc2bot-teams.zip",
        ),
    ] = Path("."),
    domain: Annotated[
        str | None,
        typer.Option(
            metavar="HOST",
            help="Your soc2bot host name, e.g. soc2bot.acme.com (no https://, path or port).",
        ),
    ] = None,
) -> None:
    """Write the Teams app package (manifest.json + icons) to upload in Teams."""
    import re

    from handlers.cli_manifest import OptionError, public_host_name, write_teams_package

    if not re.fullmatch(r"[0-9a-fA-F-]{36}", app_id):
        err.print("--app-id must be the bot's Microsoft App ID (a GUID).")
        raise typer.Exit(2)
    try:
        host = public_host_name(domain) if domain is not None else None
        written = write_teams_package(app_id, out_path, domain=host)
    except OptionError as exc:
        err.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    typer.echo(f"Wrote {written}: upload it in Teams (Apps → Manage your apps → Upload an app).")

"""`soc2bot sample …`: draw an auditor's sample from a control's work or a campaign, show it,
add to it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from bot.chat.refs import parse_campaign_ref, parse_iso_date
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.plain import render_plain
from bot.sampling.facts import SampleDetail
from bot.sampling.messages import sample_view
from bot.sampling.services import detail_of, draw_sample, extend_sample, get_sample_detail
from handlers.cli_signing import signer_or_exit
from handlers.cli_support import friendly, load_settings_or_exit, open_database, out
from models import utcnow

sample_app = typer.Typer(
    help="An auditor's sample, drawn reproducibly: `soc2bot sample --control ID --from DATE "
    "--to DATE` (or --campaign camp-N, --follow-ups camp-N), then `show` and `add`.",
    no_args_is_help=True,
)
CAMPAIGN_HELP = "A campaign (camp-12): sample its items (accounts, acknowledgements)."


def _typed(command: str) -> str:
    return f"soc2bot {command}"


def _say(detail: SampleDetail) -> None:
    out.print(render_plain(sample_view(detail, typed=_typed)), markup=False)


def _campaign(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() else parse_campaign_ref(text)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return parse_iso_date(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{option}: {exc.message}") from None


@sample_app.callback(invoke_without_command=True)
def sample(
    ctx: typer.Context,
    control: Annotated[
        str | None, typer.Option(help="A control id: sample its work due in the window.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First due day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last due day, included.")] = None,
    campaign: Annotated[str | None, typer.Option(help=CAMPAIGN_HELP)] = None,
    follow_ups: Annotated[
        str | None,
        typer.Option("--follow-ups", help="A campaign (camp-12): sample its follow-ups."),
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(min=1, help="How many to draw (default: by the control's frequency)."),
    ] = None,
    seed: Annotated[
        str | None, typer.Option(help="The seed, to draw a sample again (default: a new one).")
    ] = None,
) -> None:
    """Draw a sample: `--control ID --from DATE --to DATE`, `--campaign camp-N` or
    `--follow-ups camp-N`; the seed, population hash and selection go to the audit trail."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings_or_exit()
    with friendly():
        if campaign is not None and follow_ups is not None:
            raise InvalidInput("Give --campaign or --follow-ups, not both.")
        which = campaign if campaign is not None else follow_ups
        db = open_database(settings)
        now = utcnow()
        with db.transaction() as session:
            drawn = draw_sample(
                session=session, actor=Actor.cli(), now=now, control=control,
                start=_date(start, "--from"), end=_date(end, "--to"),
                campaign_id=_campaign(which) if which is not None else None,
                follow_ups=follow_ups is not None, size=size, seed=seed,
            )  # fmt: skip
            detail = detail_of(session, drawn, now)
    _say(detail)


@sample_app.command("show")
def sample_show(
    sample_id: Annotated[int, typer.Argument(min=1, help="The sample's number.")],
) -> None:
    """Show a sample: its population, seed and hash, and each drawn item's state and evidence."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        with db.session() as session:
            detail = get_sample_detail(
                session=session, actor=Actor.cli(), sample_id=sample_id, now=utcnow()
            )
    _say(detail)


@sample_app.command("add")
def sample_add(
    sample_id: Annotated[int, typer.Argument(min=1, help="The sample's number.")],
    count: Annotated[int, typer.Argument(min=1, help="How many more to draw.")],
) -> None:
    """Draw more from what the sample has not drawn yet, continuing its seed; logged."""
    settings = load_settings_or_exit()
    with friendly():
        db = open_database(settings)
        now = utcnow()
        with db.transaction() as session:
            grown = extend_sample(
                session=session, actor=Actor.cli(), sample_id=sample_id, count=count, now=now
            )
            detail = detail_of(session, grown, now, added=count)
    _say(detail)


def export_sample(sample_id: int, out_file: Path, *, window: tuple[str | None, str | None]) -> None:
    """`soc2bot export --sample N --out FILE`: the sample's own small bundle, with verify.py."""
    from bot.evidence.stores import open_evidence_store
    from bot.export.sample_bundle import build_sample_bundle

    settings = load_settings_or_exit()
    with friendly():
        if window != (None, None):
            raise InvalidInput("A sample's bundle holds the sample's items: leave out --from/--to.")
        if not out_file.parent.is_dir():
            raise InvalidInput(f"Cannot write {out_file}: the folder {out_file.parent} is missing.")
        signer = signer_or_exit(settings)
        built = build_sample_bundle(
            db=open_database(settings), store=open_evidence_store(settings), sample_id=sample_id,
            out=out_file, actor=Actor.cli(), now=utcnow(), signer=signer,
        )  # fmt: skip
    out.print(f"Wrote {out_file}", markup=False)
    out.print(
        f"  Sample {built.sample_id}: {built.items} items, {built.evidence} evidence records, "
        f"{built.files} files\n  SHA-256: {built.sha256}\n"
        "  Check it with `python verify.py` in the extracted bundle (nothing to install)",
        markup=False,
    )

"""`soc2bot audit verify|log` and `soc2bot export`: the trail, bundles and their checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.audit.chain import ChainReport
from bot.audit.history import get_history, get_names
from bot.audit.messages import zone_name
from bot.audit.sentences import sentence
from bot.audit.trail import event_as_dict, list_events
from bot.audit.verify import verify_chain
from bot.audit.witness import WitnessCheck, check_witnesses
from bot.chat.refs import classify_audit_ref, parse_iso_date
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.program import program_zone
from bot.evidence.check import EvidenceReport, verify_evidence_files
from bot.export import build_bundle, verify_bundle
from bot.export.messages import export_lines
from bot.export.verify import describe
from handlers.cli_sample import export_sample
from handlers.cli_signing import (
    audit_pubkey,
    print_witnesses,
    public_key_option,
    signer_or_exit,
    witness_option,
)
from handlers.cli_support import err, friendly, load_settings_or_exit, open_database, out
from models import AuditEvent, utcnow

audit_app = typer.Typer(help="Check and read the audit trail.", no_args_is_help=True)
audit_app.command("pubkey")(audit_pubkey)


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
    pubkey: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="Ed25519 public key (hex, base64 or a PEM file) to check signatures with; "
            "a bundle's signature is checked only when it is given, the database's witnesses "
            "default to this service's key.",
        ),
    ] = None,
    witness: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="soc2bot-head lines copied from digests: fail unless the chain extends each.",
        ),
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
    key = public_key_option(pubkey) if pubkey is not None else None
    witnessed = witness_option(witness) if witness is not None else None
    if bundle is not None:
        _verify_bundle(bundle, head, key, witnessed)
        return
    from bot.evidence.stores import open_evidence_store

    checks: tuple[list[WitnessCheck], list[str]] | None = None
    with friendly():
        settings = load_settings_or_exit()
        if witnessed is not None and key is None:
            key = signer_or_exit(settings, create=False).public_key
        db = open_database(settings, prepared=False)
        with db.session() as session:
            report = verify_chain(session=session)
            stored = (
                verify_evidence_files(session=session, store=open_evidence_store(settings))
                if files
                else None
            )
            if witnessed is not None and key is not None:
                checks = check_witnesses(session=session, text=witnessed, public_key=key)
    chain_ok = _print_chain_report(report)
    evidence_ok = stored is None or _print_evidence_report(stored)
    if (checks is None or print_witnesses(*checks)) and evidence_ok and chain_ok:
        return
    raise typer.Exit(1)


def _print_chain_report(report: ChainReport) -> bool:
    if report.ok:
        out.print(
            f"Audit chain intact: {report.checked} events, head event {report.head_seq} "
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


def _verify_bundle(
    bundle: Path, head: str | None, key: bytes | None, witnessed: str | None
) -> None:
    report = verify_bundle(bundle, expected_head=head, public_key=key, witnesses=witnessed)
    for line in describe(report, bundle):
        if line in report.problems:
            err.print(line, style="red", markup=False)
        elif line.startswith("FAILED"):
            err.print(line, markup=False)
        else:
            out.print(line, markup=False)
    if not report.ok:
        raise typer.Exit(1)


def export(
    out_file: Annotated[Path, typer.Option("--out", help="The zip file to write.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day of the window (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day of the window, included.")
    ] = None,
    sample: Annotated[
        int | None, typer.Option(min=1, help="Instead: only this sample's items (soc2bot sample).")
    ] = None,
) -> None:
    """Build the auditor's evidence bundle for a window (or a sample's small bundle); print
    what it holds and its SHA-256."""
    from bot.evidence.stores import open_evidence_store

    if sample is not None:
        return export_sample(sample, out_file, window=(start, end))
    settings = load_settings_or_exit()
    with friendly():
        if start is None or end is None:
            raise InvalidInput("Give the window with --from and --to (or a sample with --sample).")
        first, last = parse_iso_date(start), parse_iso_date(end)
        if first > last:
            raise InvalidInput(f"--from {first} is after --to {last}.")
        if not out_file.parent.is_dir():
            raise InvalidInput(f"Cannot write {out_file}: the folder {out_file.parent} is missing.")
        signer = signer_or_exit(settings)
        db = open_database(settings)
        summary = build_bundle(
            db=db,
            store=open_evidence_store(settings),
            start=first,
            end=last,
            out=out_file,
            actor=Actor.cli(),
            now=utcnow(),
            signer=signer,
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
    with friendly():
        db = open_database(load_settings_or_exit(), prepared=False)
        with db.session() as session:
            events = _events(session, subject, limit)
            names = get_names(session=session, events=events)
            zone = program_zone(session=session)  # the operator's: the program's timezone
    if as_json:
        for event in events:
            out.print(json.dumps(event_as_dict(event), ensure_ascii=False), markup=False)
        return
    # Events by their number (never `#`, which is an occurrence's), told as sentences;
    # `soc2bot ask 'audit event N'` shows one whole.
    table = Table("event", f"when ({zone_name(zone)})", "action", "what happened")
    for e in events:
        when = e.occurred_at.replace(tzinfo=e.occurred_at.tzinfo or dt.UTC).astimezone(zone)
        table.add_row(str(e.seq), f"{when:%Y-%m-%d %H:%M %Z}", e.action, sentence(e, names, zone))
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

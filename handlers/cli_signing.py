"""`soc2bot audit pubkey` and the key and witness options of `soc2bot audit verify`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from bot.audit.ed25519 import parse_public_key
from bot.audit.witness import WitnessCheck
from bot.core.settings import Settings, SettingsError
from bot.core.signing import Signer, load_signer
from handlers.cli_support import err, load_settings_or_exit, out


def public_key_option(text: str) -> bytes:
    """--pubkey: the key itself (hex, base64, PEM), or a file holding it."""
    path = Path(text)
    with contextlib.suppress(OSError, ValueError):
        if path.is_file():
            text = path.read_text("utf-8", errors="replace")
    key = parse_public_key(text)
    if key is None:
        err.print(
            "--pubkey: not an Ed25519 public key (64 hex digits, base64, or a PEM file), "
            "as `soc2bot audit pubkey` prints it.",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    return key


def witness_option(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError as exc:
        err.print(
            f"--witness: cannot read {path}: {exc.strerror or exc}", style="red", markup=False
        )
        raise typer.Exit(2) from None


def signer_or_exit(settings: Settings, *, create: bool = True) -> Signer:
    """The service's signer; a clear error (never a trace) when its key is unusable."""
    try:
        return load_signer(settings, create=create)
    except SettingsError as exc:
        hint = "" if create else "\nOr give the public key with --pubkey."
        err.print(f"{exc}{hint}", style="red", markup=False)
        raise typer.Exit(2) from None


def print_witnesses(checks: list[WitnessCheck], broken: list[str]) -> bool:
    """Each witness line that fails, or one line saying all hold; whether all hold."""
    for line in broken:
        err.print(f"Witness file: {line}", style="red", markup=False)
    failed = [c for c in checks if c.problem]
    for check in failed:
        err.print(f"Witness BROKEN: {check.problem}", style="red", markup=False)
    if failed or broken:
        return False
    newest = max(checks, key=lambda c: c.witness.seq)
    out.print(
        f"Witnessed heads intact: the chain extends all {len(checks)}, up to head "
        f"event {newest.witness.seq} {newest.witness.hash[:16]}… (line {newest.witness.line}).",
        markup=False,
    )
    return True


def audit_pubkey(
    fmt: Annotated[
        str,
        typer.Option("--format", help="all (default), hex, base64, or pem (what openssl reads)."),
    ] = "all",
) -> None:
    """Print the public key that checks bundle signatures and digest witnesses (Ed25519)."""
    if fmt not in ("all", "hex", "base64", "pem"):
        err.print(f"--format {fmt}: choose all, hex, base64 or pem.", style="red", markup=False)
        raise typer.Exit(2)
    signer = signer_or_exit(load_settings_or_exit())
    shown = {"hex": signer.public_hex, "base64": signer.public_base64, "pem": signer.public_pem}
    if fmt != "all":
        typer.echo(shown[fmt].rstrip("\n"))
        return
    typer.echo("Ed25519 public key of this soc2bot (it checks bundle signatures and witnesses):")
    typer.echo(f"hex:    {signer.public_hex}")
    typer.echo(f"base64: {signer.public_base64}")
    typer.echo(signer.public_pem.rstrip("\n"))

"""Check a sample bundle offline: its files, signature, population hash, selection and draw."""

# This module is also the sample bundle's verify.py: at export time each `from bot…` import
# is replaced by that module's code (bot/export/script.py), so an auditor runs `python
# verify.py` in the extracted folder (or `python verify.py sample.zip`) with nothing but
# Python 3.8 or newer. Keep it (and the inlined modules) to the standard library.

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.audit.ed25519 import ed25519_verify, parse_public_key
from bot.export.reader import MANIFEST, SIGNATURE, Reader, Report
from bot.export.sample_check import (
    SAMPLE_FORMAT,
    SAMPLE_FORMAT_VERSION,
    SampleFindings,
    check_sample,
)

_BLOCK = 1024 * 1024


def verify_sample_bundle(
    path: str | os.PathLike[str], *, public_key: bytes | None = None
) -> tuple[Report, SampleFindings]:
    """Re-hash every file against the manifest, check its signature (with `public_key`),
    then the population's hash, the selection, the draw from the seed and the events."""
    report, where = Report(), Path(path)
    if not (where.is_dir() or zipfile.is_zipfile(where)):
        report.problems.append(f"UNREADABLE {where}: not a bundle folder or zip file")
        return report, SampleFindings()
    reader = Reader(where)
    try:
        manifest = _sample_manifest(reader, report)
        if manifest is None:
            return report, SampleFindings()
        _sample_signature(reader, manifest, report, public_key)
        _sample_files(reader, manifest["files"], report)
        return report, check_sample(reader, manifest["files"], report)
    finally:
        reader.close()


def _sample_manifest(reader: Reader, report: Report) -> dict[str, Any] | None:
    try:
        manifest = json.loads(reader.read(MANIFEST))
        ok = manifest.get("format") == SAMPLE_FORMAT and isinstance(manifest.get("files"), dict)
    except (KeyError, ValueError, AttributeError, OSError):
        ok = False
    if not ok:
        report.problems.append(f"INVALID  {MANIFEST}: not a soc2bot sample bundle manifest")
        return None
    if manifest.get("format_version") != SAMPLE_FORMAT_VERSION:
        report.problems.append(
            f"VERSION  {MANIFEST}: format {manifest.get('format_version')}, this verifier reads "
            f"format {SAMPLE_FORMAT_VERSION}; check the bundle with the verify.py it holds"
        )
        return None
    return dict(manifest)


def _sample_signature(
    reader: Reader, manifest: dict[str, Any], report: Report, public_key: bytes | None
) -> None:
    if public_key is None:
        report.notes.append(
            "The manifest's signature was not checked: give --pubkey with your organisation's "
            "soc2bot public key (a key taken from the bundle itself proves nothing)"
        )
    elif SIGNATURE not in reader.names:
        report.problems.append(f"UNSIGNED {SIGNATURE}: the bundle has no signature")
    elif not ed25519_verify(public_key, reader.read(MANIFEST), reader.read(SIGNATURE)):
        report.problems.append(
            f"INVALID  {SIGNATURE}: the signature does not match {MANIFEST} and the given key"
        )
    else:
        report.signed_by = public_key.hex()


def _sample_files(reader: Reader, listed: dict[str, Any], report: Report) -> None:
    for name in reader.duplicates:
        report.problems.append(f"DUPLICATE {name}: the zip holds this name more than once")
    for name in sorted(listed):
        if name not in reader.names:
            report.problems.append(f"MISSING  {name}: listed in the manifest, not in the bundle")
            continue
        digest, size = hashlib.sha256(), 0
        with reader.open(name) as fh:
            while block := fh.read(_BLOCK):
                digest.update(block)
                size += len(block)
        report.files += 1
        expected = listed[name]
        if (digest.hexdigest(), size) != (expected.get("sha256"), expected.get("size")):
            report.problems.append(
                f"ALTERED  {name}: SHA-256 {digest.hexdigest()} ({size} bytes), the manifest "
                f"says {expected.get('sha256')} ({expected.get('size')} bytes)"
            )
        elif name.startswith("files/") and name != "files/" + digest.hexdigest():
            report.problems.append(f"ALTERED  {name}: its content hash is not its name")
    for name in sorted(reader.names - set(listed) - {MANIFEST, SIGNATURE}):
        report.problems.append(f"EXTRA    {name}: in the bundle but not in the manifest")


def describe_sample(
    report: Report, found: SampleFindings, path: str | os.PathLike[str]
) -> list[str]:
    """The lines to print: each problem and the verdict, then what was not checked."""
    notes = [f"Note: {note}" for note in report.notes]
    notes.append(
        "Note: the sample's audit events are checked one by one; their place in the whole "
        "chain is checked by the evidence bundle's verify.py or `soc2bot audit verify`"
    )
    if not report.ok:
        return [*report.problems, f"FAILED: {len(report.problems)} problem(s) in {path}", *notes]
    parts = [
        f"{report.files} files match the manifest",
        f"the population of {found.population} hashes to {found.sha256}",
        f"the {found.drawn} drawn are members of it"
        + (f" and follow from seed {found.seed!r}" if found.redrawn else ""),
        f"{found.events} audit event(s) record the same draw",
    ]
    if report.signed_by:
        parts.append(f"manifest signed by key {report.signed_by}")
    return [f"OK: {path} verified: " + "; ".join(parts), *notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a soc2bot sample bundle offline.")
    parser.add_argument("bundle", nargs="?", help="the zip or folder (default: this folder)")
    parser.add_argument(
        "--pubkey",
        metavar="KEY",
        help="check the manifest's signature with this Ed25519 public key (hex, base64, or a "
        "PEM file), as `soc2bot audit pubkey` prints it",
    )
    args = parser.parse_args(argv)
    key = None
    if args.pubkey is not None:
        text = args.pubkey
        if os.path.isfile(text):
            with open(text, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        key = parse_public_key(text)
        if key is None:
            parser.error("--pubkey: not an Ed25519 public key (64 hex digits, base64, or PEM)")
    target = args.bundle or str(Path(__file__).resolve().parent)
    report, found = verify_sample_bundle(target, public_key=key)
    output = getattr(sys.stdout, "reconfigure", None)
    if output is not None:
        output(errors="backslashreplace")
    for line in describe_sample(report, found, target):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

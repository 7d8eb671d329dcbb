"""Check an evidence bundle offline: hashes, signature, audit chain, tables against the log."""

# This module is also the bundle's verify.py: at export time each import marked "bundle:
# inline" is replaced by that module's code (bot/export/script.py), so an auditor runs
# `python verify.py` (in the extracted folder) or `python verify.py bundle.zip` with nothing
# but Python 3.8 or newer. Keep it (and the inlined modules) to the standard library and to
# Python 3.8 syntax; tests run it under the oldest Python found.

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.audit.ed25519 import (
    ed25519_verify,
    parse_public_key,
)  # bundle: inline bot/audit/ed25519.py
from bot.audit.witness_line import read_witnesses  # bundle: inline bot/audit/witness_line.py
from bot.export.crosscheck import CrossCheck  # bundle: inline bot/export/crosscheck.py
from bot.export.logcheck import (
    check_chain,
    check_witnesses,
)  # bundle: inline bot/export/logcheck.py
from bot.export.policycheck import check_policies  # bundle: inline bot/export/policycheck.py
from bot.export.reader import (  # bundle: inline bot/export/reader.py
    AUDIT_LOG,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SCRIPT,
    SIGNATURE,
    Reader,
    Report,
)
from bot.export.reviewcheck import (  # bundle: inline bot/export/reviewcheck.py
    check_review_files,
    check_reviews,
)
from bot.export.samplescheck import (  # bundle: inline bot/export/samplescheck.py
    SampleLedger,
    check_samples,
)

__all__ = ["AUDIT_LOG", "FORMAT", "MANIFEST", "SCRIPT", "SIGNATURE", "Report", "verify_bundle"]
_CHUNK = 1024 * 1024
_ROW_COUNTS = {
    "occurrences.csv": "occurrences",
    "evidence.csv": "evidence",
    "access_reviews.csv": "access_reviews",
    "policies.csv": "policies",
}


def verify_bundle(
    path: str | os.PathLike[str],
    *,
    expected_head: str | None = None,
    public_key: bytes | None = None,
    witnesses: str | None = None,
) -> Report:
    """Re-hash every file against the manifest; check the manifest's signature (with
    `public_key`), the audit chain (ending at `expected_head`, extending every head in the
    `witnesses` text), and every evidence row and occurrence state against the chain."""
    report, where = Report(), Path(path)
    if not (where.is_dir() or zipfile.is_zipfile(where)):
        report.problems.append(f"UNREADABLE {where}: not a bundle folder or zip file")
        return report
    reader = Reader(where)
    try:
        manifest = _manifest(reader, report)
        if manifest is not None:
            _check_signature(reader, manifest, report, public_key)
            _check_files(reader, manifest, report)
            _check_counts(reader, manifest, report)
            check_review_files(reader, manifest["files"], report)
            _check_log(reader, manifest, report, public_key, witnesses)
            if expected_head and expected_head.lower() != report.head_hash:
                report.problems.append(
                    f"HEAD     {AUDIT_LOG}: the chain ends at {report.head_hash}, "
                    f"not at the expected head {expected_head}"
                )
    finally:
        reader.close()
    return report


def _manifest(reader: Reader, report: Report) -> dict[str, Any] | None:
    if MANIFEST not in reader.names:
        report.problems.append(f"MISSING  {MANIFEST}: the bundle has no manifest")
        return None
    try:
        manifest = json.loads(reader.read(MANIFEST))
        files = manifest["files"]
        ok = manifest.get("format") == FORMAT and isinstance(files, dict)
        ok = ok and all(_digest_ok(v) for v in files.values())
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        report.problems.append(f"INVALID  {MANIFEST}: not a soc2bot bundle manifest")
        return None
    if manifest.get("format_version") != FORMAT_VERSION:
        report.problems.append(
            f"VERSION  {MANIFEST}: format {manifest.get('format_version')}, this verifier reads "
            f"format {FORMAT_VERSION}; check the bundle with the verify.py it holds"
        )
        return None
    return dict(manifest)


def _digest_ok(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("sha256"), str)
        and (isinstance(value.get("size"), int))
    )


def _check_signature(
    reader: Reader, manifest: dict[str, Any], report: Report, public_key: bytes | None
) -> None:
    if public_key is None:
        stated = (manifest.get("signature") or {}).get("public_key", "?")
        report.notes.append(
            f"The manifest's signature was not checked: give --pubkey with your organisation's "
            f"soc2bot public key (the manifest names key {stated}; a key taken from the bundle "
            "itself proves nothing)"
        )
        return
    if SIGNATURE not in reader.names:
        report.problems.append(f"UNSIGNED {SIGNATURE}: the bundle has no signature")
        return
    if not ed25519_verify(public_key, reader.read(MANIFEST), reader.read(SIGNATURE)):
        report.problems.append(
            f"INVALID  {SIGNATURE}: the signature does not match {MANIFEST} and the given "
            "public key: the manifest was changed after soc2bot signed it, or another key "
            "signed it"
        )
        return
    report.signed_by = public_key.hex()


def _check_files(reader: Reader, manifest: dict[str, Any], report: Report) -> None:
    listed: dict[str, dict[str, Any]] = manifest["files"]
    for name in reader.duplicates:
        report.problems.append(f"DUPLICATE {name}: the zip holds this name more than once")
    for name in sorted(listed):
        expected = listed[name]
        if name not in reader.names:
            report.problems.append(f"MISSING  {name}: listed in the manifest, not in the bundle")
            continue
        sha, size = _hash(reader, name)
        report.files += 1
        if (sha, size) != (expected["sha256"], expected["size"]):
            report.problems.append(
                f"ALTERED  {name}: SHA-256 {sha} ({size} bytes), the manifest says "
                f"{expected['sha256']} ({expected['size']} bytes)"
            )
        elif name.startswith("files/") and name != "files/" + sha:
            report.problems.append(f"ALTERED  {name}: its content hash is {sha}, not its name")
    for name in sorted(reader.names - set(listed) - {MANIFEST, SIGNATURE}):
        report.problems.append(f"EXTRA    {name}: in the bundle but not in the manifest")


def _hash(reader: Reader, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with reader.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_counts(reader: Reader, manifest: dict[str, Any], report: Report) -> None:
    counts, listed = manifest.get("counts") or {}, manifest["files"]
    for name, key in _ROW_COUNTS.items():
        rows = 0
        for row in reader.rows(name):
            rows += 1
            ref = row.get("file") or ""
            if ref and ref not in listed:
                report.problems.append(f"MISSING  {ref}: named by {name} row {rows}")
        if name in reader.names and key in counts and rows != counts[key]:
            report.problems.append(f"COUNT    {name}: {rows} rows, the manifest says {counts[key]}")
    files = sum(1 for n in listed if n.startswith("files/"))
    if "files" in counts and files != counts["files"]:
        report.problems.append(
            f"COUNT    {MANIFEST}: lists {files} evidence files but counts {counts['files']}"
        )


def _check_log(
    reader: Reader,
    manifest: dict[str, Any],
    report: Report,
    public_key: bytes | None,
    witness_text: str | None,
) -> None:
    """The chain, then (when it is intact) witnessed heads and the tables against it."""
    witnesses, broken = read_witnesses(witness_text) if witness_text is not None else ([], [])
    report.problems.extend(f"WITNESS  {problem}" for problem in broken)
    ledger = SampleLedger()  # a PolicyLedger and a ReviewLedger too
    hashes = check_chain(reader, manifest, report, ledger, {w.seq for w in witnesses})
    if hashes is None:
        return
    first = int((manifest.get("audit_chain") or {}).get("anchor", {}).get("seq", 0))
    check_witnesses(witnesses, hashes, report, public_key, first)
    if witnesses and public_key is None:
        report.notes.append("Witness signatures were not checked: give --pubkey to check them")
    check = CrossCheck(ledger)
    check.evidence(reader.rows("evidence.csv"))
    check.occurrences_csv(reader.rows("occurrences.csv"))
    check.coverage(
        reader.rows("coverage.csv"), str(manifest.get("generated_at")), manifest.get("coverage")
    )
    check.unlisted()
    report.problems.extend(check.problems)
    check_reviews(reader, ledger, report)
    check_policies(reader, ledger, manifest, report)
    check_samples(reader, ledger, manifest, report)
    report.cross_checked = True


def describe(report: Report, path: str | os.PathLike[str]) -> list[str]:
    """The lines to print: each problem, the verdict, then what was not checked."""
    notes = [f"Note: {note}" for note in report.notes]
    if not report.ok:
        return [*report.problems, f"FAILED: {len(report.problems)} problem(s) in {path}", *notes]
    parts = [
        f"{report.files} files match the manifest",
        f"audit chain of {report.events} events intact up to head event {report.head_seq} "
        f"{report.head_hash}",
        "every evidence row and occurrence state agrees with the audit log",
    ]
    if report.signed_by:
        parts.append(f"manifest signed by key {report.signed_by}")
    if report.witnessed:
        parts.append(f"the chain extends {report.witnessed} witnessed head(s)")
    return [f"OK: {path} verified: " + "; ".join(parts), *notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a soc2bot evidence bundle offline.")
    parser.add_argument(
        "bundle", nargs="?", help="the bundle zip or folder (default: this script's folder)"
    )
    parser.add_argument("--head", help="fail unless the audit chain ends at this hash")
    parser.add_argument(
        "--pubkey",
        metavar="KEY",
        help="check the manifest's signature with this Ed25519 public key (hex, base64, or a "
        "PEM file), as `soc2bot audit pubkey` prints it",
    )
    parser.add_argument(
        "--witness",
        metavar="FILE",
        help="a file of soc2bot-head lines copied from digests: fail unless the chain extends "
        "each of them",
    )
    args = parser.parse_args(argv)
    key = None
    if args.pubkey is not None:
        key = parse_public_key(
            _read_text(args.pubkey) if os.path.isfile(args.pubkey) else args.pubkey
        )
        if key is None:
            parser.error(
                "--pubkey: not an Ed25519 public key (64 hex digits, base64, or a PEM file)"
            )
    witnesses = None
    if args.witness is not None:
        if not os.path.isfile(args.witness):
            parser.error(f"--witness: no file {args.witness}")
        witnesses = _read_text(args.witness)
    target = args.bundle or str(Path(__file__).resolve().parent)
    report = verify_bundle(target, expected_head=args.head, public_key=key, witnesses=witnesses)
    output = getattr(sys.stdout, "reconfigure", None)
    if output is not None:
        output(errors="backslashreplace")  # a console that cannot show a name still gets it
    for line in describe(report, target):
        print(line)
    return 0 if report.ok else 1


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read()


if __name__ == "__main__":
    sys.exit(main())

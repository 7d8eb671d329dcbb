"""Check an evidence bundle offline: file hashes, manifest, audit chain; standard library only."""

# This module is also the bundle's verify.py: at export time the hash rules of
# bot/audit_chain.py are pasted in place of the marked import below, so an auditor runs
# `python verify.py` (in the extracted folder) or `python verify.py bundle.zip` without soc2bot.

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.audit_chain import verify_events  # bundle: inline bot/audit_chain.py

FORMAT = "soc2bot-evidence-bundle"
MANIFEST, AUDIT_LOG, SCRIPT = "manifest.json", "audit_log.jsonl", "verify.py"
_CHUNK = 1024 * 1024
_ROW_COUNTS = {"occurrences.csv": "occurrences", "evidence.csv": "evidence"}


class Reader:
    """The bundle's files, from a zip or an extracted folder, by posix path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        if self.zip is not None:
            names = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        else:
            names = sorted(_walk(path))
        self.names = set(names)
        self.duplicates = sorted(n for n, k in Counter(names).items() if k > 1)

    def open(self, name: str) -> IO[bytes]:
        if self.zip is not None:
            return self.zip.open(name)
        return (self.path / name).open("rb")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _walk(root: Path) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]  # Python's own cache, not bundle data
        for name in files:
            yield Path(folder, name).relative_to(root).as_posix()


@dataclass
class Report:
    """What verification found; `problems` name the file (and line) of each finding."""

    problems: list[str] = field(default_factory=list)
    files: int = 0
    events: int = 0
    head_seq: int = 0
    head_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: str | os.PathLike[str], *, expected_head: str | None = None) -> Report:
    """Re-hash every file against the manifest, check the manifest and the audit chain."""
    report, where = Report(), Path(path)
    if not (where.is_dir() or zipfile.is_zipfile(where)):
        report.problems.append(f"UNREADABLE {where}: not a bundle folder or zip file")
        return report
    reader = Reader(where)
    try:
        manifest = _manifest(reader, report)
        if manifest is not None:
            _check_files(reader, manifest, report)
            _check_counts(reader, manifest, report)
            _check_chain(reader, manifest, report)
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
        with reader.open(MANIFEST) as fh:
            manifest = json.load(fh)
        files = manifest["files"]
        ok = manifest.get("format") == FORMAT and isinstance(files, dict)
        ok = ok and all(_digest_ok(v) for v in files.values())
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        report.problems.append(f"INVALID  {MANIFEST}: not a soc2bot bundle manifest")
        return None
    return dict(manifest)


def _digest_ok(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("sha256"), str)
        and (isinstance(value.get("size"), int))
    )


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
    for name in sorted(reader.names - set(listed) - {MANIFEST}):
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
        if name not in reader.names:
            continue
        rows = 0
        for row in _csv_rows(reader, name):
            rows += 1
            ref = row.get("file") or ""
            if ref and ref not in listed:
                report.problems.append(f"MISSING  {ref}: named by {name} row {rows}")
        if key in counts and rows != counts[key]:
            report.problems.append(f"COUNT    {name}: {rows} rows, the manifest says {counts[key]}")
    files = sum(1 for n in listed if n.startswith("files/"))
    if "files" in counts and files != counts["files"]:
        report.problems.append(
            f"COUNT    {MANIFEST}: lists {files} evidence files but counts {counts['files']}"
        )


def _csv_rows(reader: Reader, name: str) -> Iterator[dict[str, str]]:
    with reader.open(name) as raw:
        yield from csv.DictReader(io.TextIOWrapper(raw, "utf-8", newline=""))


def _check_chain(reader: Reader, manifest: dict[str, Any], report: Report) -> None:
    chain = manifest.get("audit_chain") or {}
    if AUDIT_LOG not in reader.names:
        return  # already reported as missing
    with reader.open(AUDIT_LOG) as raw:
        lines = io.TextIOWrapper(raw, "utf-8", newline="\n")
        anchor = _anchor(next(lines, ""))
        if anchor is None:
            report.problems.append(f"BROKEN   {AUDIT_LOG} line 1: no anchor line")
            return
        if anchor != chain.get("anchor"):
            report.problems.append(f"BROKEN   {AUDIT_LOG} line 1: anchor differs from manifest")
        bad: list[str] = []
        events = _parsed(lines, bad)
        result = verify_events(events, start_seq=anchor["seq"] + 1, anchor_hash=anchor["hash"])
    if bad:
        report.problems.append(bad[0])
    elif not result.ok:
        line = (result.broken_seq or 0) - anchor["seq"] + 1
        report.problems.append(f"BROKEN   {AUDIT_LOG} line {line}: {result.problem}")
    report.events, report.head_seq, report.head_hash = (
        result.checked,
        result.head_seq,
        result.head_hash,
    )
    head = chain.get("head") or {}
    if (
        result.ok
        and not bad
        and (result.head_seq, result.head_hash) != (head.get("seq"), head.get("hash"))
    ):
        report.problems.append(
            f"BROKEN   {AUDIT_LOG}: the chain ends at event {result.head_seq}, the manifest "
            f"names head {head.get('seq')}"
        )


def _anchor(line: str) -> dict[str, Any] | None:
    try:
        anchor = json.loads(line)["anchor"]
        return {"seq": int(anchor["seq"]), "hash": str(anchor["hash"])}
    except (ValueError, KeyError, TypeError):
        return None


def _parsed(lines: Iterator[str], bad: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=2):
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or "seq" not in event:
                raise ValueError("not an event")
        except ValueError:
            bad.append(f"BROKEN   {AUDIT_LOG} line {number}: not a JSON audit event")
            return
        yield event


def describe(report: Report, path: str | os.PathLike[str]) -> list[str]:
    """The lines to print: each problem, then the verdict."""
    if report.ok:
        return [
            f"OK: {path} verified: {report.files} files match the manifest; audit chain of "
            f"{report.events} events intact up to head #{report.head_seq} {report.head_hash}"
        ]
    return [*report.problems, f"FAILED: {len(report.problems)} problem(s) in {path}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a soc2bot evidence bundle offline.")
    parser.add_argument(
        "bundle", nargs="?", help="the bundle zip or folder (default: this script's folder)"
    )
    parser.add_argument("--head", help="fail unless the audit chain ends at this hash")
    args = parser.parse_args(argv)
    target = args.bundle or str(Path(__file__).resolve().parent)
    report = verify_bundle(target, expected_head=args.head)
    for line in describe(report, target):
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

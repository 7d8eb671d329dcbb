"""Build the auditor's evidence bundle: one snapshot streamed into a zip, then audit-logged."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from sqlmodel import Session

import bot.export.policies as policies
import bot.export.records as records
import bot.export.reviews as reviews
import bot.export.samples as samples
import bot.export.tables as tables
from bot import __version__
from bot.audit.trail import format_time, record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise
from bot.core.signing import Signer, service_signer
from bot.evidence.store import EvidenceStore
from bot.export.chain import Segment, write_audit_log
from bot.export.facts import BundleSummary
from bot.export.index_page import write_index
from bot.export.reader import FORMAT, FORMAT_VERSION, MANIFEST, SCRIPT, SIGNATURE
from bot.export.script import verifier_source
from bot.export.window import Window
from bot.export.zipout import BundleZip, Digest

EXPORT_ACTION = "export.created"


def build_bundle(
    *,
    db: Database,
    store: EvidenceStore,
    start: dt.date,
    end: dt.date,
    out: BinaryIO | Path,
    actor: Actor,
    now: dt.datetime,
    signer: Signer | None = None,
) -> BundleSummary:
    """Admin/auditor: write the bundle for [start, end], then record `export.created`.

    A path is written through a temp file in the same folder and renamed on success, so a
    failure leaves no half bundle. The audit event has its own transaction, after the bundle
    is complete; the manifest names the chain head the bundle was built against, and is
    signed with `signer` (default: the service's key).
    """
    require(actor, Action.EXPORT)
    if start > end:
        raise InvalidInput(f"The start date {start} is after the end date {end}.")
    key = signer or service_signer()
    if isinstance(out, Path):
        with _replacing(out) as fh:
            summary = write_bundle(
                db=db, store=store, start=start, end=end, fp=fh, now=now, signer=key
            )
        summary = _with_path(summary, out)
    else:
        summary = write_bundle(
            db=db, store=store, start=start, end=end, fp=out, now=now, signer=key
        )
    with db.transaction() as session:
        record_event(
            session=session,
            actor=actor,
            action=EXPORT_ACTION,
            subject_type="export",
            subject_id=f"{start.isoformat()}..{end.isoformat()}",
            details=summary.as_details(),
        )
    return summary


def export_to_folder(
    *,
    db: Database,
    store: EvidenceStore,
    start: dt.date,
    end: dt.date,
    actor: Actor,
    now: dt.datetime,
    folder: Path | None = None,
    signer: Signer | None = None,
) -> BundleSummary:
    """Build a bundle under `folder` (default: the system temp area) with a dated name."""
    require(actor, Action.EXPORT)  # before anything touches the disk
    where = folder or Path(tempfile.gettempdir()) / "soc2bot-exports"
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    stem = f"soc2-evidence_{start.isoformat()}_{end.isoformat()}_{now:%Y%m%dT%H%M%SZ}"
    path, n = where / f"{stem}.zip", 1
    while path.exists():
        n += 1
        path = where / f"{stem}-{n}.zip"
    return build_bundle(
        db=db, store=store, start=start, end=end, out=path, actor=actor, now=now, signer=signer
    )


def _with_path(summary: BundleSummary, path: Path) -> BundleSummary:
    return BundleSummary(**{**summary.__dict__, "path": path})


@contextmanager
def _replacing(out: Path) -> Iterator[IO[bytes]]:
    """A temp file next to `out`, renamed over it only when the block succeeds."""
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name such as {out / 'bundle.zip'}")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {out}: {exc.strerror or exc}.") from exc
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextmanager
def _snapshot(db: Database) -> Iterator[Session]:
    """One consistent view for the whole bundle, so the manifest's head matches its rows.

    SQLite (WAL) keeps one read transaction's snapshot until it ends; PostgreSQL needs
    REPEATABLE READ for that, set before the first query.
    """
    with db.session() as session:
        if not db.is_sqlite:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def write_bundle(
    *,
    db: Database,
    store: EvidenceStore,
    start: dt.date,
    end: dt.date,
    fp: IO[bytes],
    now: dt.datetime,
    signer: Signer | None = None,
) -> BundleSummary:
    """Stream the bundle into `fp` from one database snapshot; records nothing.

    The manifest comes last, then its Ed25519 signature (`manifest.sig`, the 64 raw bytes,
    as `openssl pkeyutl -verify -rawin` reads them).
    """
    key = signer or service_signer()
    with _snapshot(db) as session:
        window = Window(get_program_or_raise(session=session), start, end, now)
        bundle = BundleZip(fp)
        try:
            counts, coverage, segment = _write_entries(session, store, bundle, window)
            bundle.write_bytes(SCRIPT, verifier_source().encode("utf-8"))
            manifest = _manifest(window, counts, coverage, segment, bundle.digests, key)
            bundle.write_bytes(MANIFEST, manifest)
            bundle.write_bytes(SIGNATURE, key.sign(manifest), compress=False)
            digest: Digest = bundle.close()
        except BaseException:
            bundle.abort()
            raise
    return BundleSummary(
        start, end, now, digest.sha256, digest.size, counts, dict(sorted(coverage.items())),
        segment.head_seq, segment.head_hash, segment.problem,
    )  # fmt: skip


def _write_entries(
    session: Session, store: EvidenceStore, bundle: BundleZip, window: Window
) -> tuple[dict[str, int], Counter[str], Segment]:
    """Every entry but verify.py and the manifest, in a fixed order."""
    coverage: Counter[str] = Counter({"evidenced": 0, "gap": 0, "not_due": 0, "skipped": 0})
    csv = tables.write_csv
    counts = {
        "controls": csv(
            bundle, "controls.csv", tables.CONTROL_HEADER, tables.control_rows(session, window)
        ),
        "tasks": csv(bundle, "tasks.csv", tables.TASK_HEADER, tables.task_rows(session)),
        "occurrences": csv(
            bundle,
            "occurrences.csv",
            tables.OCCURRENCE_HEADER,
            tables.occurrence_rows(session, window),
        ),
    }
    review_lines = reviews.review_lines(session, window)
    by_occurrence = reviews.coverage_columns(review_lines)
    csv(
        bundle,
        "coverage.csv",
        tables.COVERAGE_HEADER,
        tables.coverage_rows(session, window, coverage, by_occurrence),
    )
    counts["evidence"] = csv(
        bundle, "evidence.csv", records.EVIDENCE_HEADER, records.evidence_rows(session, window)
    )
    counts["campaigns"] = records.write_campaigns(session, bundle, window)
    scope = policies.policy_scope(session, window)
    drawn = samples.sample_scope(session, window)  # the log holds all of theirs, like policies
    firsts = [seq for seq in (scope.first_seq, drawn.first_seq) if seq is not None]
    segment = write_audit_log(session, bundle, window, earliest=min(firsts, default=None))
    copied = records.copy_files(session, store, bundle, window)
    counts |= {"files": copied.count, "file_bytes": copied.size, "audit_events": segment.events}
    counts["access_reviews"] = reviews.write_reviews(bundle, review_lines)
    listed = policies.write_policies(store, bundle, scope)  # its documents, then policies.csv
    counts |= {"policies": listed.rows, "files": copied.count + listed.files,
               "file_bytes": copied.size + listed.size}  # fmt: skip
    counts["samples"] = samples.write_samples(session, bundle, window, drawn)  # + samples.csv
    counts["audit_events_in_window"] = segment.window_events
    write_index(session, bundle, window)
    return counts, coverage, segment


def _manifest(
    window: Window,
    counts: dict[str, int],
    coverage: Counter[str],
    segment: Segment,
    digests: dict[str, Digest],
    signer: Signer,
) -> bytes:
    program = window.program
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": {"name": "soc2bot", "version": __version__},
        "generated_at": format_time(window.now),
        "program": {
            "name": program.name,
            "timezone": program.timezone,
            "criteria": list(program.criteria),
            "observation_window": {
                "start": program.window_start.isoformat(),
                "end": program.window_end.isoformat(),
            },
        },
        "window": {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "timezone": program.timezone,
            "from_utc": format_time(window.start_at),
            "until_utc": format_time(window.end_at),
            "population": "every occurrence due on a day from start to end, both included",
        },
        "counts": counts,
        "coverage": dict(sorted(coverage.items())),
        "audit_chain": segment.as_manifest(),
        "files": {n: {"sha256": d.sha256, "size": d.size} for n, d in sorted(digests.items())},
        "signature": {
            "algorithm": "Ed25519",
            "file": SIGNATURE,
            "public_key": signer.public_hex,
            "signs": f"the exact bytes of {MANIFEST}",
        },
    }
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

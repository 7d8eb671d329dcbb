"""Build a sample bundle: only the drawn items, their evidence, the population and verify.py."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from sqlmodel import Session, col, select

from bot import __version__
from bot.audit.trail import event_as_dict, format_time, record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, NotFound
from bot.core.permissions import Action, require
from bot.core.signing import Signer, service_signer
from bot.evidence.store import EvidenceStore, is_valid_key
from bot.export.bundle import _replacing, _snapshot
from bot.export.reader import MANIFEST, SCRIPT, SIGNATURE
from bot.export.records import file_path
from bot.export.sample_check import (
    ITEMS_CSV,
    POPULATION_TXT,
    SAMPLE_EVENTS,
    SAMPLE_EVIDENCE_CSV,
    SAMPLE_FORMAT,
    SAMPLE_FORMAT_VERSION,
    SAMPLE_JSON,
)
from bot.export.script import verifier_source
from bot.export.tables import write_csv
from bot.export.zipout import BundleZip
from bot.sampling.facts import MEMBER_PREFIX, PopulationKind, SampledItem
from bot.sampling.items import evidence_of
from bot.sampling.services import DRAWN, EXTENDED, detail_of, get_sample
from models import AuditEvent, Evidence, Person, Sample

EXPORTED = "sample.exported"
ITEM_HEADER = ("member", "ref", "what", "day", "state", "accepted_evidence", "round")
EVIDENCE_HEADER = (
    "member", "evidence_id", "kind", "submitted_at", "submitted_by_email", "statement", "note",
    "original_name", "media_type", "size", "sha256", "file", "superseded", "superseded_at",
    "supersede_reason", "expires_at",
)  # fmt: skip
LINE_FORMAT = (
    "member TAB sort key TAB fields…; the SHA-256 is over every line in order, each as UTF-8 "
    "followed by one LF: the bytes of population.txt"
)


@dataclass(frozen=True)
class SampleBundle:
    """What went into a sample bundle, and its SHA-256."""

    sample_id: int
    items: int
    evidence: int
    files: int
    sha256: str
    size: int
    path: Path | None = None


def build_sample_bundle(
    *,
    db: Database,
    store: EvidenceStore,
    sample_id: int,
    out: BinaryIO | Path,
    actor: Actor,
    now: dt.datetime,
    signer: Signer | None = None,
) -> SampleBundle:
    """Admin/auditor: write sample `sample_id`'s bundle to `out` (a path is replaced only when
    complete), then record `sample.exported`."""
    require(actor, Action.EXPORT)
    key = signer or service_signer()
    if isinstance(out, Path):
        with _replacing(out) as fh:
            built = _write(db, store, sample_id, fh, now, key, actor)
        built = SampleBundle(**{**built.__dict__, "path": out})
    else:
        built = _write(db, store, sample_id, out, now, key, actor)
    with db.transaction() as session:
        record_event(
            session=session,
            actor=actor,
            action=EXPORTED,
            subject_type="sample",
            subject_id=sample_id,
            details={
                "bundle_sha256": built.sha256,
                "bundle_size": built.size,
                "items": built.items,
                "files": built.files,
                "file_name": out.name if isinstance(out, Path) else None,
            },
        )
    return built


def _write(
    db: Database,
    store: EvidenceStore,
    sample_id: int,
    fp: IO[bytes],
    now: dt.datetime,
    signer: Signer,
    actor: Actor,
) -> SampleBundle:
    with _snapshot(db) as session:
        sample = get_sample(session=session, actor=actor, sample_id=sample_id)
        kind = PopulationKind(sample.population_kind)
        items = detail_of(session, sample, now).items
        evidence = evidence_of(session=session, kind=kind, ids=sample.selection)
        emails = _emails(session, [e for found in evidence.values() for e in found])
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "sample", AuditEvent.subject_id == str(sample_id))
            .where(col(AuditEvent.action).in_((DRAWN, EXTENDED)))
            .order_by(col(AuditEvent.seq))
        ).all()
        bundle = BundleZip(fp)
        try:
            lines = [str(line) for line in sample.details.get("population", [])]
            bundle.write_bytes(POPULATION_TXT, "".join(f"{x}\n" for x in lines).encode())
            bundle.write_bytes(SAMPLE_JSON, _json(_description(sample, lines, now)))
            write_csv(bundle, ITEMS_CSV, ITEM_HEADER, (_item_row(i) for i in items))
            prefix = MEMBER_PREFIX[kind]
            rows = [(f"{prefix}:{m}", e) for m in sample.selection for e in evidence.get(m, [])]
            write_csv(
                bundle,
                SAMPLE_EVIDENCE_CSV,
                EVIDENCE_HEADER,
                (_evidence_row(m, e, emails) for m, e in rows),
            )
            files = _copy_files(store, bundle, [e for _, e in rows])
            events_text = "".join(json.dumps(event_as_dict(e)) + "\n" for e in events)
            bundle.write_bytes(SAMPLE_EVENTS, events_text.encode())
            bundle.write_bytes(SCRIPT, verifier_source("bot.export.sample_verify").encode())
            counts = {"items": len(items), "evidence": len(rows), "files": files}
            manifest = _manifest(sample, counts, bundle, now, signer)
            bundle.write_bytes(MANIFEST, manifest)
            bundle.write_bytes(SIGNATURE, signer.sign(manifest), compress=False)
            digest = bundle.close()
        except BaseException:
            bundle.abort()
            raise
    return SampleBundle(sample_id, len(items), len(rows), files, digest.sha256, digest.size)


def _description(sample: Sample, lines: list[str], now: dt.datetime) -> dict[str, Any]:
    """sample.json: enough to hash the population and draw the selection again."""
    prefix = MEMBER_PREFIX[PopulationKind(sample.population_kind)]
    window = None
    if sample.window_start and sample.window_end:
        window = {"start": sample.window_start.isoformat(), "end": sample.window_end.isoformat()}
    return {
        "format": SAMPLE_FORMAT,
        "sample": sample.id,
        "population": {
            "kind": sample.population_kind,
            "label": sample.details.get("label"),
            "window": window,
            "size": sample.population_size,
            "sha256": sample.population_sha256,
            "file": POPULATION_TXT,
            "line_format": LINE_FORMAT,
            "lines": lines,
        },
        "draw": {
            "algorithm": sample.details.get("algorithm"),
            "seed": sample.seed,
            "rounds": sample.details.get("rounds"),
            "rule": sample.details.get("rule"),
        },
        "selection": [f"{prefix}:{m}" for m in sample.selection],
        "drawn_by": sample.created_by,
        "drawn_at": format_time(sample.created_at),
        "exported_at": format_time(now),
    }


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _item_row(item: SampledItem) -> Sequence[Any]:
    return (item.member, item.ref, item.what, item.day, item.state, item.evidence, item.round)


def _emails(session: Session, evidence: Iterable[Evidence]) -> dict[int, str]:
    ids = {e.submitted_by_id for e in evidence if e.submitted_by_id is not None}
    people = session.exec(select(Person).where(col(Person.id).in_(ids))).all() if ids else []
    return {p.id or 0: p.email for p in people}


def _evidence_row(member: str, e: Evidence, emails: dict[int, str]) -> Sequence[Any]:
    is_file = e.sha256 and e.storage_key
    return (
        member,
        e.id,
        e.kind,
        e.submitted_at,
        emails.get(e.submitted_by_id or 0),
        e.statement,
        e.note,
        e.original_name,
        e.media_type,
        e.size,
        e.sha256,
        file_path(e.sha256) if is_file and e.sha256 else None,
        e.superseded_at is not None,
        e.superseded_at,
        e.supersede_reason,
        e.expires_at,
    )


def _copy_files(store: EvidenceStore, bundle: BundleZip, evidence: Iterable[Evidence]) -> int:
    """Each file once, by hash, checking the store still holds those bytes (as the evidence
    bundle does)."""
    keys = {e.sha256: e.storage_key for e in evidence if e.sha256 and e.storage_key}
    for sha, key in sorted(keys.items()):
        if not is_valid_key(key):
            raise Conflict(f"Evidence file {sha} has no usable storage key; no bundle written.")
        try:
            chunks = store.open(key)
        except NotFound:
            raise Conflict(
                f"The evidence file {sha} is missing from the store; no bundle written."
            ) from None
        if bundle.write_chunks(file_path(sha), chunks, compress=False).sha256 != sha:
            raise Conflict(
                f"The stored file {sha} no longer matches its SHA-256; no bundle written."
            )
    return len(keys)


def _manifest(
    sample: Sample, counts: dict[str, int], bundle: BundleZip, now: dt.datetime, signer: Signer
) -> bytes:
    return _json(
        {
            "format": SAMPLE_FORMAT,
            "format_version": SAMPLE_FORMAT_VERSION,
            "generator": {"name": "soc2bot", "version": __version__},
            "generated_at": format_time(now),
            "sample": {
                "id": sample.id,
                "population_sha256": sample.population_sha256,
                "population_size": sample.population_size,
                "seed": sample.seed,
            },
            "counts": counts,
            "files": {
                n: {"sha256": d.sha256, "size": d.size} for n, d in sorted(bundle.digests.items())
            },
            "signature": {
                "algorithm": "Ed25519",
                "file": SIGNATURE,
                "public_key": signer.public_hex,
                "signs": f"the exact bytes of {MANIFEST}",
            },
        }
    )

"""The bundle's samples: a file per sample drawn or extended in the window, and samples.csv."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.trail import format_time
from bot.export.samplescheck import SAMPLE_ACTIONS, SAMPLES_TABLE, in_bundle, sample_file
from bot.export.tables import write_csv
from bot.export.window import Window, evidence_in_window
from bot.export.zipout import BundleZip
from bot.sampling.facts import MEMBER_PREFIX, PopulationKind, SampledItem
from bot.sampling.items import evidence_of
from bot.sampling.services import detail_of
from models import AuditEvent, Evidence, Sample

# One row per drawn member, in draw order; the sample's columns repeat on each of its rows.
SAMPLE_HEADER = (
    "sample_id", "population_kind", "population", "population_size", "population_sha256",
    "seed", "size", "drawn_by", "drawn_at", "file", "member", "ref", "round", "evidence_ids",
    "evidence_in_bundle",
)  # fmt: skip
LINE_FORMAT = (
    "member TAB sort key TAB fields…; the SHA-256 is over every line in order, each as UTF-8 "
    "followed by one LF (docs/auditors.md)"
)


@dataclass
class SampleScope:
    """The samples the bundle lists, and the first audit event about any of them (the
    bundle's audit log must start there or earlier, so that their whole story is in it)."""

    samples: list[Sample] = field(default_factory=list)
    first_seq: int | None = None


def sample_scope(session: Session, window: Window) -> SampleScope:
    """Every sample with a `sample.drawn` or `sample.extended` event in the window (a few
    per audit: held in memory)."""
    events = select(AuditEvent.subject_id).where(
        AuditEvent.subject_type == "sample",
        col(AuditEvent.action).in_(SAMPLE_ACTIONS),
        col(AuditEvent.occurred_at) >= window.start_at,
        col(AuditEvent.occurred_at) < window.end_at,
    )
    ids = sorted({int(s) for s in session.exec(events).all() if s.isdigit()})
    if not ids:
        return SampleScope()
    samples = session.exec(select(Sample).where(col(Sample.id).in_(ids))).all()
    first = session.exec(
        select(AuditEvent.seq)
        .where(AuditEvent.subject_type == "sample", col(AuditEvent.action).in_(SAMPLE_ACTIONS))
        .where(col(AuditEvent.subject_id).in_([str(i) for i in ids]))
        .order_by(col(AuditEvent.seq))
        .limit(1)
    ).first()
    return SampleScope(sorted(samples, key=lambda s: s.id or 0), first)


def write_samples(session: Session, bundle: BundleZip, window: Window, scope: SampleScope) -> int:
    """Each sample's file, then samples.csv (so every file a row names is in the bundle);
    the number of samples."""
    rows: list[Sequence[Any]] = []
    for sample in scope.samples:
        described = _description(sample)
        bundle.write_bytes(sample_file(str(sample.id)), _json(described))
        rows.extend(_rows(session, window, sample, described))
    write_csv(bundle, SAMPLES_TABLE, SAMPLE_HEADER, rows)
    return len(scope.samples)


def _description(sample: Sample) -> dict[str, Any]:
    """The sample file: enough to hash the population and draw the selection again."""
    prefix = MEMBER_PREFIX[PopulationKind(sample.population_kind)]
    window = None
    if sample.window_start and sample.window_end:
        window = {"start": sample.window_start.isoformat(), "end": sample.window_end.isoformat()}
    selection = [f"{prefix}:{m}" for m in sample.selection]
    rounds = [int(n) for n in sample.details.get("rounds", [len(selection)])]
    additions, start = [], rounds[0] if rounds else 0
    for count in rounds[1:]:
        additions.append(selection[start : start + count])
        start += count
    return {
        "sample": sample.id,
        "population": {
            "kind": sample.population_kind,
            "label": sample.details.get("label"),
            "window": window,
            "size": sample.population_size,
            "sha256": sample.population_sha256,
            "line_format": LINE_FORMAT,
            "lines": [str(line) for line in sample.details.get("population", [])],
        },
        "draw": {
            "algorithm": sample.details.get("algorithm"),
            "seed": sample.seed,
            "rounds": rounds,
            "rule": sample.details.get("rule"),
        },
        "selection": selection,
        "additions": additions,
        "drawn_by": sample.created_by,
        "drawn_at": format_time(sample.created_at),
    }


def _rows(
    session: Session, window: Window, sample: Sample, described: dict[str, Any]
) -> Iterable[Sequence[Any]]:
    kind = PopulationKind(sample.population_kind)
    items: Sequence[SampledItem] = detail_of(session, sample, window.now).items
    evidence = evidence_of(session=session, kind=kind, ids=sample.selection)
    ids = [e.id for found in evidence.values() for e in found]
    query = select(Evidence.id).where(col(Evidence.id).in_(ids), evidence_in_window(window))
    listed = {str(i) for i in session.exec(query).all()} if ids else set()
    head = (
        sample.id, sample.population_kind, described["population"]["label"],
        sample.population_size, sample.population_sha256, sample.seed, len(sample.selection),
        sample.created_by, sample.created_at, sample_file(str(sample.id)),
    )  # fmt: skip
    for member_id, item in zip(sample.selection, items, strict=True):
        mine = [str(e.id) for e in evidence.get(member_id, [])]
        shown = in_bundle(mine, listed)
        yield (*head, item.member, item.ref, item.round, ";".join(mine), shown)


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

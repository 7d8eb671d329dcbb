"""Export facts: what went into an evidence bundle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import __version__


@dataclass(frozen=True)
class BundleSummary:
    """What went into a bundle, its SHA-256, and the chain head it was built against."""

    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    sha256: str
    size: int
    counts: dict[str, int]
    coverage: dict[str, int]
    head_seq: int
    head_hash: str
    chain_problem: str | None = None
    path: Path | None = field(default=None)

    def as_details(self) -> dict[str, Any]:
        """The export's audit event details (no server paths)."""
        return {
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "counts": self.counts,
            "coverage": self.coverage,
            "bundle_sha256": self.sha256,
            "bundle_size": self.size,
            "built_against_head": {"seq": self.head_seq, "hash": self.head_hash},
            "file_name": self.path.name if self.path else None,
            "generator_version": __version__,
        }

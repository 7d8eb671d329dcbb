"""The seeded draw of an auditor's sample and the population's canonical lines (sampling layer)."""

# Pasted into the sample bundle's verify.py (bot/export/script.py), which hashes the
# population and draws the sample again from its seed: standard library and Python 3.8
# syntax only. docs/auditors.md describes the same rules for people who recompute by hand.

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Sequence

DRAW_ALGORITHM = "soc2bot-stratified-v1"
_SEED_BYTES = 8
# A field never holds the line's separators (TAB, LF) or other control characters: they
# become spaces, so a subject or title cannot split one line into two.
_NOT_IN_FIELDS = dict.fromkeys([*range(32), 127], " ")


def new_seed() -> str:
    """A fresh seed when none is given: 16 hex digits from the system's secure source."""
    return secrets.token_hex(_SEED_BYTES)


def canonical_line(member: str, sort_key: str, *fields: str) -> str:
    """One population member: its id (`occurrence:412`), sort key and fields, TAB-separated."""
    return "\t".join(str(f).translate(_NOT_IN_FIELDS) for f in (member, sort_key, *fields))


def member_of(line: str) -> str:
    """The member id a canonical line starts with (`occurrence:412`)."""
    return line.split("\t", 1)[0]


def population_sha256(lines: Sequence[str]) -> str:
    """SHA-256 (lowercase hex) of every line in order, each as UTF-8 followed by one LF."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def draw_positions(seed: str, population: int, rounds: Sequence[int]) -> list[list[int]]:
    """The positions (from 0, in population order) each round draws: the first draw, then
    each addition, in turn.

    One `random.Random` seeded with the seed text (version 2 seeding) serves every round, so
    an addition continues the first draw's stream. A round of `count` splits the positions
    not drawn yet, in order, into `count` strata (stratum i holds remaining[i*n//count :
    (i+1)*n//count], n of them remaining) and picks one in each with `random()`: the one
    method whose sequence Python promises to keep from version to version.
    """
    rng = random.Random()
    rng.seed(seed, version=2)
    taken: set[int] = set()
    drawn: list[list[int]] = []
    for count in rounds:
        remaining = [p for p in range(population) if p not in taken]
        if not 0 < count <= len(remaining):
            raise ValueError(f"cannot draw {count} of the {len(remaining)} members left")
        picked = _one_per_stratum(rng, remaining, count)
        taken.update(picked)
        drawn.append(picked)
    return drawn


def _one_per_stratum(rng: random.Random, remaining: list[int], count: int) -> list[int]:
    n, picked = len(remaining), []
    for i in range(count):
        low, high = i * n // count, (i + 1) * n // count
        # min(): a product that rounds up to the stratum's width still lands inside it
        offset = min(high - low - 1, int(rng.random() * (high - low)))
        picked.append(remaining[low + offset])
    return picked

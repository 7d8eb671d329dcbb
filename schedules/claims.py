"""How many outbox rows one claim takes: what this replica can send soon, well inside the lease.

A claim larger than that is how duplicates happened without any crash: rows waited for a send
slot past their lease, another replica took them over and sent them, then the first one did
too. A claim that is only what this replica can send soon also leaves the rest of a wave to
the other replicas, so they share it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ClaimSizer:
    """Claim sizes from a moving average of this process's send latency (seconds per send)."""

    concurrency: int
    batch: int
    lease: float
    # Seconds of sending one claim takes on: about one outbox tick, so other replicas ticking
    # meanwhile find rows too.
    horizon: float = 2.0
    # Share of the lease a claim may take to send: room for a slower platform, a slow
    # database and the renewal that runs every third of the lease.
    safety: float = 0.5
    weight: float = 0.3
    latency: float | None = None

    def observe(self, seconds: float) -> None:
        """Fold one send's duration (success or failure: both hold a slot) into the average."""
        seconds = max(seconds, 0.0)
        if self.latency is None:
            self.latency = seconds
        else:
            self.latency += self.weight * (seconds - self.latency)

    def size(self) -> int:
        """Rows to claim now: one per send slot until a latency is known, never over `batch`."""
        if self.latency is None:
            return max(1, min(self.batch, self.concurrency))
        per_send = max(self.latency, 0.001)
        inside_lease = int(self.lease * self.safety * self.concurrency / per_send)
        soon = max(self.concurrency, int(self.horizon * self.concurrency / per_send))
        return max(1, min(self.batch, inside_lease, soon))

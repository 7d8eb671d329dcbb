"""Prometheus metrics of one app instance: HTTP traffic and occurrence gauges read per scrape.

Under `soc2bot serve --workers N` (PROMETHEUS_MULTIPROC_DIR set), each worker writes its
counters to files in that folder and `/metrics`, whichever worker answers, adds up all of
them; the database-derived gauges are read once per scrape as always.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from bot.core.db import Database
from bot.outbox.queue import outbox_depth
from bot.status.summary import count_open_and_overdue
from models import utcnow

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Anything else a client sends as a method is one label value, so it cannot grow the series.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder the workers share their metrics through, when there are several."""
    return os.environ.get(MULTIPROCESS_DIR) or None


class OccurrenceCollector:
    """Open and overdue occurrence gauges, queried when Prometheus scrapes, plus database_up."""

    def __init__(self, database: Callable[[], Database | None]) -> None:
        # A getter, not a Database: the app opens its database later, in the lifespan.
        self._database = database

    def describe(self) -> Iterable[Metric]:
        # Lets the registry check names without querying the database at registration.
        return self._families()

    def collect(self) -> Iterable[Metric]:
        db = self._database()
        up, families = 0, self._families()
        if db is not None:
            try:
                with db.session() as session:
                    open_count, overdue = count_open_and_overdue(session=session, now=utcnow())
            except Exception as exc:  # any failure means "no numbers": the scrape still answers
                # The exception text may name the host or the DSN, so only its type is logged.
                log.warning("Metrics: occurrence query failed (%s)", type(exc).__name__)
            else:
                families[0].add_metric([], open_count)
                families[1].add_metric([], overdue)
                up = 1
        families[2].add_metric([], up)
        return families if up else families[2:]

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                "soc2bot_occurrences_open", "Pending occurrences whose period has started"
            ),
            GaugeMetricFamily("soc2bot_occurrences_overdue", "Pending occurrences past due"),
            GaugeMetricFamily("soc2bot_database_up", "1 when the last scrape reached the database"),
        ]


class OutboxCollector:
    """Outbox rows per status (pending, sending, sent, dead), queried when Prometheus scrapes."""

    def __init__(self, database: Callable[[], Database | None]) -> None:
        self._database = database

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterable[Metric]:
        db = self._database()
        if db is None:
            return []
        try:
            with db.session() as session:
                depth = outbox_depth(session=session)
        except Exception as exc:  # soc2bot_database_up already says the database is away
            log.warning("Metrics: outbox query failed (%s)", type(exc).__name__)
            return []
        family = self._family()
        for status, count in sorted(depth.items()):
            family.add_metric([status], count)
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "soc2bot_outbox_depth", "Outbox messages by status", labels=["status"]
        )


class Metrics:
    """The metrics of one app, on a registry of its own so apps can be built many times."""

    def __init__(self, database: Callable[[], Database | None]) -> None:
        self.registry = CollectorRegistry()
        self._database_collectors = (OccurrenceCollector(database), OutboxCollector(database))
        self.requests = Counter(
            "soc2bot_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "soc2bot_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        for collector in self._database_collectors:
            self.registry.register(collector)
        self.outbox_sent = Counter(
            "soc2bot_outbox_sent",
            "Outbox messages delivered, by platform",
            ["platform"],
            registry=self.registry,
        )
        self.outbox_failed = Counter(
            "soc2bot_outbox_failed",
            "Failed outbox deliveries, by platform and outcome (retry, rate_limited, dead)",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.shed = Counter(
            "soc2bot_requests_shed",
            "Chat requests answered 'busy' at once because this process was saturated",
            ["platform"],
            registry=self.registry,
        )
        self.scheduler_last_tick = Gauge(
            "soc2bot_scheduler_last_tick_timestamp_seconds",
            "When each scheduler job last completed a run on this replica (Unix time)",
            ["job"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.scheduler_leader = Gauge(
            "soc2bot_scheduler_leader",
            "1 while this replica runs the deciding tickers (reminders, digest, occurrences)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and record how long it took."""
        method = method if method in _KNOWN_METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def record_tick(self, job: str, when: float) -> None:
        """A scheduler job completed a run at `when` (Unix time)."""
        self.scheduler_last_tick.labels(job).set(when)

    def record_leader(self, leading: bool) -> None:
        self.scheduler_leader.set(1 if leading else 0)

    def count_delivery(self, *, platform: str, outcome: str) -> None:
        """Count one outbox delivery attempt: `sent`, or a failure's outcome."""
        if outcome == "sent":
            self.outbox_sent.labels(platform).inc()
        else:
            self.outbox_failed.labels(platform, outcome).inc()

    def count_shed(self, platform: str) -> None:
        """One request answered 'busy' instead of being served late."""
        self.shed.labels(platform).inc()

    def render(self) -> bytes:
        """Every metric in the Prometheus text format (every worker's, when there are several)."""
        folder = multiprocess_dir()
        if folder is None:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=folder)  # type: ignore[no-untyped-call]
        for collector in self._database_collectors:
            combined.register(collector)
        return generate_latest(combined)

    def close(self) -> None:
        """This worker is stopping: its live gauges (the leader flag) stop counting."""
        if multiprocess_dir() is not None:
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

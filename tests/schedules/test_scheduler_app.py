"""The app runs the tickers in its lifespan, reports them on /metrics, and can switch them off."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from bot.app import create_app
from bot.core.settings import Settings, SettingsError, load_settings
from schedules.scheduler import (
    DIGEST,
    LEADER,
    MATERIALIZE,
    OUTBOX,
    REMINDERS,
    REVIEWS,
    Tickers,
)

ALL_JOBS = sorted([MATERIALIZE, REMINDERS, DIGEST, OUTBOX, LEADER, REVIEWS])


@pytest.fixture(scope="module", autouse=True)
def _restore_logging() -> Iterator[None]:
    # The app's lifespan reconfigures the root logger; later modules get theirs back.
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    level = logging.getLogger().level
    yield
    for name, (handlers, propagate) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate
    logging.getLogger().setLevel(level)


def service_settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "database_url": f"sqlite:///{tmp}/t.db",
        "evidence_url": f"file://{tmp}/ev",
        "catalog": None,
        "slack_bot_token": None,
        "microsoft_app_id": None,
        "teams_allow_unauthenticated": False,
        "scheduler": True,
    }
    return load_settings(**(values | overrides))


def samples(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def ticked_jobs(client: TestClient) -> set[str]:
    ticks = samples(client).get("soc2bot_scheduler_last_tick_timestamp_seconds", [])
    return {labels["job"] for labels, value in ticks if value > 0}


def test_the_app_starts_the_scheduler_reports_it_on_metrics_and_stops_it(tmp_path: Path) -> None:
    app = create_app(service_settings(tmp_path))
    with TestClient(app) as client:
        made: Tickers = app.state.scheduler
        assert made.scheduler.running and made.job_ids() == ALL_JOBS
        deadline = time.monotonic() + 10
        while not {MATERIALIZE, REMINDERS, DIGEST, OUTBOX, REVIEWS} <= ticked_jobs(client):
            assert time.monotonic() < deadline, ticked_jobs(client)
            time.sleep(0.05)
        assert samples(client)["soc2bot_scheduler_leader"] == [({}, 1.0)]
    assert not made.scheduler.running


def test_scheduler_off_runs_no_tickers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(service_settings(tmp_path, scheduler=False))
    with TestClient(app) as client:
        assert app.state.scheduler is None
        assert samples(client)["soc2bot_scheduler_leader"] == [({}, 0.0)]
        assert ticked_jobs(client) == set()


def test_serve_no_scheduler_turns_the_scheduler_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    from handlers.cli import app as cli

    started: dict[str, Any] = {}
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SOC2BOT_SCHEDULER", "true")  # restored after the test
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: started.update(target=target, **kw))
    result = CliRunner().invoke(cli, ["serve", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert started["target"] == "bot.app:create_app" and started["factory"] is True
    assert os.environ["SOC2BOT_SCHEDULER"] == "false"
    assert load_settings(_env_file=None).scheduler is False


def test_the_test_clock_offset_shifts_the_tickers_and_is_refused_in_production(
    tmp_path: Path,
) -> None:
    app = create_app(service_settings(tmp_path, test_clock_offset_seconds=86400))
    with TestClient(app):
        made: Tickers = app.state.scheduler
        ahead = made.clock() - dt.datetime.now(dt.UTC)
        assert dt.timedelta(hours=23) < ahead <= dt.timedelta(days=1)
    with pytest.raises(SettingsError, match="SOC2BOT_TEST_CLOCK_OFFSET_SECONDS"):
        service_settings(tmp_path, environment="production", test_clock_offset_seconds=60)

"""The HTTP service: start-up on a fresh database, probes, metrics, request ids, errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import func, select

from bot import __version__
from bot.app import create_app, platform_lines
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SoC2BotError
from bot.core.settings import Settings, load_settings
from models import Control, Occurrence, Program

UNREACHABLE_DSN = "postgresql+psycopg://soc2bot:hunter2-secret@127.0.0.1:1/soc2bot"
CORE_ERRORS: list[tuple[type[SoC2BotError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (InvalidInput, 400),
    (Conflict, 409),
]


def make_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings for a throwaway service; no platform configured, whatever the environment says."""
    values: dict[str, Any] = {
        "_env_file": None,
        "database_url": f"sqlite:///{tmp}/t.db",
        "evidence_url": f"file://{tmp}/ev",
        "catalog": None,
        "log_level": "INFO",
        "slack_bot_token": None,
        "slack_signing_secret": None,
        "slack_app_token": None,
        "microsoft_app_id": None,
        "microsoft_app_password": None,
        "teams_allow_unauthenticated": False,
    }
    return load_settings(**(values | overrides))


def json_lines(err: str) -> list[dict[str, Any]]:
    """Every stderr line parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def messages(err: str) -> list[str]:
    return [entry["msg"] for entry in json_lines(err)]


def boom() -> None:
    raise RuntimeError("kaboom: internal detail that must stay in the logs")


def raise_core_error(kind: str) -> None:
    error = {cls.__name__: cls for cls, _ in CORE_ERRORS}[kind]
    raise error(f"{kind} happened, and this text is safe to show")


def get_thing(thing_id: int) -> dict[str, int]:
    return {"thing_id": thing_id}


def add_test_routes(app: FastAPI) -> None:
    app.add_api_route("/test/boom", boom)
    app.add_api_route("/test/core-error/{kind}", raise_core_error)
    app.add_api_route("/test/things/{thing_id}", get_thing)


@pytest.fixture(scope="module", autouse=True)
def _restore_logging() -> Iterator[None]:
    # The app's lifespan reconfigures the root logger; later test modules get it back as it was.
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    level = logging.getLogger().level
    yield
    for name, (handlers, propagate) in saved.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate
    logging.getLogger().setLevel(level)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    app = create_app(make_settings(tmp_path_factory.mktemp("service")))
    add_test_routes(app)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def scrape(client: TestClient) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name → [(labels, value)] from /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def test_service_starts_on_a_fresh_sqlite_file_with_the_starter_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        db: Database = app.state.db
        with db.session() as session:
            assert session.get(Program, 1) is not None
            assert session.exec(select(func.count()).select_from(Control)).one() > 10
            assert session.exec(select(func.count()).select_from(Occurrence)).one() > 0
    assert (tmp_path / "t.db").is_file()
    assert app.state.evidence_store.describe().endswith(str(tmp_path / "ev"))
    logged = messages(capsys.readouterr().err)
    assert any(m.startswith("Catalog: bundled SOC 2 starter catalog") for m in logged)


def test_start_up_says_which_platforms_are_off_and_warns_about_placeholder_owners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path))):
        pass
    entries = json_lines(capsys.readouterr().err)
    by_msg = {e["msg"]: e for e in entries}
    assert by_msg["Slack: off (SLACK_BOT_TOKEN not set)"]["level"] == "INFO"
    assert by_msg["Teams: off (MICROSOFT_APP_ID not set)"]["level"] == "INFO"
    warnings = [e["msg"] for e in entries if e["level"] == "WARNING"]
    placeholder = [m for m in warnings if "owned by placeholder people" in m]
    assert len(placeholder) == 1
    assert "@example.com" in placeholder[0]
    assert "run `soc2bot catalog sync`" in placeholder[0]


def test_platform_lines_say_how_each_platform_is_reached(tmp_path: Path) -> None:
    http = make_settings(tmp_path, slack_bot_token="xoxb-1-a", slack_signing_secret="s")
    socket = make_settings(tmp_path, slack_bot_token="xoxb-1-a", slack_app_token="xapp-1-a")
    teams = make_settings(tmp_path, microsoft_app_id="app", microsoft_app_password="pw")
    assert platform_lines(http)[0] == (logging.INFO, "Slack: on (HTTP mode at POST /slack/events)")
    assert platform_lines(socket)[0][1].startswith("Slack: on (Socket Mode")
    assert platform_lines(teams)[1][1].startswith("Teams: on (Bot Framework at POST /api/messages")
    emulator = make_settings(tmp_path, teams_allow_unauthenticated=True)
    level, line = platform_lines(emulator)[1]
    assert level == logging.WARNING and line.startswith("Teams: on WITHOUT authentication")


def test_healthz_answers_ok_with_the_version(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_readyz_is_ready_while_the_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_unavailable_without_leaking_the_dsn_when_the_database_is_gone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(tmp_path), prepare_database=False)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        app.state.db.dispose()
        app.state.db = Database(UNREACHABLE_DSN)
        response = client.get("/readyz")
        samples = scrape(client)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}
    for text in (response.text, capsys.readouterr().err):
        assert "hunter2" not in text
        assert "127.0.0.1" not in text
        assert "Traceback" not in text
    # The scrape still answers, saying the database is down, without stale gauges.
    assert samples["soc2bot_database_up"] == [({}, 0.0)]
    assert "soc2bot_occurrences_open" not in samples
    assert "soc2bot_http_requests_total" in samples


def test_metrics_count_requests_by_route_template_and_report_occurrence_gauges(
    client: TestClient,
) -> None:
    client.get("/healthz")
    client.get("/test/things/41")
    client.get("/test/things/42")
    client.get("/no/such/page/9f3c")
    samples = scrape(client)

    counts = {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples["soc2bot_http_requests_total"]
    }
    assert counts[("GET", "/healthz", "200")] >= 1
    assert counts[("GET", "/test/things/{thing_id}", "200")] >= 2
    assert counts[("GET", "unmatched", "404")] >= 1
    assert not any("/no/such" in route or "/41" in route for _, route, _ in counts)
    assert any(
        labels["route"] == "/healthz"
        for labels, _ in samples["soc2bot_http_request_duration_seconds_count"]
    )
    assert samples["soc2bot_database_up"] == [({}, 1.0)]
    ((_, open_count),) = samples["soc2bot_occurrences_open"]
    ((_, overdue),) = samples["soc2bot_occurrences_overdue"]
    assert open_count >= 0
    assert overdue >= 0


def test_a_safe_request_id_is_echoed_and_others_are_replaced(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.01"}).headers["X-Request-ID"]
        == "lb-7f3a.01"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "x" * 65}).headers["X-Request-ID"]
    assert replaced != "x" * 65
    assert len(replaced) == 16
    unsafe = client.get("/healthz", headers={"X-Request-ID": "a b;c"}).headers["X-Request-ID"]
    assert unsafe != "a b;c"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert generated and generated != client.get("/healthz").headers["X-Request-ID"]


def test_an_unexpected_error_answers_500_with_a_reference_and_logs_the_traceback(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    response = client.get("/test/boom", headers={"X-Request-ID": "trace-me-1"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-me-1"
    assert response.json() == {"error": "Something went wrong on our side. Reference: trace-me-1"}
    assert "kaboom" not in response.text
    assert "Traceback" not in response.text
    errors = [e for e in json_lines(capsys.readouterr().err) if e["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["correlation_id"] == "trace-me-1"
    assert "RuntimeError: kaboom" in errors[0]["exc"]
    assert "/test/boom" in errors[0]["msg"]
    counts = {
        (labels["route"], labels["status"])
        for labels, _ in scrape(client)["soc2bot_http_requests_total"]
    }
    assert ("/test/boom", "500") in counts


@pytest.mark.parametrize(("error", "status"), CORE_ERRORS)
def test_core_errors_answer_their_status_with_the_message(
    client: TestClient, error: type[SoC2BotError], status: int
) -> None:
    response = client.get(f"/test/core-error/{error.__name__}")
    assert response.status_code == status
    assert response.json() == {"error": f"{error.__name__} happened, and this text is safe to show"}
    assert response.headers["X-Request-ID"]

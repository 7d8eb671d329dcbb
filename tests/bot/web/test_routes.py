"""The HTTP front: `GET /` says what the service is; refusals read as one line, never a blob."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import __version__
from bot.app import create_app
from bot.core.settings import Settings, load_settings
from bot.export.folder import prepare_folder
from bot.web.errors import NOT_FOUND

SECRETS = {
    "secret_key": "k-" + "s" * 40,
    "metrics_token": "scrape-secret-token",
    "slack_signing_secret": "slack-signing-secret-value",
}
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}  # as a browser sends


def settings_for(tmp: Path, **overrides: Any) -> Settings:
    """A throwaway service with no chat platform on, whatever the environment says."""
    values: dict[str, Any] = {
        "_env_file": None,
        "database_url": f"sqlite:///{tmp}/t.db",
        "evidence_url": f"file://{tmp}/ev",
        "catalog": None,
        "slack_bot_token": None,
        "slack_app_token": None,
        "microsoft_app_id": None,
        "microsoft_app_password": None,
        "teams_allow_unauthenticated": False,
        "scheduler": False,
    }
    return load_settings(**(values | overrides))


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


def typed(thing_id: int, limit: int = 10) -> dict[str, int]:
    """A route with typed parameters, as a future one might have."""
    return {"thing_id": thing_id, "limit": limit}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    tmp = tmp_path_factory.mktemp("front")
    folder = prepare_folder(tmp / "exports")
    settings = settings_for(tmp, public_url="https://soc2.acme.com", export_dir=folder, **SECRETS)
    app = create_app(settings, prepare_database=False)
    app.add_api_route("/test/typed/{thing_id}", typed)
    return app


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def assert_one_line_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"], body  # no "detail", no pydantic report
    assert isinstance(body["error"], str) and "\n" not in body["error"]
    return str(body["error"])


def test_the_front_page_says_what_this_is_and_where_the_probes_are(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    about = answer.json()
    assert about["service"] == "soc2bot" and about["version"] == __version__
    assert "SOC 2" in about["about"]
    assert about["endpoints"] == {
        "health": "/healthz",
        "readiness": "/readyz",
        "metrics": "/metrics",
    }
    assert about["metrics_need_token"] is True
    assert client.get(about["endpoints"]["health"]).status_code == 200
    assert client.get(about["endpoints"]["metrics"]).status_code == 401  # as it says
    assert client.head("/").status_code == 200


def test_a_browser_gets_the_same_as_a_small_page(client: TestClient) -> None:
    page = client.get("/", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for part in (f"soc2bot <small>{__version__}</small>", 'href="/healthz"', 'href="/readyz"'):
        assert part in page.text
    assert 'href="/metrics"' in page.text and "needs a bearer token" in page.text
    assert "<script" not in page.text


def test_the_front_page_shows_no_secret_and_no_configuration(client: TestClient) -> None:
    shown = client.get("/").text + client.get("/", headers=HTML).text
    for secret in SECRETS.values():
        assert secret not in shown
    assert "sqlite" not in shown and "acme.com" not in shown and "exports" not in shown


def test_the_front_page_follows_a_proxy_prefix(app: FastAPI) -> None:
    with TestClient(app, root_path="/soc2") as client:
        assert client.get("/").json()["endpoints"]["health"] == "/soc2/healthz"


@pytest.mark.parametrize(
    "path",
    [
        "/exports/x",
        "/exports/x?expires=abc&sig=zz",
        "/exports/x?expires=1&expires=2&sig=",
        "/exports/soc2-evidence_2026-01-01_2026-06-30_20261130T120000Z.zip",
        "/exports/soc2-evidence_2026-01-01_2026-06-30_20261130T120000Z.zip?expires=-1&sig=%FF",
    ],
)
def test_a_bad_export_link_is_a_plain_404(client: TestClient, path: str) -> None:
    assert "not valid" in assert_one_line_error(client.get(path), 404)


UNKNOWN = [
    "/exports/",
    "/exports",
    "/exports/..%2F..%2Fetc%2Fpasswd",
    "/nope",
    "/healthz/x",
    "/.env",
]


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_path_is_a_worded_404(client: TestClient, path: str) -> None:
    assert assert_one_line_error(client.get(path), 404) == NOT_FOUND


def test_a_wrong_method_is_a_worded_405_that_keeps_allow(client: TestClient) -> None:
    answer = client.post("/healthz")
    text = assert_one_line_error(answer, 405)
    assert "POST" in text and "GET" in text and "GET" in answer.headers["allow"]


def test_malformed_typed_input_is_a_400_naming_where_and_echoing_nothing(
    client: TestClient,
) -> None:
    echoed = "not-a-number-but-maybe-a-secret"
    text = assert_one_line_error(client.get(f"/test/typed/{echoed}?limit=lots"), 400)
    assert text == (
        "This request is not valid: check the path part 'thing_id' and query parameter 'limit'."
    )
    assert echoed not in text and "lots" not in text
    assert client.get("/test/typed/41?limit=2").json() == {"thing_id": 41, "limit": 2}


def test_every_refusal_still_gets_a_request_id(client: TestClient) -> None:
    for answer in (client.get("/nope"), client.get("/test/typed/x"), client.post("/")):
        assert answer.headers["x-request-id"]

"""The csv source: an export on the server's disk, read with the chat upload's strict rules."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.connectors.facts import SourceError
from bot.connectors.registry import check_source, pull_population

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def pull(path: Path | str) -> list[tuple[str, str, str | None]]:
    population = pull_population({"type": "csv", "path": str(path)}, env={}, now=NOW)
    assert population.label == f"CSV file {path}"
    return [(a.id, a.name, a.email) for a in population.accounts]


def failure(path: Path | str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "csv", "path": str(path)}, env={}, now=NOW)
    assert caught.value.system == "CSV file"
    return caught.value


def test_every_row_becomes_an_account_keyed_by_account_and_system(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Login,Email,Application,Owner,Permission,Last login\r\n"
        "ada,Ada@Acme.test,Jenkins,gina@acme.test,Admin,2025-02-20\r\n"
        "ada,,Grafana,,viewer,last week\r\n"
        "svc-build,,,,,\r\n",
        encoding="utf-8-sig",
    )

    population = pull_population({"type": "csv", "path": str(path)}, env={}, now=NOW)

    ada, ada_grafana, service = population.accounts
    assert (ada.id, ada.name, ada.email) == ("ada@Jenkins", "ada", "ada@acme.test")
    assert ada.privileges == ("admin",)  # an export's own word for a privileged role
    assert ada.last_active == dt.datetime(2025, 2, 20, tzinfo=dt.UTC)
    assert ada.attributes == {
        "system": "Jenkins",
        "system_owner": "gina@acme.test",
        "role": "Admin",
    }
    assert ada_grafana.id == "ada@Grafana" and ada_grafana.privileges == ()
    assert ada_grafana.last_active is None
    assert ada_grafana.attributes["last_login"] == "last week"  # kept for the reviewer as is
    assert (service.id, service.attributes, service.active) == ("svc-build", {}, True)


def test_a_missing_file_names_the_setting_to_fix(tmp_path: Path) -> None:
    error = failure(tmp_path / "nowhere.csv")

    assert error.kind == "missing_setting"
    assert "nowhere.csv does not exist on the server" in error.reason
    assert failure(tmp_path).kind == "missing_setting"  # a folder is no file either


def test_a_bad_row_fails_the_whole_pull_listing_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("account,email,system\nada,not-an-email,Jenkins\n,,Jenkins\nbob,,x\n")

    error = failure(path)

    assert error.kind == "bad_response"
    assert "row 2: email “not-an-email” is not an email address" in error.reason
    assert "row 3: account is empty" in error.reason


def test_a_file_without_an_account_column_says_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("name,mail\nada,ada@acme.test\n")

    assert "found: name, mail" in failure(path).reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_forbidden_not_missing(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("account\nada\n")
    path.chmod(0)

    error = failure(path)

    assert error.kind == "forbidden" and "may not read" in error.reason


def test_the_catalog_needs_a_path_and_no_credentials(tmp_path: Path) -> None:
    assert check_source({"type": "csv"}, {}) == (["csv source needs `path`"], [])
    assert check_source({"type": "csv", "path": str(tmp_path / "a.csv")}, {}) == ([], [])
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "csv", "path": ""}, env={}, now=NOW)

    assert caught.value.kind == "missing_setting" and "`path`" in caught.value.reason

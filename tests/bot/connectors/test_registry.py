"""The source registry: catalog checks, credentials, one pull for every source, no secrets."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from bot.connectors import registry
from bot.connectors.facts import Account, SourceError
from bot.connectors.registry import (
    SourceConfig,
    SourceType,
    check_source,
    describe_source,
    pull_population,
    setting_text,
)

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "s3cr3t-token-value"


def test_a_catalog_source_is_checked_for_type_settings_and_text() -> None:
    errors, _ = check_source({"type": "gitlab"}, env={})
    assert errors and "source type must be one of" in errors[0] and "github" in errors[0]
    errors, _ = check_source({"type": "github", "orgs": "acme"}, env={})
    assert "github source needs `org`" in errors
    assert any("has no setting `orgs`" in e and "api_url, org" in e for e in errors)
    errors, _ = check_source({"type": "okta", "domain": ["a", "b"]}, env={})
    assert "okta source setting `domain` must be text" in errors


def test_missing_credentials_are_a_warning_naming_the_variable() -> None:
    errors, warnings = check_source({"type": "github", "org": "acme"}, env={})
    assert errors == []
    assert warnings == [
        "github source: set GITHUB_TOKEN in the environment before the review starts"
    ]
    _, warnings = check_source({"type": "github", "org": "acme"}, env={"GITHUB_TOKEN": "x"})
    assert warnings == []
    # A database source names the variable its catalog entry chose.
    _, warnings = check_source({"type": "postgres", "dsn_env": "APP_DB_DSN"}, env={})
    assert warnings and "APP_DB_DSN" in warnings[0]


def test_sources_are_named_as_people_know_them() -> None:
    assert describe_source({"type": "github", "org": "acme"}) == "GitHub organization acme"
    assert describe_source({"type": "nope"}) == "nope"
    assert setting_text(False) == "no" and setting_text(True) == "yes"
    assert setting_text(3) == "3"


@pytest.fixture
def fake_source(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exception | list[Account]]]:
    """A source type `fake` whose pull returns (or raises) what the test queues."""
    script: list[Exception | list[Account]] = []

    def pull(config: SourceConfig) -> list[Account]:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    fake = SourceType(
        name="fake", system="Fake", required=("org",), optional=(),
        credentials=(("FAKE_TOKEN",),), describe=lambda s: f"Fake {s['org']}", pull=pull,
    )  # fmt: skip
    monkeypatch.setitem(registry.MODULES, "fake", "bot.connectors.registry")
    monkeypatch.setattr(registry, "source_type", lambda name: fake)
    yield script


def test_a_pull_merges_accounts_listed_twice_and_says_where_it_came_from(
    fake_source: list[Exception | list[Account]],
) -> None:
    fake_source.append([Account("1", "ana", privileges=("owner",)), Account("1", "ana")])
    population = pull_population(
        {"type": "fake", "org": "acme"}, env={"FAKE_TOKEN": SECRET}, now=NOW
    )
    assert population.label == "Fake acme" and population.pulled_at == NOW
    assert population.accounts == (Account("1", "ana", privileges=("owner",)),)


def test_a_missing_credential_fails_before_any_request(
    fake_source: list[Exception | list[Account]],
) -> None:
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "fake", "org": "acme"}, env={}, now=NOW)
    assert caught.value.kind == "missing_setting" and "FAKE_TOKEN" in caught.value.reason


def test_no_failure_carries_the_secret_into_the_message_or_the_log(
    fake_source: list[Exception | list[Account]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_source.append(SourceError("Fake", f"refused token {SECRET}", kind="unauthorized"))
    fake_source.append(RuntimeError(f"SDK said: Authorization: Bearer {SECRET}"))
    env = {"FAKE_TOKEN": SECRET}
    with pytest.raises(SourceError) as first:
        pull_population({"type": "fake", "org": "acme"}, env=env, now=NOW)
    assert first.value.kind == "unauthorized" and "refused token ***" in str(first.value)
    with pytest.raises(SourceError) as second:
        pull_population({"type": "fake", "org": "acme"}, env=env, now=NOW)
    assert second.value.kind == "bad_response"
    assert str(second.value) == "Fake: failed unexpectedly (RuntimeError)"
    assert SECRET not in str(first.value) + str(second.value) + caplog.text

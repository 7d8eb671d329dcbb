"""Settings: spec §5 names and defaults; invalid settings are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import DEFAULT_ALLOWED_TYPES, SettingsError, load_settings


def test_defaults_match_the_spec() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///./data/soc2bot.db"
    assert s.evidence_url == "file://./data/evidence"
    assert s.catalog is None and s.slack_api_url == "https://slack.com/api/"
    assert not s.slack_enabled and not s.teams_enabled and not s.teams_allow_unauthenticated
    assert s.evidence_max_bytes == 25 * 1024 * 1024
    assert s.evidence_allowed_types == DEFAULT_ALLOWED_TYPES


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_API_URL=http://127.0.0.1:9/api\nSOC2BOT_PORT=9000\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/soc2")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_ALLOWED_TYPES", "application/pdf, text/csv")
    s = load_settings()
    assert s.database_url == "postgresql+psycopg://u@db/soc2"
    assert s.slack_api_url == "http://127.0.0.1:9/api/" and s.port == 9000
    assert s.evidence_allowed_types == ("application/pdf", "text/csv")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SOC2BOT_EVIDENCE_URL": "/tmp/x"}, "SOC2BOT_EVIDENCE_URL"),
        ({"SOC2BOT_PORT": "eighty"}, "SOC2BOT_PORT"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"MICROSOFT_APP_ID": "abc"}, "MICROSOFT_APP_PASSWORD"),
        ({"SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED": "maybe"}, "SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED"),
    ],
)
def test_invalid_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_secrets_are_not_shown_in_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh-signing")
    s = load_settings()
    assert "xoxb-very-secret" not in repr(s) and "shh-signing" not in repr(s)
    assert s.slack_enabled


def test_production_refuses_unauthenticated_teams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOC2BOT_ENV", "production")
    monkeypatch.setenv("SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED", "true")
    with pytest.raises(SettingsError, match="refused when SOC2BOT_ENV=production"):
        load_settings()


def test_a_multitenant_teams_bot_with_no_allowed_tenant_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "app")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret")
    monkeypatch.setenv("SOC2BOT_ENV", "production")
    with pytest.raises(SettingsError, match="SOC2BOT_TEAMS_ALLOWED_TENANTS"):
        load_settings()
    monkeypatch.setenv("SOC2BOT_TEAMS_ALLOWED_TENANTS", " Tenant-A ,tenant-b")
    assert load_settings().teams_tenants == {"tenant-a", "tenant-b"}


def test_the_home_tenant_is_served_whatever_the_app_type_and_the_list_only_when_multitenant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "HOME")
    monkeypatch.setenv("SOC2BOT_TEAMS_ALLOWED_TENANTS", "partner")
    assert load_settings().teams_tenants == {"home", "partner"}
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "SingleTenant")
    assert load_settings().teams_tenants == {"home"}


def test_exports_are_built_in_the_data_folder_by_default() -> None:
    assert load_settings().exports_folder == Path("data/exports")

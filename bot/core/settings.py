"""Service settings from the environment and `.env` (spec §5); invalid settings stop start-up."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "text/markdown",
    "application/json",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-excel",
    "application/msword",
)


class SettingsError(Exception):
    """Settings that cannot be used; the message lists each problem by variable name."""


class Settings(BaseSettings):
    """Every knob of the service, named as the environment variable that sets it."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field("sqlite:///./data/soc2bot.db", validation_alias="DATABASE_URL")
    evidence_url: str = Field("file://./data/evidence", validation_alias="SOC2BOT_EVIDENCE_URL")
    catalog: Path | None = Field(None, validation_alias="SOC2BOT_CATALOG")
    environment: Literal["development", "production"] = Field(
        "development", validation_alias="SOC2BOT_ENV"
    )
    host: str = Field("127.0.0.1", validation_alias="SOC2BOT_HOST")
    port: int = Field(8000, ge=1, le=65535, validation_alias="SOC2BOT_PORT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="SOC2BOT_LOG_LEVEL"
    )
    scheduler: bool = Field(True, validation_alias="SOC2BOT_SCHEDULER")
    # Seconds between scheduler ticks; what is due is re-read from the database each time.
    reminder_tick_seconds: float = Field(
        300, gt=0, le=3600, validation_alias="SOC2BOT_REMINDER_TICK_SECONDS"
    )
    digest_tick_seconds: float = Field(
        300, gt=0, le=3600, validation_alias="SOC2BOT_DIGEST_TICK_SECONDS"
    )
    # Pulled access reviews: how often due reviews start and revoked access is re-checked
    # (each follow-up at most once a day).
    review_tick_seconds: float = Field(
        900, gt=0, le=86400, validation_alias="SOC2BOT_REVIEW_TICK_SECONDS"
    )
    outbox_tick_seconds: float = Field(
        2, gt=0, le=300, validation_alias="SOC2BOT_OUTBOX_TICK_SECONDS"
    )
    # Failed sends before a message is dead (and the compliance channel is told, once).
    outbox_max_attempts: int = Field(8, ge=1, le=50, validation_alias="SOC2BOT_OUTBOX_MAX_ATTEMPTS")
    leader_retry_seconds: float = Field(
        5, gt=0, le=300, validation_alias="SOC2BOT_LEADER_RETRY_SECONDS"
    )
    # The most rows one outbox claim takes (fewer while sends are slow, schedules/claims.py),
    # and how long a claim holds unless renewed before another replica may take the row over.
    outbox_batch: int = Field(100, ge=1, le=1000, validation_alias="SOC2BOT_OUTBOX_BATCH")
    outbox_lease_seconds: float = Field(
        180, ge=6, le=3600, validation_alias="SOC2BOT_OUTBOX_LEASE_SECONDS"
    )
    # Tests only (refused in production): shifts the service's clock, so that a test of real
    # `serve` processes can run on a weekend as on a working day (tests/schedules/replicas.py).
    test_clock_offset_seconds: float = Field(
        0, validation_alias="SOC2BOT_TEST_CLOCK_OFFSET_SECONDS"
    )
    # Where every bundle asked for in chat is built (created 0700, owned by the service), and
    # the largest one sent as a file in chat; a larger one is fetched from the server.
    export_dir: Path = Field(Path("./data/exports"), validation_alias="SOC2BOT_EXPORT_DIR")
    # Chat exports built at once; more wait their turn (each holds memory and a core).
    export_max_concurrent: int = Field(
        2, ge=1, le=16, validation_alias="SOC2BOT_EXPORT_MAX_CONCURRENT"
    )
    # The Ed25519 key that signs bundle manifests and witnessed audit heads: 32 bytes, hex or
    # base64. Unset: read from (or created once at) SOC2BOT_SIGNING_KEY_FILE.
    signing_key: SecretStr | None = Field(None, validation_alias="SOC2BOT_SIGNING_KEY")
    signing_key_file: Path = Field(
        Path("./data/signing-key"), validation_alias="SOC2BOT_SIGNING_KEY_FILE"
    )
    # When set, GET /metrics answers only `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = Field(None, validation_alias="SOC2BOT_METRICS_TOKEN")
    # With both set, chat exports also come as a signed link, valid 24 hours, served at
    # GET /exports/… by this service (so SOC2BOT_EXPORT_DIR must be shared by all replicas).
    public_url: str | None = Field(None, validation_alias="SOC2BOT_PUBLIC_URL")
    secret_key: SecretStr | None = Field(None, validation_alias="SOC2BOT_SECRET_KEY")
    export_upload_max_bytes: int = Field(
        250 * 1024 * 1024, gt=0, validation_alias="SOC2BOT_EXPORT_UPLOAD_MAX_BYTES"
    )
    horizon_days: int = Field(120, ge=7, le=3660, validation_alias="SOC2BOT_HORIZON_DAYS")
    evidence_max_bytes: int = Field(
        25 * 1024 * 1024, gt=0, validation_alias="SOC2BOT_EVIDENCE_MAX_BYTES"
    )
    s3_endpoint_url: str | None = Field(None, validation_alias="SOC2BOT_S3_ENDPOINT_URL")
    evidence_allowed_types: Annotated[tuple[str, ...], NoDecode] = Field(
        DEFAULT_ALLOWED_TYPES, validation_alias="SOC2BOT_EVIDENCE_ALLOWED_TYPES"
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(None, validation_alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(
        None, validation_alias="MICROSOFT_APP_PASSWORD"
    )
    microsoft_app_tenant_id: str | None = Field(None, validation_alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias="MICROSOFT_APP_TYPE"
    )
    # Further Teams tenants served by a MultiTenant bot, besides MICROSOFT_APP_TENANT_ID.
    teams_allowed_tenants: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="SOC2BOT_TEAMS_ALLOWED_TENANTS"
    )
    teams_allow_unauthenticated: bool = Field(
        False, validation_alias="SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED"
    )
    # Where the Bot Framework's token signing keys are published; only private clouds (and
    # tests with their own signing keys) change it.
    teams_openid_metadata_url: str | None = Field(
        None, validation_alias="SOC2BOT_TEAMS_OPENID_METADATA_URL"
    )

    @field_validator("evidence_allowed_types", "teams_allowed_tenants", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(t.strip().lower() for t in value.split(",") if t.strip())
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if value.startswith("postgres:"):
            value = "postgresql:" + value.removeprefix("postgres:")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("evidence_url")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if not value.startswith(("file://", "s3://")):
            raise ValueError("must start with file:// or s3://")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _coherent_platforms(self) -> Settings:
        if self.slack_bot_token and not self.slack_signing_secret and not self.slack_app_token:
            raise ValueError("SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not")
        if self.environment == "production" and self.teams_allow_unauthenticated:
            raise ValueError(
                "SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED=true is refused when SOC2BOT_ENV=production"
            )
        if self.environment == "production" and self.test_clock_offset_seconds:
            raise ValueError(
                "SOC2BOT_TEST_CLOCK_OFFSET_SECONDS is refused when SOC2BOT_ENV=production"
            )
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("SOC2BOT_SECRET_KEY must be at least 32 characters")
        if self.microsoft_app_id and not self.microsoft_app_password:
            raise ValueError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not")
        single = self.microsoft_app_type == "SingleTenant" and self.microsoft_app_id
        if single and not self.microsoft_app_tenant_id:
            raise ValueError("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
        if self.environment == "production" and self.microsoft_app_id and not self.teams_tenants:
            raise ValueError(
                "a MultiTenant Teams bot in production needs MICROSOFT_APP_TENANT_ID or "
                "SOC2BOT_TEAMS_ALLOWED_TENANTS: otherwise any tenant's users could reach it"
            )
        return self

    @property
    def teams_tenants(self) -> frozenset[str]:
        """The home Teams tenants: the only ones served (empty: any, development only)."""
        tenants = set()
        if self.microsoft_app_tenant_id:
            tenants.add(self.microsoft_app_tenant_id.strip().lower())
        if self.microsoft_app_type == "MultiTenant":
            tenants.update(self.teams_allowed_tenants)
        return frozenset(tenants)

    @property
    def export_links(self) -> tuple[str, bytes] | None:
        """(public base URL, signing key) when chat exports may be handed out as links."""
        if self.public_url and self.secret_key:
            return self.public_url, self.secret_key.get_secret_value().encode()
        return None

    @property
    def exports_folder(self) -> Path:
        """Where chat exports are built and served from."""
        return self.export_dir

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id) or self.teams_allow_unauthenticated

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into one readable `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"  {_env_name(where)}: {err['msg']}")
        raise SettingsError("Invalid settings:\n" + "\n".join(problems)) from None


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field


def valid_timezone(name: str) -> bool:
    """True when `name` is an IANA timezone this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def connector_env(env_file: str = ".env") -> dict[str, str]:
    """What access-review sources read their credentials from: the process environment, over
    the same `.env` file the settings read (a token kept there works as one exported)."""
    from dotenv import dotenv_values  # pydantic-settings' own .env reader

    found = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    return found | dict(os.environ)

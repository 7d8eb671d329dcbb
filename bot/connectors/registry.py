"""The source types a catalog may name, their settings and credentials, and one way to pull.

Each source lives in its own module, which defines `SOURCE`; modules load on first use, so
boto3, msal and google-auth cost nothing to a program that never pulls from them.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.connectors.facts import Account, Population, SourceError

log = logging.getLogger(__name__)

MODULES = {
    "github": "bot.connectors.github",
    "google_workspace": "bot.connectors.google_workspace",
    "okta": "bot.connectors.okta",
    "entra": "bot.connectors.entra",
    "aws_iam": "bot.connectors.aws_iam",
    "slack": "bot.connectors.slack",
    "postgres": "bot.connectors.databases",
    "mysql": "bot.connectors.databases",
    "csv": "bot.connectors.csv_source",
}


@dataclass(frozen=True)
class SourceConfig:
    """What one pull gets: the catalog's settings for the source, and where secrets are.

    `client`, `sleep` and `max_wait` are for tests and benchmarks: a client pointed at a fake,
    a clock that does not really wait.
    """

    settings: Mapping[str, str]
    env: Mapping[str, str]
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 120.0
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceType:
    """One kind of source: its catalog settings, its credentials and how to pull it.

    `credentials` lists alternatives: the pull can run when every variable of any one of
    them is set (e.g. a token, or an app id with its secret). An empty tuple means the
    source needs no variable (the SDK's own chain, or a DSN in the catalog's settings).
    """

    name: str
    system: str  # "GitHub", as people name it
    required: tuple[str, ...]
    optional: tuple[str, ...]
    credentials: tuple[tuple[str, ...], ...]
    describe: Callable[[Mapping[str, str]], str]
    pull: Callable[[SourceConfig], list[Account]]
    # When the variables' names come from the settings (a DSN's variable, named in the catalog).
    credentials_for: Callable[[Mapping[str, str]], tuple[tuple[str, ...], ...]] | None = None

    def needs(self, settings: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
        """The credential alternatives for these settings."""
        if self.credentials_for is None:
            return self.credentials
        return self.credentials_for({k: setting_text(v) for k, v in settings.items()})


def source_type(name: str) -> SourceType:
    """The source type called `name`; KeyError when there is none."""
    module = importlib.import_module(MODULES[name])
    found: SourceType = getattr(module, "SOURCES", {}).get(name) or module.SOURCE
    return found


def setting_text(value: Any) -> str:
    """A catalog setting as the sources read it: YAML's yes/no/true/false are "yes"/"no"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe_source(spec: Mapping[str, Any]) -> str:
    """What people call the source ("GitHub organization acme"), or its type when unknown."""
    kind = str(spec.get("type") or "its source")
    if kind not in MODULES:
        return kind
    settings = {k: setting_text(v) for k, v in spec.items() if k != "type"}
    try:
        return source_type(kind).describe(settings)
    except (KeyError, ValueError):  # settings too broken to describe: the catalog check says why
        return source_type(kind).system


def check_source(spec: Mapping[str, Any], env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Errors (the catalog is wrong) and warnings (credentials not set here) for a source."""
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in MODULES:
        known = ", ".join(sorted(MODULES))
        return [f"source type must be one of {known} (got {kind!r})"], []
    found = source_type(kind)
    settings = {k: v for k, v in spec.items() if k != "type"}
    errors = [f"{kind} source needs `{name}`" for name in found.required if not settings.get(name)]
    allowed = set(found.required) | set(found.optional)
    errors += [
        f"{kind} source has no setting `{name}` (it takes {', '.join(sorted(allowed))})"
        for name in sorted(settings)
        if name not in allowed
    ]
    errors += [
        f"{kind} source setting `{name}` must be text"
        for name, value in sorted(settings.items())
        if not isinstance(value, str | int)
    ]
    missing = _missing_credentials(found, settings, env)
    warnings = [f"{kind} source: {missing}"] if missing else []
    return errors, warnings


def _missing_credentials(
    found: SourceType, settings: Mapping[str, Any], env: Mapping[str, str]
) -> str | None:
    needs = found.needs(settings)
    if not needs or any(all(env.get(v) for v in opt) for opt in needs):
        return None
    options = " or ".join(" + ".join(opt) for opt in needs)
    return f"set {options} in the environment before the review starts"


def pull_population(
    spec: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    now: dt.datetime,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = 120.0,
) -> Population:
    """Every account of the source, or SourceError: never part of them.

    Checked first: the settings and credentials, so a missing one says which. Accounts with
    the same id (an owner also listed as a member) are merged, first one wins.
    """
    errors, _ = check_source(spec, env)
    kind = str(spec.get("type"))
    if errors:
        raise SourceError(kind, "; ".join(errors), kind="missing_setting")
    found = source_type(kind)
    settings = {k: setting_text(v) for k, v in spec.items() if k != "type"}
    missing = _missing_credentials(found, settings, env)
    if missing:
        raise SourceError(found.system, missing, kind="missing_setting")
    config = SourceConfig(settings, env, client=client, sleep=sleep, max_wait=max_wait)
    try:
        accounts = found.pull(config)
    except SourceError as exc:
        raise SourceError(exc.system, scrub(exc.reason, found, config), kind=exc.kind) from None
    except Exception as exc:  # an SDK's own error: its type only, its text may hold secrets
        log.warning("%s pull failed: %s", found.system, type(exc).__name__)
        reason = f"failed unexpectedly ({type(exc).__name__})"
        raise SourceError(found.system, reason, kind="bad_response") from None
    unique: dict[str, Account] = {}
    for account in accounts:
        unique.setdefault(account.id, account)
    return Population(kind, found.describe(settings), now, tuple(unique.values()))


def scrub(text: str, found: SourceType, config: SourceConfig) -> str:
    """`text` without any credential value or secret setting that could have slipped in."""
    secrets = [config.env.get(v, "") for opt in found.needs(config.settings) for v in opt]
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text

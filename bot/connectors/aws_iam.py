"""AWS IAM as a source: every user, the root account and (optionally) every role, with admins.

Users come from the authorization details (current), enriched by the credential report
(console, MFA, keys, last use; made at most every 4 hours, so a newer user has no row yet).
Credentials: AWS's usual chain (environment keys, a profile, an instance or task role).
Least privilege: iam:GenerateCredentialReport, iam:GetCredentialReport and
iam:GetAccountAuthorizationDetails, or the AWS managed SecurityAudit policy.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore import exceptions as aws
from botocore.config import Config
from botocore.retries import standard

from bot.connectors.facts import Account, FailureKind, SourceError
from bot.connectors.http import Budget, parse_instant
from bot.connectors.registry import SourceConfig, SourceType

SYSTEM = "AWS IAM"
MAX_ATTEMPTS = 5  # botocore's standard retry mode: throttling, 5xx, dropped connections
PAGE_SIZE = 100  # GetAccountAuthorizationDetails' MaxItems (AWS's default; at most 1000)
REPORT_POLLS, REPORT_POLL_SECONDS = 15, 2.0  # a report takes seconds; stop after about 30
ADMIN_POLICIES = ("AdministratorAccess", "IAMFullAccess")  # AWS managed, by name
ADMIN_ACTIONS = frozenset({"*", "iam:*"})  # on Resource "*": can grant itself anything
_REFUSED = {"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "AuthFailure"}
_REFUSED |= {"ExpiredTokenException", "UnrecognizedClientException"}
_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
Details = dict[str, list[dict[str, Any]]]  # GetAccountAuthorizationDetails' lists, all pages
_THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded"}
_LEAST_PRIVILEGE = (
    "allow iam:GenerateCredentialReport, iam:GetCredentialReport and "
    "iam:GetAccountAuthorizationDetails (or attach SecurityAudit)"
)
_NO_CREDENTIALS = (
    "found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
    "or run the bot with an instance or task role"
)


def describe(settings: Mapping[str, str]) -> str:
    url = urlsplit(settings.get("api_url") or "")
    return f"{SYSTEM} at {url.hostname}" if url.hostname else SYSTEM


def pull(config: SourceConfig) -> list[Account]:
    """The root account, every user and (include_roles) every role; SourceError otherwise."""
    include_roles = (config.settings.get("include_roles") or "yes").strip().lower()
    if include_roles not in ("yes", "no"):
        reason = f"include_roles must be yes or no (got {include_roles!r})"
        raise SourceError(SYSTEM, reason, kind="missing_setting")
    with _calling("sign in"):
        client = _client(config)
    details = _details(client, include_roles == "yes")
    report = _report(client, config.sleep)
    return _accounts(details, report)


def _client(config: SourceConfig) -> Any:
    env = config.env
    if bool(env.get("AWS_ACCESS_KEY_ID")) != bool(env.get("AWS_SECRET_ACCESS_KEY")):
        reason = "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither"
        raise SourceError(SYSTEM, reason, kind="missing_setting")
    session = boto3.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_session_token=env.get("AWS_SESSION_TOKEN") or None,
        profile_name=env.get("AWS_PROFILE") or None,
    )
    retries = {"mode": "standard", "max_attempts": MAX_ATTEMPTS}
    client = session.client(
        "iam",
        region_name=config.settings.get("region") or "us-east-1",
        endpoint_url=config.settings.get("api_url") or None,
        config=Config(retries=retries, connect_timeout=5, read_timeout=30),
    )
    _wait_through(client, config.sleep, Budget(max_wait=config.max_wait))
    return client


def _wait_through(client: Any, sleep: Callable[[float], None], budget: Budget) -> None:
    """botocore's standard policy decides each retry and its delay; `sleep` does the waiting
    (botocore would call time.sleep), within the pull's wait budget like every source's."""
    event, unique = "needs-retry.iam", "retry-config-iam"  # botocore's names for IAM
    client.meta.events.unregister(event, unique_id=unique)
    policy = standard.register_retry_handler(client, max_attempts=MAX_ATTEMPTS)
    client.meta.events.unregister(event, unique_id=unique)

    def needs_retry(**kwargs: Any) -> float | bool | None:
        delay = policy.needs_retry(**kwargs)
        if delay is None:
            return None
        if budget.waited + delay > budget.max_wait:
            return False  # the error surfaces now: "rate_limited", the next tick tries again
        budget.waited += delay
        sleep(delay)
        return 0.0  # retry at once: the wait is done

    client.meta.events.register(event, needs_retry, unique_id=unique)


@contextmanager
def _calling(action: str) -> Iterator[None]:
    """botocore's errors as SourceError: codes only, never AWS's text (it may echo a key)."""
    try:
        yield
    except (aws.NoCredentialsError, aws.PartialCredentialsError, aws.ProfileNotFound):
        raise SourceError(SYSTEM, _NO_CREDENTIALS, kind="missing_setting") from None
    except aws.ClientError as exc:
        raise _refusal(exc, action) from None
    except (aws.ConnectTimeoutError, aws.ReadTimeoutError):
        raise SourceError(SYSTEM, f"did not answer {action} in time", kind="timeout") from None
    except aws.EndpointConnectionError:
        raise SourceError(SYSTEM, "could not be reached", kind="unreachable") from None
    except aws.BotoCoreError as exc:
        reason = f"failed on {action} ({type(exc).__name__})"
        raise SourceError(SYSTEM, reason, kind="bad_response") from None


def _refusal(exc: aws.ClientError, action: str) -> SourceError:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    kind: FailureKind = "bad_response"
    reason = f"refused {action} ({code or status})"
    if code in _REFUSED:
        kind, reason = "unauthorized", f"refused the credentials ({code}): check the key and secret"
    elif code.startswith("AccessDenied"):
        kind, reason = "forbidden", f"the credentials may not call {action}: {_LEAST_PRIVILEGE}"
    elif code in _THROTTLED:
        kind, reason = "rate_limited", "is still throttling us: the next tick tries again"
    elif code.startswith("Report"):  # ReportInProgress, ReportNotPresent, ReportExpired
        kind, reason = "timeout", f"has no credential report ready ({code}): try later"
    elif status >= 500:
        kind, reason = "unreachable", f"answered {status} ({code}) repeatedly"
    return SourceError(SYSTEM, reason, kind=kind)


def _details(client: Any, roles: bool) -> Details:
    """Users, groups, roles and customer managed policies, every page."""
    kinds = ["User", "Group", "LocalManagedPolicy"] + (["Role"] if roles else [])
    found: Details = {key: [] for key in _LISTS}
    with _calling("iam:GetAccountAuthorizationDetails"):
        paginator = client.get_paginator("get_account_authorization_details")
        for page in paginator.paginate(Filter=kinds, PaginationConfig={"PageSize": PAGE_SIZE}):
            for key, entries in found.items():
                entries.extend(page.get(key) or [])
    return found


def _report(client: Any, sleep: Callable[[float], None]) -> list[dict[str, str]]:
    """The credential report's rows, after asking AWS to (re)generate it if it is old."""
    with _calling("iam:GenerateCredentialReport"):
        for _ in range(REPORT_POLLS):
            if client.generate_credential_report().get("State") == "COMPLETE":
                break
            sleep(REPORT_POLL_SECONDS)
        else:
            waited = f"{REPORT_POLLS * REPORT_POLL_SECONDS:.0f} s"
            reason = f"the credential report was not ready after {waited}: the next tick tries"
            raise SourceError(SYSTEM, reason, kind="timeout")
    with _calling("iam:GetCredentialReport"):
        content = client.get_credential_report().get("Content") or b""
    try:
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error):
        rows = [{}]
    if rows and not {"user", "arn", "mfa_active", "password_enabled"} <= set(rows[0]):
        raise SourceError(SYSTEM, "sent a credential report we cannot read", kind="bad_response")
    return rows


def _accounts(details: Details, report: list[dict[str, str]]) -> list[Account]:
    rows = {row.get("arn", ""): row for row in report}
    admin_docs = {p["Arn"] for p in details["Policies"] if _admin_document(_default_document(p))}
    groups = details["GroupDetailList"]
    admins = {g["GroupName"] for g in groups if _grants_admin(g, "GroupPolicyList", admin_docs)}
    accounts = [_root(row) for row in report if row.get("user") == "<root_account>"]
    for user in details["UserDetailList"]:
        admin = bool(admins & set(user.get("GroupList") or []))  # through a group
        admin = admin or _grants_admin(user, "UserPolicyList", admin_docs)
        accounts.append(_user(user, rows.get(user.get("Arn", "")), admin))
    for role in details["RoleDetailList"]:
        accounts.append(_role(role, _grants_admin(role, "RolePolicyList", admin_docs)))
    return accounts


def _root(row: dict[str, str]) -> Account:
    return Account(
        id=row["arn"],
        name="root",
        privileges=("root",),
        mfa=row.get("mfa_active") == "true",
        last_active=_last_used(row),
        kind="root",
        attributes={"arn": row["arn"], "access_keys": str(_active_keys(row))},
    )


def _user(user: dict[str, Any], row: dict[str, str] | None, admin: bool) -> Account:
    attributes = {"arn": str(user.get("Arn", ""))}
    if user.get("GroupList"):
        attributes["groups"] = ", ".join(user["GroupList"])
    console, keys = bool(row and row.get("password_enabled") == "true"), _active_keys(row or {})
    if row is None:  # created since AWS last made the report: nothing known of its use yet
        attributes["credentials"] = "not in the credential report yet"
    else:
        attributes |= {"console": "yes" if console else "no", "access_keys": str(keys)}
    return Account(
        id=user["UserId"],  # stays when the user is renamed (its ARN does not)
        name=user["UserName"],
        privileges=("admin",) * admin,
        # As AWS reports it: a user without a console password can still have an MFA device.
        mfa=None if row is None else row.get("mfa_active") == "true",
        last_active=_last_used(row or {}),
        # No password and no active key: it cannot sign in at all.
        active=row is None or console or keys > 0,
        attributes=attributes,
    )


def _role(role: dict[str, Any], admin: bool) -> Account:
    last = (role.get("RoleLastUsed") or {}).get("LastUsedDate")  # botocore: aware datetime
    attributes = {"arn": str(role.get("Arn", ""))}
    if str(role.get("Path", "")).startswith("/aws-service-role/"):
        attributes["service_linked"] = "yes"  # made and managed by an AWS service
    return Account(
        id=role["RoleId"],
        name=role["RoleName"],
        privileges=("admin",) * admin,
        last_active=last.astimezone(dt.UTC) if isinstance(last, dt.datetime) else None,
        kind="role",
        attributes=attributes,
    )


def _active_keys(row: dict[str, str]) -> int:
    return sum(row.get(f"access_key_{n}_active") == "true" for n in (1, 2))


def _last_used(row: dict[str, str]) -> dt.datetime | None:
    """The latest console sign-in or access key use (dates; "N/A", "no_information" are none)."""
    columns = ("password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")
    used = [when for column in columns if (when := parse_instant(row.get(column)))]
    return max(used, default=None)


def _grants_admin(entity: dict[str, Any], inline: str, admin_docs: set[str]) -> bool:
    for policy in entity.get("AttachedManagedPolicies") or []:
        arn = str(policy.get("PolicyArn", ""))
        aws_managed = arn.split(":")[4:5] == ["aws"]
        if (aws_managed and arn.rsplit("/", 1)[-1] in ADMIN_POLICIES) or arn in admin_docs:
            return True
    return any(_admin_document(p.get("PolicyDocument")) for p in entity.get(inline) or [])


def _default_document(policy: dict[str, Any]) -> Any:
    versions = policy.get("PolicyVersionList") or []
    return next((v.get("Document") for v in versions if v.get("IsDefaultVersion")), None)


def _admin_document(document: Any) -> bool:
    """Whether a policy allows every action (or every IAM action) on every resource."""
    if isinstance(document, str):  # boto3 decodes them; the raw API sends URL-encoded JSON
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions, resources = statement.get("Action", []), statement.get("Resource", [])
        actions = {actions} if isinstance(actions, str) else set(actions)
        resources = {resources} if isinstance(resources, str) else set(resources)
        if actions & ADMIN_ACTIONS and "*" in resources:
            return True
    return False


SOURCE = SourceType(
    name="aws_iam",
    system=SYSTEM,
    required=(),
    optional=("region", "api_url", "include_roles"),
    credentials=(),  # AWS's own chain: keys, profile or an instance role
    describe=describe,
    pull=pull,
)

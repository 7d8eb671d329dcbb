"""The aws_iam source against moto's IAM on a real HTTP server: admins, report, failures."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.iam.models import AccessKeyLastUsed, iam_backends

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import check_source, pull_population
from tests.bot.connectors.fake_iam import ACCOUNT, FakeIam

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
LEAST = ["iam:GenerateCredentialReport", "iam:GetCredentialReport"]
LEAST += ["iam:GetAccountAuthorizationDetails"]
EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
MANAGED = "arn:aws:iam::aws:policy/"
WHEN = dt.datetime(2025, 2, 20, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def iam() -> Iterator[FakeIam]:
    with FakeIam() as fake:
        yield fake


def reviewer(iam: FakeIam, actions: list[str] = LEAST) -> dict[str, str]:
    """The least-privileged reviewing user's access key, as the bot's environment holds it."""
    seed = iam.admin()
    seed.create_user(UserName="auditor")
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    seed.put_user_policy(UserName="auditor", PolicyName="review", PolicyDocument=document)
    key = seed.create_access_key(UserName="auditor")["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def pull(
    iam: FakeIam, env: dict[str, str], sleeps: list[float] | None = None, **settings: Any
) -> Population:
    iam.require_auth()
    recorded = [] if sleeps is None else sleeps
    spec = {"type": "aws_iam", "api_url": iam.url, **settings}
    return pull_population(spec, env=env, now=NOW, sleep=recorded.append, max_wait=60)


def failure(iam: FakeIam, env: dict[str, str], **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(iam, env, **kwargs)
    for secret in env.values():
        assert secret not in str(caught.value)
    return caught.value


def by_name(population: Population) -> dict[str, Account]:
    return {account.name: account for account in population.accounts}


def test_pulls_every_user_and_role_across_pages(iam: FakeIam) -> None:
    seed = iam.admin()
    for n in range(100):
        seed.create_user(UserName=f"user{n:03}")
    for n in range(10):
        seed.create_role(RoleName=f"role{n:02}", AssumeRolePolicyDocument="{}")
    env, sleeps = reviewer(iam), list[float]()

    accounts = by_name(pull(iam, env, sleeps))

    assert {f"user{n:03}" for n in range(100)} | {f"role{n:02}" for n in range(10)} < set(accounts)
    assert accounts["root"].kind == "root" and accounts["root"].privileges == ("root",)
    pages = iam.called("GetAccountAuthorizationDetails")
    assert [p.get("MaxItems") for p in pages] == ["100", "100"]
    assert "Marker" not in pages[0] and pages[1]["Marker"]
    assert sleeps == [2.0]  # the report was STARTED, then COMPLETE on the second ask


def test_maps_admins_mfa_console_keys_and_last_use(
    iam: FakeIam, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AdministratorAccess & co.
    seed = iam.admin()
    for name in ("alice", "bob", "carol", "dave", "erin", "frank"):
        seed.create_user(UserName=name)
    seed.create_login_profile(UserName="alice", Password="Pw-12345678!")
    serial = seed.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    seed.enable_mfa_device(
        UserName="alice",
        SerialNumber=serial["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    seed.attach_user_policy(UserName="alice", PolicyArn=MANAGED + "AdministratorAccess")
    seed.create_group(GroupName="iam-admins")
    seed.attach_group_policy(GroupName="iam-admins", PolicyArn=MANAGED + "IAMFullAccess")
    seed.add_user_to_group(GroupName="iam-admins", UserName="bob")
    seed.create_access_key(UserName="bob")
    everything = json.dumps(EVERYTHING)
    seed.put_user_policy(UserName="carol", PolicyName="all", PolicyDocument=everything)
    seed.create_group(GroupName="ops")
    seed.put_group_policy(GroupName="ops", PolicyName="all", PolicyDocument=everything)
    seed.add_user_to_group(GroupName="ops", UserName="dave")
    arn = seed.create_policy(PolicyName="breakglass", PolicyDocument=everything)["Policy"]["Arn"]
    seed.attach_user_policy(UserName="erin", PolicyArn=arn)
    seed.attach_user_policy(UserName="frank", PolicyArn=MANAGED + "ReadOnlyAccess")
    seed.create_role(RoleName="deploy", AssumeRolePolicyDocument="{}")
    seed.attach_role_policy(RoleName="deploy", PolicyArn=MANAGED + "AdministratorAccess")
    seed.create_role(RoleName="reader", AssumeRolePolicyDocument="{}")
    backend = iam_backends[ACCOUNT]["global"]  # what AWS records as people use access
    backend.users["alice"].password_last_used = WHEN  # type: ignore[assignment]
    key = backend.users["bob"].access_keys[0]
    key.last_used = AccessKeyLastUsed(timestamp=WHEN, service="s3", region="us-east-1")
    backend.get_role("deploy").last_used = WHEN
    iam.root = {"mfa_active": "false", "password_last_used": "2025-01-05T10:00:00+00:00"}
    ids = {name: seed.get_user(UserName=name)["User"]["UserId"] for name in ("alice", "bob")}

    accounts = by_name(pull(iam, reviewer(iam)))

    alice, bob, frank = accounts["alice"], accounts["bob"], accounts["frank"]
    assert alice.id == ids["alice"] and bob.id == ids["bob"]  # UserId: survives a rename
    assert alice.privileges == ("admin",) and alice.mfa is True
    assert alice.attributes["console"] == "yes" and alice.last_active == WHEN
    assert bob.privileges == ("admin",) and bob.mfa is False  # IAMFullAccess through a group
    assert bob.attributes["access_keys"] == "1" and bob.last_active == WHEN
    assert bob.attributes["groups"] == "iam-admins" and bob.attributes["console"] == "no"
    assert [accounts[n].privileges for n in ("carol", "dave", "erin")] == [("admin",)] * 3
    assert frank.privileges == () and not frank.active  # no password, no key: cannot sign in
    assert accounts["auditor"].privileges == ()  # read-only rights are not admin
    deploy, reader = accounts["deploy"], accounts["reader"]
    assert deploy.kind == "role" and deploy.privileges == ("admin",) and deploy.last_active == WHEN
    assert reader.privileges == () and reader.last_active is None
    root = accounts["root"]
    assert root.id == f"arn:aws:iam::{ACCOUNT}:root" and root.mfa is False
    assert root.last_active == dt.datetime(2025, 1, 5, 10, tzinfo=dt.UTC)


def test_users_newer_than_the_report_and_roles_left_out(iam: FakeIam) -> None:
    iam.admin().create_user(UserName="newcomer")
    iam.admin().create_role(RoleName="deploy", AssumeRolePolicyDocument="{}")
    iam.not_in_report = {"newcomer"}

    accounts = by_name(pull(iam, reviewer(iam), include_roles="no"))

    assert "deploy" not in accounts
    assert "Role" not in iam.called("GetAccountAuthorizationDetails")[0].values()
    newcomer = accounts["newcomer"]
    assert newcomer.mfa is None and newcomer.last_active is None and newcomer.active
    assert newcomer.attributes["credentials"] == "not in the credential report yet"


def test_a_report_that_never_completes_fails_after_a_bounded_wait(iam: FakeIam) -> None:
    iam.report_stuck = True
    sleeps: list[float] = []

    error = failure(iam, reviewer(iam), sleeps=sleeps)

    assert error.kind == "timeout" and "not ready after 30 s" in error.reason
    assert sleeps == [2.0] * 15


def test_refused_credentials_are_unauthorized_and_never_echoed(iam: FakeIam) -> None:
    env = reviewer(iam)

    wrong_secret = failure(iam, {**env, "AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"})
    unknown_key = failure(iam, {**env, "AWS_ACCESS_KEY_ID": "AKIAUNKNOWNUNKNOWN00"})

    assert wrong_secret.kind == unknown_key.kind == "unauthorized"
    assert "SignatureDoesNotMatch" in wrong_secret.reason
    assert "InvalidClientTokenId" in unknown_key.reason
    assert env["AWS_ACCESS_KEY_ID"] not in wrong_secret.reason + unknown_key.reason


def test_a_missing_permission_is_forbidden_and_names_it(iam: FakeIam) -> None:
    error = failure(iam, reviewer(iam, ["iam:GenerateCredentialReport", "iam:GetCredentialReport"]))

    assert error.kind == "forbidden"
    assert "may not call iam:GetAccountAuthorizationDetails" in error.reason
    assert "SecurityAudit" in error.reason


def test_throttling_is_retried_by_botocore_with_our_clock(iam: FakeIam) -> None:
    env, sleeps = reviewer(iam), list[float]()
    iam.throttles["GetAccountAuthorizationDetails"] = 2

    assert "auditor" in by_name(pull(iam, env, sleeps))
    assert len(iam.called("GetAccountAuthorizationDetails")) == 3
    assert len(sleeps) == 3 and sleeps[-1] == 2.0  # two backoffs, then the report's poll

    iam.throttles["GetAccountAuthorizationDetails"] = 10
    error = failure(iam, env)
    assert error.kind == "rate_limited"
    assert len(iam.called("GetAccountAuthorizationDetails")) == 3 + 5  # botocore's 5 attempts


def test_an_outage_or_a_dead_endpoint_is_unreachable(iam: FakeIam) -> None:
    env, sleeps = reviewer(iam), list[float]()
    iam.outage = True

    error = failure(iam, env, sleeps=sleeps)

    assert error.kind == "unreachable" and "503" in error.reason and len(sleeps) == 4
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError) as caught:
        pull_population(
            {"type": "aws_iam", "api_url": f"http://127.0.0.1:{port}"},
            env=env,
            now=NOW,
            sleep=lambda _: None,
        )
    assert caught.value.kind == "unreachable"


def test_no_credentials_anywhere_is_a_missing_setting(
    iam: FakeIam, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    error = failure(iam, {})
    half = failure(iam, {"AWS_ACCESS_KEY_ID": "AKIAHALFHALFHALFHALF"})

    assert error.kind == half.kind == "missing_setting"
    assert "found no AWS credentials" in error.reason and "AWS_PROFILE" in error.reason
    assert "set both" in half.reason


def test_the_catalog_needs_no_variable_and_checks_include_roles(iam: FakeIam) -> None:
    assert check_source({"type": "aws_iam"}, {}) == ([], [])
    assert pull(iam, reviewer(iam), region="eu-west-1").label == "AWS IAM at 127.0.0.1"

    error = failure(iam, {}, include_roles="maybe")

    assert error.kind == "missing_setting" and "include_roles must be yes or no" in error.reason

"""The Microsoft Entra ID source against local fakes of Graph and of Entra's sign-in (msal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import pull_population, source_type
from tests.bot.connectors.fake_graph import FakeGraph

TENANT, CLIENT = "8f4b1c2e-0000-4000-8000-00000000aaaa", "2c9d7e11-0000-4000-8000-00000000bbbb"
SECRET = "Qx8~s3cretValue.ThatMustNeverLeak_123"
NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
ALL = {"User.Read.All", "GroupMember.Read.All", "Application.Read.All", "AuditLog.Read.All"}
ALL |= {"RoleManagement.Read.Directory"}


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph(TENANT) as server:
        server.login.add_app(CLIENT, SECRET, ALL)
        yield server


@pytest.fixture
def client(fake: FakeGraph) -> Iterator[httpx.Client]:
    with httpx.Client(verify=fake.client_tls, timeout=5.0) as trusting:
        yield trusting


def pull(
    fake: FakeGraph,
    client: httpx.Client,
    *,
    secret: str = SECRET,
    sleeps: list[float] | None = None,
    **settings: str,
) -> Population:
    env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": secret}
    spec = {"type": "entra", "api_url": fake.url, "login_url": fake.login.url, **settings}
    sleep = (sleeps if sleeps is not None else []).append
    return pull_population(spec, env=env, now=NOW, client=client, sleep=sleep)


def refusal(fake: FakeGraph, client: httpx.Client, **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(fake, client, **kwargs)
    assert SECRET not in str(caught.value)
    return caught.value


def by_name(population: Population) -> dict[str, Account]:
    return {a.name: a for a in population.accounts}


def graph_calls(fake: FakeGraph, path: str) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path == path]


def test_every_user_is_pulled_over_several_pages_with_flags(
    fake: FakeGraph, client: httpx.Client
) -> None:
    fake.page_size = 3
    ana = fake.add_user("ana@acme.test", signed_in="2025-02-27T08:15:00Z")
    fake.add_user("old@acme.test", enabled=False)
    fake.add_user("partner@vendor.test", guest=True)
    for n in range(8):
        fake.add_user(f"dev{n}@acme.test")
    fake.make_admin(ana)
    fake.make_admin(ana, "User Administrator")
    population = pull(fake, client)
    users = by_name(population)
    assert len(users) == 11 and population.label == "Microsoft Entra ID (all users)"
    assert users["ana@acme.test"] == Account(
        id=ana,
        name="ana@acme.test",
        email="ana@acme.test",
        privileges=("Global Administrator", "User Administrator"),
        last_active=dt.datetime(2025, 2, 27, 8, 15, tzinfo=dt.UTC),
        kind="member",
        attributes={"display_name": "Ana"},
    )
    assert users["old@acme.test"].active is False and users["dev0@acme.test"].active
    assert users["partner@vendor.test"].kind == "guest"
    assert users["dev3@acme.test"].privileges == () and users["dev3@acme.test"].mfa is None
    pages = graph_calls(fake, "/v1.0/users")
    assert len(pages) == 4 and all(q["$top"] == "999" for q in pages)
    assert "$skiptoken" not in pages[0] and all("$skiptoken" in q for q in pages[1:])
    assert all("signInActivity" in q["$select"] for q in pages)


def test_a_tenant_without_premium_still_gets_its_users_without_sign_ins(
    fake: FakeGraph, client: httpx.Client
) -> None:
    fake.premium = False
    fake.add_user("ana@acme.test", signed_in="2025-02-27T08:15:00Z")
    users = by_name(pull(fake, client))
    assert users["ana@acme.test"].last_active is None
    first, second = graph_calls(fake, "/v1.0/users")
    assert "signInActivity" in first["$select"] and "signInActivity" not in second["$select"]


def test_without_role_permission_privileges_stay_empty_but_the_pull_succeeds(
    fake: FakeGraph, client: httpx.Client
) -> None:
    fake.login.add_app(CLIENT, SECRET, {"User.Read.All", "AuditLog.Read.All"})
    fake.make_admin(fake.add_user("ana@acme.test"))
    assert by_name(pull(fake, client))["ana@acme.test"].privileges == ()


def test_a_group_review_lists_its_members_only_users_and_others(
    fake: FakeGraph, client: httpx.Client
) -> None:
    fake.page_size = 2
    ana, raj = fake.add_user("ana@acme.test"), fake.add_user("raj@acme.test")
    fake.add_user("outsider@acme.test")
    robot = fake.add_app("Deploy Robot")
    nested = fake.add_group("Contractors", [])
    group = fake.add_group("Prod Access", [ana, raj, robot, nested])
    fake.make_admin(robot, "Application Administrator")
    population = pull(fake, client, group_id=group)
    accounts = by_name(population)
    assert population.label == f"Microsoft Entra ID group {group}"
    assert sorted(accounts) == ["Contractors", "Deploy Robot", "ana@acme.test", "raj@acme.test"]
    assert accounts["ana@acme.test"].email == "ana@acme.test"
    assert accounts["Deploy Robot"].kind == "service"
    assert accounts["Deploy Robot"].privileges == ("Application Administrator",)
    assert accounts["Contractors"].kind == "group"
    assert len(graph_calls(fake, f"/v1.0/groups/{group}/members")) == 2


def test_an_unknown_group_is_not_found(fake: FakeGraph, client: httpx.Client) -> None:
    error = refusal(fake, client, group_id="11111111-2222-3333-4444-555555555555")
    assert error.kind == "not_found" and "Resource does not exist" in error.reason
    assert graph_calls(fake, "/v1.0/users") == []  # failed before the long list


@pytest.mark.parametrize("by", ["object id", "application id"])
def test_an_app_review_lists_its_assignees_with_their_app_roles(
    fake: FakeGraph, client: httpx.Client, by: str
) -> None:
    ana, raj = fake.add_user("ana@acme.test"), fake.add_user("raj@acme.test")
    fake.add_user("outsider@acme.test", signed_in="2025-01-01T00:00:00Z")
    app = fake.add_app("Payroll", roles=["Admin", "Reader"])
    finance = fake.add_group("Finance", [raj])
    fake.assign(app, ana, "Admin")
    fake.assign(app, ana, "Reader")
    fake.assign(app, raj)
    fake.assign(app, finance, "Reader")
    key = app if by == "object id" else fake.objects[app]["appId"]
    accounts = by_name(pull(fake, client, app_id=key))
    assert sorted(accounts) == ["Finance", "ana@acme.test", "raj@acme.test"]
    assert accounts["ana@acme.test"].attributes["app_roles"] == "Admin, Reader"
    assert accounts["ana@acme.test"].attributes["display_name"] == "Ana"
    assert accounts["raj@acme.test"].attributes["app_roles"] == "Default Access"
    assert accounts["Finance"].kind == "group"


def test_a_wrong_client_secret_is_unauthorized_with_the_aadsts_code_only(
    fake: FakeGraph, client: httpx.Client
) -> None:
    wrong = "Zz9~another.Secret.Value_0000000000"
    with pytest.raises(SourceError) as caught:
        pull(fake, client, secret=wrong)
    error = caught.value
    assert error.kind == "unauthorized"
    assert "invalid_client, AADSTS7000215" in error.reason and "AZURE_CLIENT_SECRET" in error.reason
    assert wrong not in str(error) and "Ensure the secret" not in str(error)
    assert fake.requests == []  # Graph never asked


def test_an_unknown_tenant_is_not_found(fake: FakeGraph, client: httpx.Client) -> None:
    fake.login.tenant = "someone-else"
    error = refusal(fake, client)
    assert error.kind == "not_found" and "AZURE_TENANT_ID" in error.reason


def test_an_expired_token_is_unauthorized(fake: FakeGraph, client: httpx.Client) -> None:
    fake.login.lifetime = 0
    fake.add_user("ana@acme.test")
    error = refusal(fake, client)
    assert error.kind == "unauthorized" and "token is expired" in error.reason


def test_an_app_without_user_read_all_is_forbidden(fake: FakeGraph, client: httpx.Client) -> None:
    fake.login.add_app(CLIENT, SECRET, {"GroupMember.Read.All"})
    error = refusal(fake, client)
    assert error.kind == "forbidden" and "Insufficient privileges" in error.reason


def test_throttled_then_served_waits_as_asked(fake: FakeGraph, client: httpx.Client) -> None:
    fake.add_user("ana@acme.test")
    fake.throttles = ["7"]
    sleeps: list[float] = []
    assert len(pull(fake, client, sleeps=sleeps).accounts) == 1
    assert sleeps == [7.0]


def test_a_graph_outage_fails_the_pull_after_retries(fake: FakeGraph, client: httpx.Client) -> None:
    fake.outage = 503
    sleeps: list[float] = []
    error = refusal(fake, client, sleeps=sleeps)
    assert error.kind == "unreachable" and len(sleeps) == 3


def test_a_silent_sign_in_service_times_out(fake: FakeGraph) -> None:
    fake.login.latency = 1.0
    with httpx.Client(verify=fake.client_tls, timeout=0.2) as impatient:
        error = refusal(fake, impatient)
    assert error.kind == "timeout"


def test_missing_credentials_and_conflicting_settings(
    fake: FakeGraph, client: httpx.Client
) -> None:
    spec = {"type": "entra", "api_url": fake.url}
    with pytest.raises(SourceError) as caught:
        pull_population(spec, env={"AZURE_TENANT_ID": TENANT}, now=NOW)
    assert caught.value.kind == "missing_setting"
    assert "AZURE_CLIENT_ID + AZURE_CLIENT_SECRET" in caught.value.reason
    error = refusal(fake, client, group_id="g", app_id="a")
    assert error.kind == "missing_setting" and fake.login.requests == []
    assert source_type("entra").describe({"app_id": "a1"}) == "Microsoft Entra ID app a1"

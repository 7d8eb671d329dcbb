"""The okta source against a local fake of Okta's API: pages, admins, MFA, apps, failures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import pull_population
from tests.bot.connectors.fake_okta import TOKEN, FakeOkta

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
def okta() -> Iterator[FakeOkta]:
    with FakeOkta() as fake:
        assert isinstance(fake, FakeOkta)
        yield fake


def pull(
    okta: FakeOkta,
    sleeps: list[float] | None = None,
    env: dict[str, str] | None = None,
    **settings: str,
) -> Population:
    spec: dict[str, Any] = {"type": "okta", "domain": "acme.okta.com", "api_url": okta.url}
    recorded = [] if sleeps is None else sleeps
    return pull_population(
        {**spec, **settings},
        env={"OKTA_API_TOKEN": TOKEN} if env is None else env,
        now=NOW,
        sleep=recorded.append,
    )


def failure(okta: FakeOkta, **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(okta, **kwargs)
    assert TOKEN not in str(caught.value)
    return caught.value


def by_name(population: Population) -> dict[str, Account]:
    return {account.name: account for account in population.accounts}


def test_pulls_every_user_across_pages_by_the_after_cursor(okta: FakeOkta) -> None:
    ids = [okta.add_user(f"user{n}@acme.com") for n in range(450)]

    population = pull(okta)

    assert [a.id for a in population.accounts] == ids
    assert population.label == "Okta acme.okta.com"
    pages = [r for r in okta.requests if r.path == "/api/v1/users"]
    assert [r.query.get("limit") for r in pages] == ["200", "200", "200"]
    assert [r.query.get("after") for r in pages] == [None, ids[199], ids[399]]
    assert all(r.headers["authorization"] == f"SSWS {TOKEN}" for r in okta.requests)


def test_maps_admins_statuses_and_last_login(okta: FakeOkta) -> None:
    okta.add_user("ada@acme.com", admin=True, last_login="2025-02-20T08:30:00.000Z")
    okta.add_user("bob@acme.com", status="SUSPENDED", last_login="2024-06-01T00:00:00.000Z")
    okta.add_user("cy@acme.com", status="LOCKED_OUT")
    okta.add_user("dee@acme.com", status="PASSWORD_EXPIRED")
    okta.add_user("new@acme.com", status="STAGED")

    accounts = by_name(pull(okta))

    ada = accounts["ada@acme.com"]
    assert ada.privileges == ("admin",) and ada.active and ada.email == "ada@acme.com"
    assert ada.last_active == dt.datetime(2025, 2, 20, 8, 30, tzinfo=dt.UTC)
    assert not accounts["bob@acme.com"].active
    assert accounts["bob@acme.com"].attributes == {"status": "SUSPENDED"}
    assert accounts["cy@acme.com"].active and accounts["dee@acme.com"].active
    assert accounts["new@acme.com"].last_active is None  # never signed in
    assert not accounts["new@acme.com"].active
    assert all(a.mfa is None for a in accounts.values())
    assert okta.paths("/api/v1/users/") == []  # no per-user factor calls unless asked


def test_admins_are_found_across_pages_of_the_assignees_list(okta: FakeOkta) -> None:
    admins = {okta.add_user(f"admin{n}@acme.com", admin=True) for n in range(130)}
    okta.add_user("plain@acme.com")

    population = pull(okta)

    assert {a.id for a in population.accounts if a.privileges == ("admin",)} == admins
    assert len(okta.paths("/api/v1/iam/assignees/users")) == 2


def test_check_mfa_asks_each_users_factors(okta: FakeOkta) -> None:
    okta.add_user("totp@acme.com", factors=["ACTIVE"])
    okta.add_user("pending@acme.com", factors=["PENDING_ACTIVATION"])
    okta.add_user("none@acme.com")

    accounts = by_name(pull(okta, check_mfa="yes"))

    assert accounts["totp@acme.com"].mfa is True
    assert accounts["pending@acme.com"].mfa is False
    assert accounts["none@acme.com"].mfa is False
    assert len(okta.paths("/api/v1/users/")) == 3


def test_an_app_lists_its_assignments_with_their_user_names(okta: FakeOkta) -> None:
    okta.add_app("0oa1salesforce")
    people = [okta.add_user(f"p{n}@acme.com") for n in range(520)]
    for n, user_id in enumerate(people):
        okta.assign("0oa1salesforce", user_id, f"sf-p{n}", scope="GROUP" if n % 2 else "USER")
    okta.assign("0oa1salesforce", people[0], "sf-p0", status="INACTIVE")

    population = pull(okta, app_id="0oa1salesforce")

    assert population.label == "Okta app 0oa1salesforce at acme.okta.com"
    assert len(population.accounts) == 520
    first, second = population.accounts[0], population.accounts[1]
    assert (first.id, first.name, first.email) == (people[0], "sf-p0", "p0@acme.com")
    assert not first.active and second.active
    assert second.attributes == {"status": "ACTIVE", "assigned": "group"}
    assert len(okta.paths("/api/v1/apps/0oa1salesforce/users")) == 2
    assert okta.paths("/api/v1/users") == []


def test_an_unknown_app_is_not_found(okta: FakeOkta) -> None:
    error = failure(okta, app_id="0oa-missing")

    assert error.kind == "not_found"
    assert "Resource not found: 0oa-missing (AppInstance)" in error.reason


def test_a_wrong_token_is_unauthorized(okta: FakeOkta) -> None:
    error = failure(okta, env={"OKTA_API_TOKEN": "00stale-token-123"})

    assert error.kind == "unauthorized"
    assert "Invalid token provided" in error.reason
    assert "00stale-token-123" not in str(error)


def test_a_token_that_cannot_read_admin_roles_is_forbidden(okta: FakeOkta) -> None:
    okta.tokens[TOKEN] = frozenset({"users", "apps"})  # a help-desk admin's token
    okta.add_user("ada@acme.com")

    error = failure(okta)

    assert error.kind == "forbidden"
    assert "You do not have permission" in error.reason
    assert "read-only administrator" in error.reason


def test_waits_out_a_429_with_retry_after_then_succeeds(okta: FakeOkta) -> None:
    okta.add_user("ada@acme.com")
    okta.throttles = ["7"]
    sleeps: list[float] = []

    population = pull(okta, sleeps=sleeps)

    assert [a.name for a in population.accounts] == ["ada@acme.com"]
    assert sleeps == [7.0]


def test_waits_until_oktas_rate_limit_reset_when_there_is_no_retry_after(okta: FakeOkta) -> None:
    okta.add_user("ada@acme.com")
    okta.reset_throttles = [5]
    sleeps: list[float] = []

    population = pull(okta, sleeps=sleeps)

    assert len(population.accounts) == 1
    assert len(sleeps) == 1 and 4.0 <= sleeps[0] <= 7.0


def test_a_missing_token_is_a_missing_setting(okta: FakeOkta) -> None:
    error = failure(okta, env={})

    assert error.kind == "missing_setting"
    assert "OKTA_API_TOKEN" in error.reason
    assert okta.requests == []


def test_an_outage_fails_the_whole_pull(okta: FakeOkta) -> None:
    okta.add_user("ada@acme.com")
    okta.outage = 503

    error = failure(okta)

    assert error.kind == "unreachable"


def test_a_removed_user_is_gone_from_the_next_pull(okta: FakeOkta) -> None:
    keep = okta.add_user("ada@acme.com")
    gone = okta.add_user("bob@acme.com", admin=True)
    assert len(pull(okta).accounts) == 2

    okta.remove(gone)

    assert [a.id for a in pull(okta).accounts] == [keep]

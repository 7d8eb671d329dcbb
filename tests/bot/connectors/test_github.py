"""The GitHub source against a local fake of GitHub's REST API."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import check_source, pull_population, source_type
from tests.bot.connectors.fake_github import FakeGitHub

TOKEN = "ghp_S3cretT0kenValue0000000000000000000"
NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(org="acme", token=TOKEN) as server:
        yield server


def pull(
    fake: FakeGitHub,
    *,
    token: str | None = TOKEN,
    org: str = "acme",
    sleeps: list[float] | None = None,
    client: httpx.Client | None = None,
    max_wait: float = 120.0,
) -> Population:
    env = {"GITHUB_TOKEN": token} if token is not None else {}
    return pull_population(
        {"type": "github", "org": org, "api_url": fake.api_url},
        env=env,
        now=NOW,
        client=client,
        sleep=(sleeps if sleeps is not None else []).append,
        max_wait=max_wait,
    )


def refusal(fake: FakeGitHub, **kwargs: object) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(fake, **kwargs)  # type: ignore[arg-type]
    assert TOKEN not in str(caught.value)
    return caught.value


def by_name(population: Population) -> dict[str, Account]:
    return {a.name: a for a in population.accounts}


def test_every_member_of_a_large_org_is_pulled_over_13_pages(fake: FakeGitHub) -> None:
    for n in range(1234):
        fake.add_member(f"dev{n:04d}", admin=n < 3, two_factor=n % 10 != 0)

    population = pull(fake)

    assert len(population.accounts) == 1234
    assert len({a.id for a in population.accounts}) == 1234
    assert population.label == "GitHub organization acme"
    assert population.source_type == "github" and population.pulled_at == NOW
    everyone = [
        r
        for r in fake.requests
        if r.path.endswith("/members") and not r.query.keys() - {"per_page", "page"}
    ]
    assert len(everyone) == 13
    assert all(r.query["per_page"] == "100" for r in everyone)
    # After the first page the client follows GitHub's links to /organizations/{id}/members.
    assert [r.path for r in everyone[1:]] == ["/organizations/4242/members"] * 12
    assert sum(a.mfa is False for a in population.accounts) == 124
    assert sum(a.privileges == ("owner",) for a in population.accounts) == 3


def test_owners_two_factor_and_outside_collaborators_are_mapped(fake: FakeGitHub) -> None:
    octo = fake.add_member("octo", admin=True, user_id=583231)
    fake.add_member("dana", two_factor=False)
    fake.add_member("lee")
    fake.add_outside_collaborator("vendor-bob", two_factor=False, user_id=99)
    fake.add_outside_collaborator("vendor-amy")

    accounts = by_name(pull(fake))

    assert set(accounts) == {"octo", "dana", "lee", "vendor-bob", "vendor-amy"}
    owner = accounts["octo"]
    assert owner.id == str(octo.id) == "583231"
    assert owner.privileges == ("owner",) and owner.mfa is True and owner.kind == "member"
    assert owner.email is None and owner.active is True
    assert owner.attributes == {"profile": "https://github.com/octo"}
    assert accounts["dana"].mfa is False and accounts["dana"].privileges == ()
    assert accounts["lee"].mfa is True
    bob = accounts["vendor-bob"]
    assert (bob.id, bob.kind, bob.mfa, bob.privileges) == ("99", "outside_collaborator", False, ())
    assert accounts["vendor-amy"].mfa is True


def test_requests_carry_githubs_recommended_headers(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    pull(fake)
    for request in fake.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert TOKEN not in str(request.query)


def test_a_renamed_user_keeps_its_account_id(fake: FakeGitHub) -> None:
    fake.add_member("old-name", user_id=7)
    first = pull(fake)
    fake.remove("old-name")
    fake.add_member("new-name", user_id=7)
    assert [a.id for a in pull(fake).accounts] == [a.id for a in first.accounts] == ["7"]


@pytest.mark.parametrize("status", [422, 403])
def test_a_token_that_is_not_an_owners_reports_mfa_as_unknown(
    fake: FakeGitHub, status: int
) -> None:
    fake.add_token("ghp_member", scopes={"read:org"}, owner=False)
    fake.filter_refusal = status
    fake.add_member("octo", admin=True)
    fake.add_member("dana", two_factor=False)
    fake.add_outside_collaborator("vendor-bob", two_factor=False)

    accounts = by_name(pull(fake, token="ghp_member"))

    assert {name: a.mfa for name, a in accounts.items()} == {
        "octo": None,
        "dana": None,
        "vendor-bob": None,
    }
    assert accounts["octo"].privileges == ("owner",)
    # The outside collaborators' 2FA filter is not even tried once the members' was refused.
    assert not [r for r in fake.requests if r.query.get("filter") and "outside" in r.path]


def test_a_bad_token_fails_as_unauthorized_without_showing_it(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    error = refusal(fake, token=TOKEN + "-revoked")
    assert error.kind == "unauthorized"
    assert "Bad credentials" in str(error)
    assert "revoked" not in str(error)


def test_a_token_without_read_org_fails_as_forbidden(fake: FakeGitHub) -> None:
    fake.add_token(TOKEN, scopes={"repo"}, owner=True)
    error = refusal(fake)
    assert error.kind == "forbidden"
    assert "Resource not accessible by personal access token" in str(error)


def test_a_fine_grained_token_with_members_read_is_enough(fake: FakeGitHub) -> None:
    fake.add_token(TOKEN, scopes={"members:read"}, owner=True)
    fake.add_member("dana", two_factor=False)
    assert by_name(pull(fake))["dana"].mfa is False


def test_a_secondary_rate_limit_is_waited_out(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    fake.secondary_limits = [37]
    sleeps: list[float] = []
    assert [a.name for a in pull(fake, sleeps=sleeps).accounts] == ["octo"]
    assert sleeps == [37.0]


def test_a_spent_primary_quota_is_waited_out_until_its_reset(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    fake.primary_resets = [int(time.time()) + 30]
    sleeps: list[float] = []
    assert len(pull(fake, sleeps=sleeps).accounts) == 1
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 32


def test_429_with_retry_after_then_success(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    fake.throttles = ["2"]
    sleeps: list[float] = []
    assert len(pull(fake, sleeps=sleeps).accounts) == 1
    assert sleeps == [2.0]


def test_a_limit_longer_than_we_wait_fails_as_rate_limited(fake: FakeGitHub) -> None:
    fake.add_member("octo")
    fake.secondary_limits = [600]
    error = refusal(fake, max_wait=120.0)
    assert error.kind == "rate_limited"


def test_missing_token_fails_before_any_request(fake: FakeGitHub) -> None:
    error = refusal(fake, token=None)
    assert error.kind == "missing_setting"
    assert "GITHUB_TOKEN" in str(error)
    assert fake.requests == []


def test_missing_org_is_a_catalog_error(fake: FakeGitHub) -> None:
    errors, _ = check_source({"type": "github"}, {"GITHUB_TOKEN": TOKEN})
    assert errors == ["github source needs `org`"]
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "github"}, env={"GITHUB_TOKEN": TOKEN}, now=NOW)
    assert caught.value.kind == "missing_setting"


def test_an_unknown_org_fails_as_not_found(fake: FakeGitHub) -> None:
    error = refusal(fake, org="acme-typo")
    assert error.kind == "not_found"


def test_an_outage_fails_after_retries(fake: FakeGitHub) -> None:
    fake.outage = 503
    sleeps: list[float] = []
    error = refusal(fake, sleeps=sleeps)
    assert error.kind == "unreachable"
    assert len(sleeps) == 3 and len(fake.requests) == 4


def test_a_slow_github_fails_as_timeout(fake: FakeGitHub) -> None:
    fake.latency = 0.3
    with httpx.Client(timeout=0.05) as client:
        error = refusal(fake, client=client)
    assert error.kind == "timeout"


def test_github_enterprise_server_is_reached_under_api_v3() -> None:
    with FakeGitHub(org="acme", token=TOKEN, prefix="/api/v3") as ghes:
        for n in range(150):
            ghes.add_member(f"dev{n}")
        assert ghes.api_url.endswith("/api/v3")
        assert len(pull(ghes).accounts) == 150
        assert all(path.startswith("/api/v3/") for path in ghes.paths())


def test_the_source_describes_itself() -> None:
    github = source_type("github")
    assert github.system == "GitHub"
    assert github.describe({"org": "acme"}) == "GitHub organization acme"
    assert github.credentials == (("GITHUB_TOKEN",),)
    assert github.optional == ("api_url",)

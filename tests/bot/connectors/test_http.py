"""The shared HTTP client: how long rate limits wait, what it refuses to follow or read."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

import httpx
import pytest

from bot.connectors.facts import SourceError
from bot.connectors.http import Budget, JsonApi, parse_instant, rate_limit_wait
from tests.bot.connectors.fake_api import FakeApi, Reply, Request

NOW = 1_800_000_000.0


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_rate_limits_wait_as_long_as_the_system_asks() -> None:
    assert rate_limit_wait(answer(429, **{"retry-after": "7"}), NOW) == 7.0
    later = email.utils.formatdate(NOW + 30, usegmt=True)
    assert rate_limit_wait(answer(429, **{"retry-after": later}), NOW) == pytest.approx(30.0)
    # GitHub's spent quota: a 403 with the reset time, one second of margin.
    spent = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 20)}
    assert rate_limit_wait(answer(403, **spent), NOW) == 21.0
    assert rate_limit_wait(answer(429), NOW) == 1.0
    # An ordinary refusal is no rate limit: it fails at once, never waits.
    assert rate_limit_wait(answer(403), NOW) is None
    assert rate_limit_wait(answer(500, **{"retry-after": "5"}), NOW) is None


def test_instants_from_apis_become_aware_utc() -> None:
    assert parse_instant("2026-03-01T10:00:00Z").isoformat() == "2026-03-01T10:00:00+00:00"  # type: ignore[union-attr]
    assert parse_instant("2026-03-01T12:00:00+02:00").hour == 10  # type: ignore[union-attr]
    assert parse_instant("") is None and parse_instant(None) is None
    assert parse_instant("last Tuesday") is None


class Odd(FakeApi):
    """Answers a page whose next link leaves the host, a page that is not JSON, or 503 once."""

    def __init__(self) -> None:
        super().__init__()
        self.flaky = 1

    def handle(self, request: Request) -> Reply:
        if request.path == "/away":
            return Reply(200, [], {"Link": '<https://evil.test/steal>; rel="next"'})
        if request.path == "/html":
            return Reply(200, raw=b"<html>login</html>", headers={"Content-Type": "text/html"})
        if self.flaky:
            self.flaky -= 1
            return Reply(503, {"message": "busy"})
        return Reply(200, {"ok": True})


@pytest.fixture
def odd() -> Iterator[Odd]:
    with Odd() as fake:
        yield fake


def client(fake: FakeApi, sleeps: list[float]) -> JsonApi:
    return JsonApi(fake.url, system="Odd", sleep=sleeps.append, budget=Budget(max_wait=10))


def test_a_next_link_to_another_host_is_never_followed(odd: Odd) -> None:
    with client(odd, []) as api, pytest.raises(SourceError) as caught:
        list(api.pages_by_link("/away"))
    assert caught.value.kind == "bad_response" and "another host" in caught.value.reason
    assert odd.paths() == ["/away"]


def test_a_page_that_is_not_json_fails_the_pull(odd: Odd) -> None:
    with client(odd, []) as api, pytest.raises(SourceError) as caught:
        api.get_json("/html")
    assert caught.value.kind == "bad_response" and "not JSON" in caught.value.reason


def test_a_passing_outage_is_retried_after_a_short_wait(odd: Odd) -> None:
    sleeps: list[float] = []
    with client(odd, sleeps) as api:
        assert api.get_json("/data") == {"ok": True}
    assert sleeps == [2.0] and odd.paths() == ["/data", "/data"]


def test_a_limit_longer_than_the_budget_fails_as_rate_limited(odd: Odd) -> None:
    odd.throttles = ["4", "4", "4"]
    sleeps: list[float] = []
    with client(odd, sleeps) as api, pytest.raises(SourceError) as caught:
        api.get_json("/data")
    assert caught.value.kind == "rate_limited" and "next tick tries again" in caught.value.reason
    assert sleeps == [4.0, 4.0]  # 8 s waited; 4 more would pass the 10 s budget

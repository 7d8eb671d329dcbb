"""The Slack access-review source against the strict fake Slack Web API of the handler tests."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import pull_population
from handlers.slack.manifest import BOT_SCOPES
from tests.handlers.slack.fake_slack import FakeSlack

TOKEN = "xoxb-1234567890-0987654321-S3cretBotTokenValue"
NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        yield server


def pull(
    fake: FakeSlack,
    *,
    token: str = TOKEN,
    sleeps: list[float] | None = None,
    client: httpx.Client | None = None,
) -> Population:
    return pull_population(
        {"type": "slack", "api_url": f"{fake.url}/api"},
        env={"SLACK_BOT_TOKEN": token},
        now=NOW,
        client=client,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def refusal(fake: FakeSlack, **kwargs: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(fake, **kwargs)
    assert TOKEN not in str(caught.value) and caught.value.system == "Slack"
    return caught.value


def by_id(population: Population) -> dict[str, Account]:
    return {a.id: a for a in population.accounts}


def flag(fake: FakeSlack, user_id: str, email: str, **flags: Any) -> None:
    """A member with the role flags real Slack sends but the fake's add_user does not take."""
    fake.add_user(user_id, email).update(flags)


def test_every_member_is_pulled_over_several_pages(fake: FakeSlack) -> None:
    for n in range(450):
        fake.add_user(f"U{n:05d}", f"person{n}@acme.test")
    population = pull(fake)
    assert len(population.accounts) == 450 and population.label == "Slack workspace"
    calls = fake.calls_to("users.list")
    assert [c.args["limit"] for c in calls] == ["200"] * 3
    assert "cursor" not in calls[0].args and all(c.args["cursor"] for c in calls[1:])
    assert all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in calls)
    assert by_id(population)["U00449"].email == "person449@acme.test"


def test_owners_admins_guests_and_deactivated_members_are_flagged(fake: FakeSlack) -> None:
    flag(fake, "UOWN", "olga@acme.test", is_owner=True, is_primary_owner=True, is_admin=True)
    flag(fake, "UADM", "adam@acme.test", is_admin=True, has_2fa=True)
    flag(fake, "UPLN", "pat@acme.test", is_admin=False, has_2fa=False)
    fake.add_user("UGST", "gus@partner.test", guest="single")
    fake.add_user("UMCG", "meg@partner.test", guest="multi")
    fake.add_user("UGONE", "gone@acme.test", deleted=True)
    accounts = by_id(pull(fake))
    assert accounts["UOWN"] == Account(
        id="UOWN",
        name="olga",
        email="olga@acme.test",
        privileges=("owner",),
        kind="member",
        attributes={"real_name": "olga", "role": "Primary Owner"},
    )
    assert accounts["UADM"].privileges == ("admin",) and accounts["UADM"].mfa is True
    assert accounts["UPLN"].privileges == () and accounts["UPLN"].mfa is False
    assert accounts["UOWN"].mfa is None  # has_2fa absent: unknown, not "no"
    assert accounts["UGST"].kind == "guest" and accounts["UGST"].attributes["role"] == (
        "Single-Channel Guest"
    )
    assert accounts["UMCG"].kind == "guest" and accounts["UPLN"].kind == "member"
    assert accounts["UGONE"].active is False and accounts["UADM"].active is True
    assert all(a.last_active is None for a in accounts.values())


def test_bots_and_slackbot_are_left_out_and_names_fall_back(fake: FakeSlack) -> None:
    fake.add_user("UBOTX", "", name="Deploy Bot", is_bot=True)
    fake.add_user("USLACKBOT", "", name="Slackbot")  # Slack's own: is_bot false
    fake.add_user("UANA", "ana@acme.test", name="Ana Ruiz")["profile"]["display_name"] = ""
    accounts = by_id(pull(fake))
    assert list(accounts) == ["UANA"]
    assert accounts["UANA"].name == "ana.ruiz"  # the handle when no display name is set


def test_a_wrong_token_is_unauthorized(fake: FakeSlack) -> None:
    wrong = "xoxb-0000000000-0000000000-AnotherSecretValue"
    with pytest.raises(SourceError) as caught:
        pull(fake, token=wrong)
    assert caught.value.kind == "unauthorized" and "invalid_auth" in caught.value.reason
    assert "SLACK_BOT_TOKEN" in caught.value.reason and wrong not in str(caught.value)


def test_a_revoked_token_is_unauthorized(fake: FakeSlack) -> None:
    fake.respond("users.list", {"ok": False, "error": "token_revoked"})
    error = refusal(fake)
    assert error.kind == "unauthorized" and "token_revoked" in error.reason


def test_a_bot_without_users_read_is_forbidden(fake: FakeSlack) -> None:
    fake.scopes = frozenset(BOT_SCOPES) - {"users:read"}
    fake.add_user("UANA", "ana@acme.test")
    error = refusal(fake)
    assert error.kind == "forbidden" and "missing_scope, needs users:read" in error.reason


def test_throttled_then_served_waits_as_asked(fake: FakeSlack) -> None:
    for n in range(250):
        fake.add_user(f"U{n:05d}", f"person{n}@acme.test")
    fake.fail_next("users.list", status=429, retry_after=9)
    sleeps: list[float] = []
    assert len(pull(fake, sleeps=sleeps).accounts) == 250
    assert sleeps == [9.0] and len(fake.calls_to("users.list")) == 3  # 429, then two pages


def test_a_slack_outage_fails_after_retries(fake: FakeSlack) -> None:
    fake.fail_next("users.list", status=503, times=10)
    sleeps: list[float] = []
    error = refusal(fake, sleeps=sleeps)
    assert error.kind == "unreachable" and sleeps == [2.0, 4.0, 8.0]


def test_a_slow_slack_times_out(fake: FakeSlack) -> None:
    fake.latency = 0.5
    with httpx.Client(timeout=0.1) as impatient:
        error = refusal(fake, client=impatient)
    assert error.kind == "timeout"


def test_a_cursor_that_never_ends_is_a_bad_response(fake: FakeSlack) -> None:
    same = base64.b64encode(b"offset:1").decode()
    fake.respond(
        "users.list", {"ok": True, "members": [], "response_metadata": {"next_cursor": same}}
    )
    assert refusal(fake).kind == "bad_response"


def test_a_missing_token_is_a_missing_setting(fake: FakeSlack) -> None:
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "slack"}, env={}, now=NOW)
    assert caught.value.kind == "missing_setting" and "SLACK_BOT_TOKEN" in caught.value.reason
    assert fake.calls == []

"""The fetch policy: which addresses are public, which links pass, and how downloads hop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.core.net_policy import (
    FetchPolicy,
    UnsafeUrl,
    guarded_get,
    host_allowed,
    is_public_address,
    origin_of,
)
from tests.handlers.teams.fake_connector import FakeConnector
from tests.outbound import Outbound, outbound

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbound]:
    with outbound(monkeypatch) as state:
        yield state


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254",
     "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "::1", "::",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "2002:a00:1::",
     "64:ff9b::a00:1", "2001:db8::1", "192.0.2.1", "not an address", ""],
)  # fmt: skip
def test_internal_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["52.112.0.1", "20.190.128.1", "2603:1000::1", "8.8.8.8"])
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_wildcards_match_names_under_the_domain_only() -> None:
    patterns = ("*.sharepoint.com", "smba.trafficmanager.net")
    assert host_allowed("contoso-my.sharepoint.com", patterns)
    assert host_allowed("A.B.SharePoint.com.", patterns)
    assert host_allowed("smba.trafficmanager.net", patterns)
    for host in ("sharepoint.com", "evilsharepoint.com", "sharepoint.com.evil.test",
                 "x.smba.trafficmanager.net", "contoso.sharepoint.com\x00.evil", ""):  # fmt: skip
        assert not host_allowed(host, patterns), host


POLICY = FetchPolicy(
    hosts=("*.sharepoint.com",), local_origins=frozenset({("http", "127.0.0.1", 8080)})
)


@pytest.mark.parametrize(
    "url",
    ["http://contoso.sharepoint.com/x", "https://evil.test/x", "https://10.0.0.1/x",
     "https://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", "http://localhost:8080/x",
     "ftp://contoso.sharepoint.com/x", "https://contoso.sharepoint.com:99999/x",
     "https://contoso.sharepoint.com@evil.test/x", "file:///etc/passwd", "//evil.test/x",
     "https://[::ffff:7f00:1]/x", "https://2130706433/x", "https:///x"],
)  # fmt: skip
def test_links_off_the_policy_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        POLICY.check(url)


def test_allowed_links_give_their_origin() -> None:
    assert POLICY.check("https://Contoso.SharePoint.com/a?b") == (
        "https",
        "contoso.sharepoint.com",
        443,
    )
    assert POLICY.check("http://127.0.0.1:8080/v3/x") == ("http", "127.0.0.1", 8080)
    assert origin_of("https://x.test:8443/") == ("https", "x.test", 8443)


async def _fetch(url: str, policy: FetchPolicy, headers: dict[str, str] | None = None) -> bytes:
    async with guarded_get(url, policy=policy, headers=headers) as response:
        return await response.read()


def _local(*fakes: FakeConnector) -> FetchPolicy:
    origins = [origin_of(f.url) for f in fakes]
    return FetchPolicy(hosts=(), local_origins=frozenset(o for o in origins if o is not None))


def test_credentials_go_to_the_first_origin_only_never_across_a_redirect(net: Outbound) -> None:
    with FakeConnector(token="bot-token") as service, FakeConnector(emulator=True) as elsewhere:
        image = elsewhere.add_inline_image(PNG)["contentUrl"]
        url = service.add_redirect(image)
        body = asyncio.run(
            _fetch(url, _local(service, elsewhere), {"Authorization": "Bearer bot-token"})
        )
        assert body == PNG
        [hop] = [c for c in service.calls if c.path.startswith("/redirect/")]
        assert hop.headers.get("authorization") == "Bearer bot-token"
        [fetched] = elsewhere.calls
        assert "authorization" not in fetched.headers


def test_redirect_loops_stop_after_a_few_hops(net: Outbound) -> None:
    with FakeConnector() as service:
        first = service.add_redirect("placeholder")
        service._redirects[first.rsplit("/", 1)[1]] = (302, first)  # a redirect to itself
        with pytest.raises(UnsafeUrl, match="too many"):
            asyncio.run(_fetch(first, _local(service)))
        assert len(service.calls) == 4  # the first request and three redirects, no more


def test_a_name_with_any_private_answer_is_refused_before_connecting(
    net: Outbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One public and one internal answer (as in DNS rebinding): no connection at all."""

    def answers(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        stream = socket.SOCK_STREAM
        return [
            (socket.AF_INET, stream, 6, "", ("52.112.0.1", port)),
            (socket.AF_INET, stream, 6, "", ("10.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", answers)
    policy = FetchPolicy(hosts=("*.sharepoint.com",))
    with pytest.raises(UnsafeUrl, match="private network"):
        asyncio.run(_fetch("https://contoso-my.sharepoint.com/file", policy))
    assert net.connections == []

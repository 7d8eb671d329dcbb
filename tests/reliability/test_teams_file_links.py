"""Teams attachment links are fetched only from Teams' own hosts (spec §7): no SSRF.

An inline image comes from the conversation's service host, a file from SharePoint. Links to
loopback, private or link-local addresses, plain http, other hosts, names that resolve inward,
and redirects off the allow-list are refused with a friendly answer, nothing stored, and no
connection made. (Here the fake connector on 127.0.0.1 is the conversation's service, as the
local Emulator is: that one origin only, and only with SOC2BOT_TEAMS_ALLOW_UNAUTHENTICATED.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from models import Evidence
from tests.handlers.teams.activities import message_activity
from tests.handlers.teams.fake_connector import FILE_INFO, FakeConnector
from tests.outbound import Outbound, outbound
from tests.reliability.world import PEOPLE, World, changed

PDF = b"%PDF-1.7\n" + b"access review export\n" * 20
PNG = b"\x89PNG\r\n\x1a\n" + b"screenshot" * 20
WENT_WRONG = "something went wrong"


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbound]:
    with outbound(monkeypatch) as state:
        yield state


@pytest.fixture
def trap() -> Iterator[FakeConnector]:
    """Another server on loopback, standing for anything internal: it must never be asked."""
    with FakeConnector(emulator=True) as fake:
        yield fake


def file_at(url: str, name: str = "export.pdf") -> dict[str, Any]:
    return {"contentType": FILE_INFO, "name": name, "content": {"downloadUrl": url}}


def image_at(url: str) -> dict[str, Any]:
    return {"contentType": "image/png", "contentUrl": url, "name": "screen.png"}


def send(world: World, attachment: dict[str, Any]) -> str:
    """The owner sends one attachment for their open task; what the bot answered."""
    who, ref = PEOPLE["owner"], world.open_occurrences("owner")[0]
    activity = message_activity(
        f"#{ref}", service_url=world.connector.service_url, user_id=who.teams_id,
        aad_object_id=who.aad, name=who.name, conversation_id="a:personal-raj",
        attachments=[attachment],
    )  # fmt: skip
    assert world.teams_post(activity).status_code in (200, 201)
    return world.teams_texts()


def refusal_problems(world: World, said: str, before: dict[str, str]) -> list[str]:
    """What is wrong with a refusal: no friendly answer, or anything stored."""
    problems = []
    if not ("did not open" in said or "only download" in said):
        problems.append(f"no friendly refusal: {said[-300:]}")
    if WENT_WRONG in said or "Stored" in said:
        problems.append(f"failed or stored: {said[-300:]}")
    if changed(before, world.fingerprint()):
        problems.append(f"state changed: {changed(before, world.fingerprint())}")
    root = Path(world.store.root)
    if [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts]:
        problems.append("an object was stored")
    return problems


def refuse_all(world: World, cases: dict[str, dict[str, Any]]) -> list[str]:
    """Send each case's attachment; the problems, prefixed with the case's name."""
    problems = []
    for name, attachment in cases.items():
        before = world.fingerprint()
        said = send(world, attachment)
        problems += [f"{name}: {p}" for p in refusal_problems(world, said, before)]
        world.connector.clear()
    return problems


def test_links_to_loopback_services_are_refused_and_never_fetched(
    world: World, net: Outbound, trap: FakeConnector
) -> None:
    port = trap._server.server_address[1]  # 127.0.0.1, but not the service's port
    cases = {
        "another local service's file": file_at(trap.add_file(PDF)["content"]["downloadUrl"]),
        "another local service's image": image_at(trap.add_inline_image(PNG)["contentUrl"]),
        "https to 127.0.0.1": file_at(f"https://127.0.0.1:{port}/files/x/export.pdf"),
        "IPv6 loopback": file_at(f"http://[::1]:{port}/files/x/export.pdf"),
        "localhost": file_at(f"https://localhost:{port}/export.pdf"),
    }
    assert refuse_all(world, cases) == []
    assert trap.calls == [] and not net.reached(port)


def test_links_to_private_and_link_local_addresses_are_refused_without_a_packet(
    world: World, net: Outbound
) -> None:
    cases = {
        "private https file": file_at("https://10.0.0.1/export.pdf"),
        "private http image": image_at("http://10.0.0.1/screen.png"),
        "cloud metadata": file_at("http://169.254.169.254/latest/meta-data/iam/"),
        "cloud metadata https image": image_at("https://169.254.169.254/latest/meta-data/"),
        "IPv4-mapped IPv6": file_at("https://[::ffff:10.0.0.1]/export.pdf"),
        "IPv6 link-local": file_at("https://[fe80::1]/export.pdf"),
    }
    assert refuse_all(world, cases) == []
    assert net.blocked == []


def test_names_that_resolve_inward_plain_http_and_hosts_off_the_list_are_refused(
    world: World, net: Outbound, trap: FakeConnector
) -> None:
    port = trap._server.server_address[1]
    for name in ("contoso-my.sharepoint.com", "files.evil.test", "sharepoint.com.evil.test"):
        net.names[name] = "127.0.0.1"  # each would answer, if asked
    unique = trap.add_file(PDF)["content"]["uniqueId"]
    path = f"{port}/files/{unique}/export.pdf"
    cases = {
        "SharePoint name resolving to loopback": file_at(
            f"https://contoso-my.sharepoint.com:{path}"
        ),
        "plain http": file_at(f"http://contoso-my.sharepoint.com:{path}"),
        "a host off the list": file_at(f"https://files.evil.test:{path}"),
        "a look-alike host": file_at(f"https://sharepoint.com.evil.test:{path}"),
        "user-info trick": file_at(f"https://contoso-my.sharepoint.com@files.evil.test:{path}"),
        "an image off the service host": image_at(f"https://contoso-my.sharepoint.com:{path}"),
    }
    assert refuse_all(world, cases) == []
    assert trap.calls == [] and not net.reached(port)


def test_a_redirect_from_the_service_off_the_list_is_not_followed(
    world: World, net: Outbound, trap: FakeConnector
) -> None:
    net.names["files.evil.test"] = "127.0.0.1"
    port = trap._server.server_address[1]
    targets = {
        "loopback": trap.add_file(PDF)["content"]["downloadUrl"],
        "private": "http://10.0.0.1/export.pdf",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "other host": f"https://files.evil.test:{port}/export.pdf",
    }
    cases = {}
    for target, location in targets.items():
        cases[f"file to {target}"] = file_at(world.connector.add_redirect(location))
        cases[f"image to {target}"] = image_at(world.connector.add_redirect(location, status=307))
    assert refuse_all(world, cases) == []
    assert trap.calls == [] and net.blocked == [] and not net.reached(port)


def test_files_from_the_service_itself_are_still_stored(world: World, net: Outbound) -> None:
    """The control: the same path with an allowed link stores the file."""
    said = send(world, world.connector.add_file(PDF))
    assert "Stored evidence.pdf" in said, said
    with world.db.session() as session:
        assert len(session.exec(select(Evidence).where(Evidence.kind == "file")).all()) == 1

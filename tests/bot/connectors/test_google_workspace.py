"""The google_workspace source against local fakes of Google's token endpoint and Directory."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import pull_population
from tests.bot.connectors.fake_google import USERS_PATH, FakeGoogle

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
ROBOT = "access-review@acme-ops.iam.gserviceaccount.com"
ADMIN = "it-admin@acme.com"


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """The service account's key, and a stranger's (made once: RSA generation is slow)."""
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@pytest.fixture
def google(keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]) -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        assert isinstance(fake, FakeGoogle)
        public = (
            keys[0]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        fake.delegate(ROBOT, public)
        fake.add_user(ADMIN, admin=True, mfa=True, last_login="2025-02-27T16:00:00.000Z")
        yield fake


@pytest.fixture
def key_file(
    tmp_path: Path, google: FakeGoogle, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> Path:
    return write_key(tmp_path / "sa.json", keys[0], google.token_uri)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_key(path: Path, key: rsa.RSAPrivateKey, token_uri: str) -> Path:
    info = {
        "type": "service_account",
        "project_id": "acme-ops",
        "private_key_id": "4f1c0ffee",
        "private_key": pem(key),
        "client_email": ROBOT,
        "client_id": "112233445566778899",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path


def pull(
    google: FakeGoogle,
    key_file: Path | None,
    *,
    sleeps: list[float] | None = None,
    **settings: str,
) -> Population:
    spec: dict[str, Any] = {"type": "google_workspace", "admin_email": ADMIN, "api_url": google.url}
    env = {} if key_file is None else {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    recorded = [] if sleeps is None else sleeps
    return pull_population(
        {**spec, **settings}, env=env, now=NOW, sleep=recorded.append, max_wait=60
    )


def failure(google: FakeGoogle, key_file: Path | None, **settings: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(google, key_file, **settings)
    text = str(caught.value)
    assert "PRIVATE KEY" not in text and "ya29." not in text
    if key_file is not None and key_file.exists():
        assert str(key_file) not in text
        private = json.loads(key_file.read_text()).get("private_key", "")
        assert all(line not in text for line in private.splitlines()[1:-1])
    return caught.value


def by_email(population: Population) -> dict[str, Account]:
    return {account.email or "": account for account in population.accounts}


def test_pulls_every_user_across_pages_as_the_impersonated_admin(
    google: FakeGoogle, key_file: Path
) -> None:
    for n in range(1100):
        google.add_user(f"user{n}@acme.com")

    population = pull(google, key_file)

    assert len(population.accounts) == 1101
    assert population.label == "Google Workspace (my_customer)"
    pages = [r for r in google.requests if r.path == USERS_PATH]
    assert [r.query.get("maxResults") for r in pages] == ["500", "500", "500"]
    assert [r.query.get("customer") for r in pages] == ["my_customer"] * 3
    assert pages[0].query.get("pageToken") is None and pages[1].query["pageToken"]
    token = pages[0].headers["authorization"].removeprefix("Bearer ")
    assert google.tokens[token].subject == ADMIN  # the JWT's `sub`, checked by the fake
    assertion = dict(parse_qsl(google.requests[0].body.decode()))
    claims = jwt.decode(assertion["assertion"], verify=False)
    assert claims["scope"] == "https://www.googleapis.com/auth/admin.directory.user.readonly"


def test_maps_admins_suspension_archive_2sv_and_last_login(
    google: FakeGoogle, key_file: Path
) -> None:
    google.add_user("helpdesk@acme.com", delegated_admin=True, mfa=True)
    google.add_user("gone@acme.com", suspended=True, last_login="2024-05-01T12:00:00.000Z")
    google.add_user("alum@acme.com", archived=True, org_unit="/Alumni")

    accounts = by_email(pull(google, key_file))

    admin = accounts[ADMIN]
    assert admin.privileges == ("super_admin",) and admin.mfa is True and admin.active
    assert admin.last_active == dt.datetime(2025, 2, 27, 16, tzinfo=dt.UTC)
    assert admin.name == ADMIN and admin.id.isdigit()
    helpdesk = accounts["helpdesk@acme.com"]
    assert helpdesk.privileges == ("delegated_admin",)
    assert helpdesk.last_active is None  # Google's 1970 "never signed in"
    gone = accounts["gone@acme.com"]
    assert not gone.active and gone.mfa is False and gone.privileges == ()
    assert gone.attributes["status"] == "suspended"
    assert gone.last_active == dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    alum = accounts["alum@acme.com"]
    assert not alum.active and alum.attributes == {"status": "archived", "org_unit": "/Alumni"}


def test_a_domain_setting_lists_only_that_domain(google: FakeGoogle, key_file: Path) -> None:
    population = pull(google, key_file, domain="acme.com")

    assert population.label == "Google Workspace (acme.com)"
    (page,) = [r for r in google.requests if r.path == USERS_PATH]
    assert page.query.get("domain") == "acme.com" and "customer" not in page.query


def test_an_admin_outside_the_delegation_gets_no_token(google: FakeGoogle, key_file: Path) -> None:
    error = failure(google, key_file, admin_email="nobody@acme.com")

    assert error.kind == "unauthorized"
    assert "unauthorized_client" in error.reason and "nobody@acme.com" in error.reason
    assert google.paths(USERS_PATH) == []


def test_a_key_google_does_not_know_is_refused(
    google: FakeGoogle, tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    stranger = write_key(tmp_path / "other.json", keys[1], google.token_uri)

    error = failure(google, stranger)

    assert error.kind == "unauthorized" and "invalid_grant" in error.reason


def test_an_expired_token_is_unauthorized(google: FakeGoogle, key_file: Path) -> None:
    google.token_ttl = -1

    error = failure(google, key_file)

    assert error.kind == "unauthorized"
    assert "invalid authentication credentials" in error.reason


def test_a_token_without_the_directory_scope_is_forbidden(
    google: FakeGoogle, key_file: Path
) -> None:
    google.grant_scopes = frozenset({"https://www.googleapis.com/auth/drive.readonly"})

    error = failure(google, key_file)

    assert error.kind == "forbidden"
    assert "insufficient authentication scopes" in error.reason
    assert "domain-wide delegation" in error.reason


def test_impersonating_a_non_admin_is_forbidden(google: FakeGoogle, key_file: Path) -> None:
    google.add_user("staff@acme.com")

    error = failure(google, key_file, admin_email="staff@acme.com")

    assert error.kind == "forbidden"
    assert "Not Authorized to access this resource/api" in error.reason


def test_waits_out_a_429_then_succeeds(google: FakeGoogle, key_file: Path) -> None:
    google.add_user("ada@acme.com")
    google.throttles = ["4"]
    sleeps: list[float] = []

    population = pull(google, key_file, sleeps=sleeps)

    assert len(population.accounts) == 2
    assert sleeps == [4.0]


def test_waits_out_googles_quota_403_then_succeeds(google: FakeGoogle, key_file: Path) -> None:
    google.quota_errors = 2
    sleeps: list[float] = []

    population = pull(google, key_file, sleeps=sleeps)

    assert [a.email for a in population.accounts] == [ADMIN]
    assert sleeps == [10.0, 10.0]


def test_a_missing_key_variable_is_a_missing_setting(google: FakeGoogle) -> None:
    error = failure(google, None)

    assert error.kind == "missing_setting"
    assert "GOOGLE_APPLICATION_CREDENTIALS" in error.reason
    assert google.requests == []


def test_a_key_file_that_is_not_there_or_not_a_key(
    google: FakeGoogle, tmp_path: Path, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    absent = failure(google, tmp_path / "absent.json")
    broken = write_key(tmp_path / "broken.json", keys[0], google.token_uri)
    info = json.loads(broken.read_text())
    info["private_key"] = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----\n"
    )
    broken.write_text(json.dumps(info))
    wrong = failure(google, broken)

    assert absent.kind == wrong.kind == "missing_setting"
    assert "readable file" in absent.reason and "service-account JSON key" in wrong.reason


def test_an_unreachable_token_endpoint(google: FakeGoogle, tmp_path: Path, keys: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    key = write_key(tmp_path / "sa.json", keys[0], f"http://127.0.0.1:{port}/token")

    error = failure(google, key)

    assert error.kind == "unreachable"


def test_a_directory_outage_fails_the_whole_pull(google: FakeGoogle, key_file: Path) -> None:
    google.outage = 503

    error = failure(google, key_file)

    assert error.kind == "unreachable"


def test_a_removed_user_is_gone_from_the_next_pull(google: FakeGoogle, key_file: Path) -> None:
    google.add_user("ada@acme.com")
    assert len(pull(google, key_file).accounts) == 2

    google.remove("ada@acme.com")

    assert [a.email for a in pull(google, key_file).accounts] == [ADMIN]

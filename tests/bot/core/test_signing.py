"""The signing key: from the environment, or a key file created once at first start."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.settings import SettingsError
from bot.core.signing import load_signer
from tests.bot.test_app import make_settings


def test_the_first_start_creates_a_private_key_file_and_says_to_back_it_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / "keys" / "signing-key"
    settings = make_settings(tmp_path, signing_key_file=key_file)
    with caplog.at_level(logging.INFO), TestClient(create_app(settings)):
        pass
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    public = load_signer(settings).public_hex
    [created] = [
        r.getMessage() for r in caplog.records if "Created a new signing key" in r.getMessage()
    ]
    assert str(key_file) in created and "BACK IT UP" in created and public in created
    assert key_file.read_text().strip() not in caplog.text  # the secret itself is never logged
    caplog.clear()
    with caplog.at_level(logging.INFO), TestClient(create_app(settings)):
        pass
    assert "Created a new signing key" not in caplog.text  # the same key, kept
    assert f"public key {public}" in caplog.text


def test_a_pem_key_file_from_openssl_is_used_as_it_is(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(pem)
    (tmp_path / "key.pem").chmod(0o600)
    signer = load_signer(make_settings(tmp_path, signing_key_file=tmp_path / "key.pem"))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signer.public_key == raw and "key=" not in repr(signer)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"too short\n", "must hold a 32-byte key"), (None, "no signing key at")],
)
def test_an_unusable_key_file_is_a_settings_error_naming_the_variable(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "signing-key"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SettingsError, match=f"SOC2BOT_SIGNING_KEY_FILE: .*{problem}"):
        load_signer(make_settings(tmp_path, signing_key_file=path), create=False)
    assert path.exists() == (content is not None)  # checking never creates a key

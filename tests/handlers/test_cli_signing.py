"""`soc2bot audit pubkey`, and bundles from `soc2bot export` checked by their own verify.py."""

from __future__ import annotations

import ast
import base64
import glob
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typer.testing import CliRunner

from bot.export.script import verifier_source
from handlers.cli import app

runner = CliRunner()
SEED = bytes(range(32))
SEED_PUBLIC = Ed25519PrivateKey.from_private_bytes(SEED).public_key()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def stdout(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_pubkey_creates_the_key_once_and_prints_it_three_ways(env: Path) -> None:
    result = runner.invoke(app, ["audit", "pubkey"])
    assert result.exit_code == 0, result.output
    assert "Created a new signing key at data/signing-key" in result.stderr
    assert "BACK IT UP" in result.stderr  # the log line an operator sees at first start
    key_file = env / "data" / "signing-key"  # the default, under the working folder
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    lines = result.stdout.splitlines()
    hex_key, b64_key = lines[1].split()[1], lines[2].split()[1]
    pem = "\n".join(lines[3:]).encode()
    public = serialization.load_pem_public_key(pem)
    assert isinstance(public, Ed25519PublicKey)
    assert _raw(public) == bytes.fromhex(hex_key) == base64.b64decode(b64_key)
    assert runner.invoke(app, ["audit", "pubkey"]).stderr == ""  # no new key, no warning
    assert stdout("audit", "pubkey", "--format", "hex") == hex_key + "\n"  # the same key
    assert stdout("audit", "pubkey", "--format", "pem").startswith("-----BEGIN PUBLIC KEY-----")
    assert run("audit", "pubkey", "--format", "xml")[0] == 2


@pytest.mark.parametrize("given", [SEED.hex(), base64.b64encode(SEED).decode()])
def test_the_key_can_come_from_the_environment(
    env: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("SOC2BOT_SIGNING_KEY", given)
    assert stdout("audit", "pubkey", "--format", "hex") == _raw(SEED_PUBLIC).hex() + "\n"
    assert not (env / "data" / "signing-key").exists()


def test_a_bad_key_is_a_clear_error_that_never_shows_the_value(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOC2BOT_SIGNING_KEY", "not-a-key-but-a-secret-nonetheless")
    code, out = run("audit", "pubkey")
    assert code == 2 and "SOC2BOT_SIGNING_KEY: must be 32 bytes" in out
    assert "secret" not in out and "Traceback" not in out
    code, out = run("export", "--from", "2026-01-01", "--to", "2026-01-31", "--out", "b.zip")
    assert code == 2 and "SOC2BOT_SIGNING_KEY" in out and not Path("b.zip").exists()


def oldest_python() -> str:
    """Python 3.8 when this machine has it (the oldest verify.py supports), else python3."""
    pyenv = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.8*/bin/python3.8")))
    for candidate in (shutil.which("python3.8"), *pyenv):
        if candidate is None:
            continue
        found = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if found.returncode == 0 and found.stdout.strip() == "(3, 8)":
            return candidate
    return shutil.which("python3") or sys.executable


def verify_py(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -I: isolated (no PYTHONPATH, no user site), -S: no site-packages: the standard library only.
    return subprocess.run(
        [oldest_python(), "-I", "-S", "verify.py", *args],
        cwd=folder, capture_output=True, text=True, timeout=300, env={},
    )  # fmt: skip


def test_the_bundled_verifier_is_python_3_8_syntax() -> None:
    ast.parse(verifier_source(), feature_version=(3, 8))


def test_a_demo_bundle_verifies_offline_with_and_without_the_public_key(env: Path) -> None:
    assert run("demo")[0] == 0
    bundle = env / "bundle.zip"
    assert run("export", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(bundle))[0] == 0
    folder = env / "auditor"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(folder)
    (env / "pub.pem").write_text(stdout("audit", "pubkey", "--format", "pem"))
    hex_key = stdout("audit", "pubkey", "--format", "hex").strip()

    plain = verify_py(folder)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "every evidence row and occurrence state agrees with the audit log" in plain.stdout
    assert "Note: The manifest's signature was not checked" in plain.stdout
    for key in (str(env / "pub.pem"), hex_key):
        signed = verify_py(folder, "--pubkey", key)
        assert signed.returncode == 0, signed.stdout + signed.stderr
        assert f"manifest signed by key {hex_key}" in signed.stdout
    other = _raw(Ed25519PrivateKey.generate().public_key()).hex()
    wrong = verify_py(folder, "--pubkey", other)
    assert wrong.returncode == 1 and "INVALID  manifest.sig" in wrong.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_openssl_checks_the_manifest_signature_as_the_readme_shows(env: Path) -> None:
    bundle = env / "bundle.zip"
    assert run("export", "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(bundle))[0] == 0
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(env)
    (env / "pub.pem").write_text(stdout("audit", "pubkey", "--format", "pem"))
    command = "openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in manifest.json "
    command += "-sigfile manifest.sig"
    good = subprocess.run(command.split(), cwd=env, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and "Signature Verified Successfully" in good.stdout
    (env / "manifest.json").write_bytes((env / "manifest.json").read_bytes() + b" ")
    bad = subprocess.run(command.split(), cwd=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0

"""The service's Ed25519 signing key: bundle manifests and witnessed audit heads are signed."""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.core.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)
_ENV, _FILE_ENV = "SOC2BOT_SIGNING_KEY", "SOC2BOT_SIGNING_KEY_FILE"


@dataclass(frozen=True)
class Signer:
    """Signs with the private key; shows only the public half (hex, base64, PEM)."""

    key: Ed25519PrivateKey = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    @property
    def public_key(self) -> bytes:
        """The 32 raw bytes of the public key."""
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        return self.key.public_key().public_bytes(*raw)

    @property
    def public_hex(self) -> str:
        return self.public_key.hex()

    @property
    def public_base64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    @property
    def public_pem(self) -> str:
        """SubjectPublicKeyInfo PEM, as `openssl pkeyutl -pubin -inkey` reads it."""
        pem = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        return self.key.public_key().public_bytes(*pem).decode("ascii")


def load_signer(settings: Settings, *, create: bool = True) -> Signer:
    """The key from SOC2BOT_SIGNING_KEY, else from SOC2BOT_SIGNING_KEY_FILE (created once,
    unless `create` is false: checking signatures must never invent a key).

    Raises `SettingsError` (naming the variable, never the value) when the key is unusable.
    """
    if settings.signing_key is not None:
        seed = _seed(settings.signing_key.get_secret_value())
        if seed is None:
            raise SettingsError(
                f"Invalid settings:\n  {_ENV}: must be 32 bytes, as 64 hex digits or base64"
            )
        return Signer(Ed25519PrivateKey.from_private_bytes(seed))
    return Signer(_key_from_file(settings.signing_key_file, create=create))


_loaded: dict[tuple[str | None, Path], Signer] = {}


def service_signer() -> Signer:
    """The signer of the service as configured by its environment (and `.env`).

    Kept per key source, so a digest or a chat export does not read the key file each time.
    """
    settings = load_settings()
    secret = settings.signing_key.get_secret_value() if settings.signing_key else None
    source = (secret, settings.signing_key_file.resolve())
    if source not in _loaded:
        _loaded[source] = load_signer(settings)
    return _loaded[source]


def _seed(text: str) -> bytes | None:
    text = text.strip()
    try:
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None
    return raw if len(raw) == 32 else None


def _key_from_file(path: Path, *, create: bool) -> Ed25519PrivateKey:
    try:
        return _read_key(path)
    except FileNotFoundError:
        if not create:
            raise SettingsError(
                f"Invalid settings:\n  {_FILE_ENV}: no signing key at {path} (and {_ENV} is "
                "not set)"
            ) from None
    except OSError as exc:
        raise SettingsError(
            f"Invalid settings:\n  {_FILE_ENV}: cannot read {path}: {exc.strerror or exc}"
        ) from None
    try:
        _create_key(path)
        return _read_key(path)
    except OSError as exc:
        raise SettingsError(
            f"Invalid settings:\n  {_FILE_ENV}: cannot create {path}: {exc.strerror or exc}"
        ) from None


def _read_key(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()  # FileNotFoundError: not created yet
    if data.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SettingsError(f"Invalid settings:\n  {_FILE_ENV}: {path} is not an Ed25519 key")
        seed: bytes | None = key.private_bytes_raw()
    else:
        seed = _seed(data.decode("ascii", "replace"))
    if seed is None:
        raise SettingsError(
            f"Invalid settings:\n  {_FILE_ENV}: {path} must hold a 32-byte key (64 hex digits, "
            "base64, or an Ed25519 PEM private key)"
        )
    if path.stat().st_mode & 0o077:
        log.warning("The signing key %s is readable by other users; chmod 600 it", path)
    return Ed25519PrivateKey.from_private_bytes(seed)


def _create_key(path: Path) -> None:
    """A new key, written whole under its final name or not at all (several replicas may
    start at once on a shared folder: the first one's key wins, the others read it)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    fd, name = tempfile.mkstemp(prefix=".signing-key.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(seed.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(name, path)
        except FileExistsError:
            return
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    public = Signer(Ed25519PrivateKey.from_private_bytes(seed)).public_hex
    log.warning(
        "Created a new signing key at %s (Ed25519, public key %s). BACK IT UP and keep it "
        "secret: it signs every evidence bundle and every digest's audit head. If it is lost, "
        "later bundles carry a new key and auditors must be given the new public key "
        "(`soc2bot audit pubkey`). To run several replicas, give them all this key "
        "(%s or a shared %s).",
        path,
        public,
        _ENV,
        _FILE_ENV,
    )

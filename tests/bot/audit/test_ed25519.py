"""The bundle's pure-Python Ed25519 verifier agrees with RFC 8032 and with `cryptography`."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.ed25519 import ed25519_verify, parse_public_key

# RFC 8032, section 7.1, TEST 1 to TEST 3: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


def _flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index % len(changed)] ^= 0x01
    return bytes(changed)


def _public(key: Ed25519PrivateKey) -> bytes:
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return key.public_key().public_bytes(*raw)


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_rfc_8032_vectors_verify_and_their_tampered_forms_do_not(
    secret: str, public: str, message: str, signature: str
) -> None:
    pk, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert _public(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))) == pk
    assert ed25519_verify(pk, msg, sig)
    assert not ed25519_verify(pk, msg + b"\x00", sig)
    for index in (0, 31, 32, 63):  # R and S, first and last bytes
        assert not ed25519_verify(pk, msg, _flip(sig, index))
    assert not ed25519_verify(_flip(pk, 0), msg, sig)
    assert not ed25519_verify(pk, msg, sig[:63])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    message=st.binary(max_size=300),
    index=st.integers(min_value=0, max_value=10_000),
)
def test_signatures_by_cryptography_verify_and_any_change_fails(
    seed: bytes, message: bytes, index: int
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public, signature = _public(key), key.sign(message)
    assert ed25519_verify(public, message, signature)
    assert not ed25519_verify(public, message, _flip(signature, index))
    other = _public(Ed25519PrivateKey.generate())
    assert not ed25519_verify(other, message, signature)
    if message:
        assert not ed25519_verify(public, _flip(message, index), signature)


def test_a_signature_with_s_not_reduced_is_refused() -> None:
    secret, public, message, signature = (bytes.fromhex(v) for v in RFC8032[0])
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(signature[32:], "little") + order  # the same point, a malleable form
    assert not ed25519_verify(public, message, signature[:32] + s.to_bytes(32, "little"))


def test_public_keys_are_read_as_hex_base64_or_pem() -> None:
    key = Ed25519PrivateKey.generate()
    raw = _public(key)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for text in (raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(), pem.decode()):
        assert parse_public_key(f"  {text}\n") == raw
    for junk in ("", "not a key", raw.hex()[:-2], base64.b64encode(raw + b"x").decode()):
        assert parse_public_key(junk) is None

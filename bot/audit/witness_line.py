"""Witness lines: a signed audit-chain head as the digest prints it, and checking one."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only. A witness is one token, so that no renderer wraps or splits it:
#     soc2bot-head.<seq>.<hash of event seq, 64 hex>.<Ed25519 signature, base64>
# The signature covers `soc2bot-head.<seq>.<hash>` (ASCII), the token without its last part.

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bot.audit.ed25519 import ed25519_verify  # bundle: inline bot/audit/ed25519.py

WITNESS_TAG = "soc2bot-head"
_WITNESS = re.compile(r"soc2bot-head\.([0-9]{1,18})\.([0-9a-f]{64})\.([A-Za-z0-9+/]{86}==)")


@dataclass(frozen=True)
class Witness:
    """One witnessed head, from line `line` of a witness file."""

    line: int
    seq: int
    hash: str
    signature: bytes

    @property
    def label(self) -> str:
        return f"witness line {self.line} (head event {self.seq} {self.hash[:16]}...)"


def witness_message(seq: int, head_hash: str) -> bytes:
    """The bytes a witness signature covers."""
    return f"{WITNESS_TAG}.{seq}.{head_hash}".encode("ascii")


def format_witness(seq: int, head_hash: str, signature: bytes) -> str:
    """The witness token for a head and its signature."""
    sig = base64.b64encode(signature).decode("ascii")
    return f"{WITNESS_TAG}.{seq}.{head_hash}.{sig}"


def read_witnesses(text: str) -> tuple[list[Witness], list[str]]:
    """The witnesses in a file of lines copied from digests, and the lines that are broken.

    Lines without `soc2bot-head` (blank lines, the rest of a copied message) are ignored.
    """
    found: list[Witness] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if WITNESS_TAG not in line:
            continue
        match = _WITNESS.search(line)
        try:
            signature = base64.b64decode(match.group(3), validate=True) if match else b""
        except (binascii.Error, ValueError):
            signature = b""
        if match is None or len(signature) != 64:
            problems.append(
                f"witness line {number}: not a whole soc2bot-head line; copy it exactly as "
                "the digest shows it"
            )
            continue
        found.append(Witness(number, int(match.group(1)), match.group(2), signature))
    if not found and not problems:
        problems.append("the witness file holds no soc2bot-head line")
    return found, problems


def witness_signed(witness: Witness, public_key: bytes) -> bool:
    """True when the service whose public key this is signed the witnessed head."""
    message = witness_message(witness.seq, witness.hash)
    return ed25519_verify(public_key, message, witness.signature)


def judge_witness(witness: Witness, recorded: str | None, public_key: bytes | None) -> str | None:
    """None when the chain extends the witnessed head; otherwise what is wrong.

    `recorded` is the hash the chain now holds for event `witness.seq` (None: no such event).
    Without a public key the signature is not checked, only the hash.
    """
    if public_key is not None and not witness_signed(witness, public_key):
        return (
            f"{witness.label}: its signature does not verify with the public key, so soc2bot "
            "did not sign this head"
        )
    if recorded is None:
        return (
            f"{witness.label}: the audit trail no longer holds event {witness.seq}: events "
            "were deleted since this head was witnessed"
        )
    if recorded != witness.hash:
        return (
            f"{witness.label}: event {witness.seq} now has hash {recorded[:16]}...: the "
            "history up to this witnessed head was rewritten"
        )
    return None

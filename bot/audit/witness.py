"""Witnessed audit heads: the chain head signed for the digest, and checking witness files."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.audit.witness_line import (
    Witness,
    format_witness,
    judge_witness,
    read_witnesses,
    witness_message,
)
from bot.core.signing import Signer
from models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class SignedHead:
    """The chain head and its witness line (what the digest prints)."""

    seq: int
    hash: str
    line: str


def sign_head(*, session: Session, signer: Signer) -> SignedHead | None:
    """The current head, signed; None while the chain is empty."""
    head = session.get(AuditChainHead, 1)
    if head is None or head.seq == 0:
        return None
    signature = signer.sign(witness_message(head.seq, head.hash))
    return SignedHead(head.seq, head.hash, format_witness(head.seq, head.hash, signature))


@dataclass(frozen=True)
class WitnessCheck:
    """One witnessed head against the database: `problem` is None when the chain extends it."""

    witness: Witness
    problem: str | None


def check_witnesses(
    *, session: Session, text: str, public_key: bytes
) -> tuple[list[WitnessCheck], list[str]]:
    """Each witness line of `text` judged against the stored chain; and the broken lines."""
    witnesses, broken = read_witnesses(text)
    wanted = sorted({w.seq for w in witnesses})
    recorded: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        query = select(AuditEvent.seq, AuditEvent.hash).where(
            col(AuditEvent.seq).in_(wanted[start : start + 500])
        )
        recorded.update((int(seq), str(h)) for seq, h in session.exec(query))
    checks = [WitnessCheck(w, judge_witness(w, recorded.get(w.seq), public_key)) for w in witnesses]
    return checks, broken

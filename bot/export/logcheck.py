"""The bundle's audit log: its chain from the anchor to the head, and witnessed heads in it."""

# Pasted into the bundle's verify.py (see bot/export/script.py): standard library and
# Python 3.8 syntax only.

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from bot.audit.chain import verify_events  # bundle: inline bot/audit/chain.py
from bot.audit.witness_line import (  # bundle: inline bot/audit/witness_line.py
    Witness,
    judge_witness,
)
from bot.export.crosscheck import Ledger  # bundle: inline bot/export/crosscheck.py
from bot.export.reader import AUDIT_LOG, Reader, Report  # bundle: inline bot/export/reader.py


def check_chain(
    reader: Reader, manifest: dict[str, Any], report: Report, ledger: Ledger, wanted: set[int]
) -> dict[int, str] | None:
    """Re-hash the log, feeding its events to `ledger`; the hashes of the `wanted` events.

    None when the chain is broken (reported), so that nothing is judged against it.
    """
    chain = manifest.get("audit_chain") or {}
    if AUDIT_LOG not in reader.names:
        if AUDIT_LOG not in manifest["files"]:  # else already reported as missing
            report.problems.append(f"MISSING  {AUDIT_LOG}: the bundle has no audit log")
        return None
    hashes: dict[int, str] = {}
    with reader.open(AUDIT_LOG) as raw:
        lines = io.TextIOWrapper(raw, "utf-8", newline="\n")
        anchor = _anchor(next(lines, ""))
        if anchor is None:
            report.problems.append(f"BROKEN   {AUDIT_LOG} line 1: no anchor line")
            return None
        if anchor != chain.get("anchor"):
            report.problems.append(f"BROKEN   {AUDIT_LOG} line 1: anchor differs from manifest")
        hashes[anchor["seq"]] = anchor["hash"]
        bad: list[str] = []
        events = _tapped(_parsed(lines, bad), ledger, wanted, hashes)
        result = verify_events(events, start_seq=anchor["seq"] + 1, anchor_hash=anchor["hash"])
    report.events, report.head_seq, report.head_hash = (
        result.checked,
        result.head_seq,
        result.head_hash,
    )
    if bad:
        report.problems.append(bad[0])
        return None
    if not result.ok:
        line = (result.broken_seq or 0) - anchor["seq"] + 1
        report.problems.append(f"BROKEN   {AUDIT_LOG} line {line}: {result.problem}")
        return None
    head = chain.get("head") or {}
    if (result.head_seq, result.head_hash) != (head.get("seq"), head.get("hash")):
        report.problems.append(
            f"BROKEN   {AUDIT_LOG}: the chain ends at event {result.head_seq}, the manifest "
            f"names head {head.get('seq')}"
        )
        return None
    return hashes


def _anchor(line: str) -> dict[str, Any] | None:
    try:
        anchor = json.loads(line)["anchor"]
        return {"seq": int(anchor["seq"]), "hash": str(anchor["hash"])}
    except (ValueError, KeyError, TypeError):
        return None


def _parsed(lines: Iterator[str], bad: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=2):
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or "seq" not in event:
                raise ValueError("not an event")
        except ValueError:
            bad.append(f"BROKEN   {AUDIT_LOG} line {number}: not a JSON audit event")
            return
        yield event


def _tapped(
    events: Iterator[dict[str, Any]], ledger: Ledger, wanted: set[int], hashes: dict[int, str]
) -> Iterator[dict[str, Any]]:
    """The events unchanged, each also given to the ledger; wanted hashes kept aside."""
    for event in events:
        ledger.take(event)
        if event.get("seq") in wanted:
            hashes[int(event["seq"])] = str(event.get("hash"))
        yield event


def check_witnesses(
    witnesses: list[Witness],
    hashes: dict[int, str],
    report: Report,
    public_key: bytes | None,
    first: int,
) -> None:
    """Each witnessed head the log covers must be in it with its hash (and its signature)."""
    judged = 0
    for witness in witnesses:
        if witness.seq < first or witness.seq > report.head_seq:
            report.notes.append(
                f"{witness.label} not checked: this bundle's audit log covers events "
                f"{first} to {report.head_seq}"
            )
            continue
        judged += 1
        problem = judge_witness(witness, hashes.get(witness.seq), public_key)
        if problem:
            report.problems.append(f"WITNESS  {problem}")
        else:
            report.witnessed += 1
    if witnesses and not judged:
        report.problems.append(
            f"WITNESS  none of the {len(witnesses)} witnessed heads falls within this bundle's "
            f"audit log (events {first} to {report.head_seq}); nothing was checked"
        )

"""A population frozen as files: CSV for people, JSON for machines, both byte-for-byte stable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from bot.connectors.facts import Account, Population
from bot.core.markup import spreadsheet_safe

CSV_COLUMNS = (
    "id",
    "account",
    "email",
    "kind",
    "active",
    "privileges",
    "mfa",
    "last_active",
    "attributes",
)


def _instant(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _mfa(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def account_record(account: Account) -> dict[str, Any]:
    """One account as plain JSON values (the snapshot's and the CLI's shape)."""
    return {
        "id": account.id,
        "account": account.name,
        "email": account.email,
        "kind": account.kind,
        "active": account.active,
        "privileges": list(account.privileges),
        "mfa": account.mfa,
        "last_active": _instant(account.last_active) or None,
        "attributes": dict(sorted(account.attributes.items())),
    }


def snapshot_json(population: Population, extra: dict[str, Any] | None = None) -> bytes:
    """The population as JSON: where and when it was pulled, then every account by id."""
    document = {
        "source": population.source_type,
        "label": population.label,
        "pulled_at": _instant(population.pulled_at),
        "count": len(population.accounts),
        **(extra or {}),
        "accounts": [account_record(a) for a in sorted(population.accounts, key=_order)],
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


def snapshot_csv(population: Population) -> bytes:
    """The population as CSV, one row per account, sorted by account name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for account in sorted(population.accounts, key=_order):
        writer.writerow(
            spreadsheet_safe(cell)
            for cell in [
                account.id,
                account.name,
                account.email or "",
                account.kind,
                "yes" if account.active else "no",
                ";".join(account.privileges),
                _mfa(account.mfa),
                _instant(account.last_active),
                ";".join(f"{k}={v}" for k, v in sorted(account.attributes.items())),
            ]
        )  # names come from another company's system: never a formula in a spreadsheet
    return out.getvalue().encode()


def _order(account: Account) -> tuple[str, str]:
    return (account.name.casefold(), account.id)

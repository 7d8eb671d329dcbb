"""The accounts CSV of an access review, read strictly: every problem by row, or the rows.

The same columns serve a CSV uploaded in chat (bot.reviews) and a CSV source on the server
(bot.connectors.csv_source), so the parsing lives here, below both.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.core.markup import script_marker

MAX_ROWS = 5000
MAX_PROBLEMS_SHOWN = 20
MAX_ACCOUNT = 200
MAX_SYSTEM = 90  # "account (system)" must fit the 300-character item subject
MAX_NOTABLE = 60  # role and last activity: a few words each on the prompt's row
_BOM = "\ufeff"
_EMAIL_RE = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.]+")
_ALIASES = {
    "account": "account",
    "username": "account",
    "user": "account",
    "login": "account",
    "email": "email",
    "system": "system",
    "application": "system",
    "system_owner": "system_owner",
    "owner": "system_owner",
    # What a reviewer notices on the prompt's row, when the export has it.
    "role": "role",
    "access_level": "role",
    "permission": "role",
    "permissions": "role",
    "last_activity": "last_activity",
    "last_active": "last_activity",
    "last_login": "last_activity",
    "last_seen": "last_activity",
    "last_used": "last_activity",
    "last_sign_in": "last_activity",
}
_USAGE = (
    "a header row with account (or username), email, system and system_owner columns "
    "(optional: role, last_login)"
)


@dataclass(frozen=True)
class AccountRow:
    """One account to review, as read from the CSV."""

    account: str
    email: str | None
    system: str | None
    system_owner: str | None
    role: str | None = None  # e.g. "admin", as the system exports it
    last_activity: str | None = None  # e.g. "2026-02-03", as the system exports it


def parse_accounts_csv(data: bytes) -> list[AccountRow]:
    """Read the accounts; raise `InvalidInput` listing every bad row (rows counted from 1).

    A CSV holding web-page or script markup is refused: account names end up in prompts,
    exports and the decisions CSV kept as evidence.
    """
    records = _records(_decode(data))
    header = next(records, None)
    if header is None:
        raise InvalidInput("The CSV is empty.", usage=_USAGE)
    columns = _columns(header[1])
    rows: list[AccountRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in records:
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(
                f"The CSV has more than {MAX_ROWS:,} accounts; split it into smaller reviews."
            )
        row, row_problems = _row(number, cells, columns)
        problems += row_problems
        if row is not None:
            problems += _duplicate(number, row, seen)
            rows.append(row)
    if problems:
        raise InvalidInput(_problem_text(problems), usage=_USAGE)
    if not rows:
        raise InvalidInput("The CSV has a header row but no accounts.", usage=_USAGE)
    return rows


def _decode(data: bytes) -> str:
    """The CSV's text: UTF-8 without NUL bytes or web markup, as for any text evidence."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The CSV is not UTF-8 text: save it as “CSV UTF-8” and try again."
        ) from None
    if "\x00" in text:
        raise InvalidInput("The CSV is not text (it holds NUL bytes): export it as CSV again.")
    if marker := script_marker(data):
        # Account names end up in prompts, exports and the decisions CSV kept as evidence.
        raise InvalidInput(
            f"The CSV contains web page or script markup (“{marker}”); remove it and try again."
        )
    return text.removeprefix(_BOM)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with their row number (a spreadsheet's numbering, header = 1)."""
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if any(cell.strip() for cell in cells):
                yield number, cells
    except csv.Error as exc:
        raise InvalidInput(f"The CSV cannot be read: {exc}.") from None


def _columns(header: list[str]) -> dict[str, int]:
    """Canonical column name → index; unknown columns are ignored."""
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _ALIASES.get(raw.strip().lower().replace(" ", "_"))
        if name is None:
            continue
        if name in columns:
            raise InvalidInput(
                f"The CSV has two {name} columns ({header[columns[name]].strip()} and "
                f"{raw.strip()}); keep one.",
                usage=_USAGE,
            )
        columns[name] = index
    if "account" not in columns:
        found = ", ".join(c.strip() for c in header if c.strip()) or "nothing"
        raise InvalidInput(
            f"The CSV needs an account column (or username, user, login); found: {found}.",
            usage=_USAGE,
        )
    return columns


def _row(
    number: int, cells: list[str], columns: dict[str, int]
) -> tuple[AccountRow | None, list[str]]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    account, system = cell("account"), cell("system")
    problems: list[str] = []
    if not account:
        problems.append(f"row {number}: account is empty")
    elif len(account) > MAX_ACCOUNT:
        problems.append(f"row {number}: account is longer than {MAX_ACCOUNT} characters")
    if len(system) > MAX_SYSTEM:
        problems.append(f"row {number}: system is longer than {MAX_SYSTEM} characters")
    email = _email(number, "email", cell("email"), problems)
    owner = _email(number, "system_owner", cell("system_owner"), problems)
    role, last = cell("role"), cell("last_activity")
    for name, value in (("role", role), ("last activity", last)):
        if len(value) > MAX_NOTABLE:
            problems.append(f"row {number}: {name} is longer than {MAX_NOTABLE} characters")
    if problems:
        return None, problems
    return AccountRow(account, email, system or None, owner, role or None, last or None), []


def _email(number: int, column: str, value: str, problems: list[str]) -> str | None:
    if not value:
        return None
    email = value.lower()
    if len(email) > 254 or _EMAIL_RE.fullmatch(email) is None:
        problems.append(f"row {number}: {column} “{value}” is not an email address")
        return None
    return email


def _duplicate(number: int, row: AccountRow, seen: dict[tuple[str, str], int]) -> list[str]:
    key = (row.account.casefold(), (row.system or "").casefold())
    first = seen.setdefault(key, number)
    if first == number:
        return []
    where = f" on {row.system}" if row.system else ""
    return [f"row {number}: {row.account}{where} is already listed on row {first}"]


def _problem_text(problems: list[str]) -> str:
    shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
    more = len(problems) - MAX_PROBLEMS_SHOWN
    tail = f"\n  … and {more} more" if more > 0 else ""
    return f"The CSV was not used ({len(problems)} problem(s)):\n{shown}{tail}"

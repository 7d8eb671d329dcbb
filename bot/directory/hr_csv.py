"""Read a people CSV (an HR/HRIS export) into directory entries: every bad row named, or none."""

from __future__ import annotations

import csv
import io
import re

from bot.core.errors import InvalidInput
from bot.core.settings import valid_timezone
from bot.directory.facts import DirectoryEntry

EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
# Column names as HR tools spell them, folded to lower case with `_` for spaces and dashes.
ALIASES = {
    "email": ("email", "e_mail", "email_address", "work_email"),
    "name": ("name", "full_name", "display_name"),
    "active": ("active", "status", "employment_status"),
    "manager_email": ("manager_email", "manager", "manager_e_mail"),
    "timezone": ("timezone", "time_zone", "tz"),
    "department": ("department", "team"),
    "title": ("title", "job_title"),
}
ACTIVE = frozenset({"", "true", "yes", "y", "1", "active", "employed"})
INACTIVE = frozenset(
    {"false", "no", "n", "0", "inactive", "terminated", "deactivated", "disabled", "suspended"}
)
MAX_LENGTH = {"email": 254, "name": 200, "department": 200, "title": 200}
SHOWN_ERRORS = 50


class DirectoryCsvInvalid(InvalidInput):
    """A people CSV was rejected; `errors` lists `row N: problem` lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        lines = [f"  {e}" for e in errors[:SHOWN_ERRORS]]
        if len(errors) > SHOWN_ERRORS:
            lines.append(f"  …and {len(errors) - SHOWN_ERRORS} more")
        super().__init__(
            f"People CSV rejected, nothing applied ({len(errors)} error(s)):\n" + "\n".join(lines)
        )


def parse_directory_csv(data: bytes | str) -> list[DirectoryEntry]:
    """Entries from a CSV with an `email` column (name, active, manager_email, timezone,
    department, title optional; any order, any case, a BOM, extra columns are fine)."""
    text = _decode(data)
    if not text.strip():
        raise DirectoryCsvInvalid(["the file is empty: it needs a header row with an email column"])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(cells for cells in reader if any(cell.strip() for cell in cells))
    columns = _columns(header)
    if "email" not in columns:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise DirectoryCsvInvalid([f"row {reader.line_num}: no email column (found: {found})"])
    entries: list[DirectoryEntry] = []
    errors: list[str] = []
    first_row: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row = {name: _cell(cells, index) for name, index in columns.items()}
        problems = _problems(row, first_row, reader.line_num)
        errors.extend(f"row {reader.line_num}: {p}" for p in problems)
        if not problems:
            entries.append(_entry(row))
    if errors:
        raise DirectoryCsvInvalid(errors)
    return entries


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DirectoryCsvInvalid(
            ["the file is not UTF-8 text: export it as “CSV UTF-8” and try again"]
        ) from None


def _delimiter(text: str) -> str:
    """Comma, or the semicolon/tab some spreadsheet locales write, judged on the header."""
    first = text.strip().splitlines()[0]
    return max((",", ";", "\t"), key=first.count)


def _columns(header: list[str]) -> dict[str, int]:
    folded = [re.sub(r"[\s\-]+", "_", h.strip().lower()) for h in header]
    columns: dict[str, int] = {}
    for name, spellings in ALIASES.items():
        for spelling in spellings:  # the plain name first, then the aliases
            if spelling in folded:
                columns[name] = folded.index(spelling)
                break
    return columns


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _problems(row: dict[str, str], first_row: dict[str, int], line: int) -> list[str]:
    problems = []
    email = row.get("email", "").lower()
    if not email:
        problems.append("email is empty")
    elif not EMAIL.match(email):
        problems.append(f"email {email!r} is not an email address")
    elif email in first_row:
        problems.append(f"{email} is listed twice (first on row {first_row[email]})")
    else:
        first_row[email] = line
    active = row.get("active", "").lower()
    if active not in ACTIVE | INACTIVE:
        choices = "true/false, yes/no or active/inactive"
        problems.append(f"active {row['active']!r} is not one of {choices}")
    manager = row.get("manager_email", "").lower()
    if manager and not EMAIL.match(manager):
        problems.append(f"manager_email {manager!r} is not an email address")
    elif manager and manager == email:
        problems.append("manager_email is the person themselves")
    timezone = row.get("timezone", "")
    if timezone and not valid_timezone(timezone):
        problems.append(f"timezone {timezone!r} is not an IANA timezone (e.g. Europe/Paris)")
    for name, limit in MAX_LENGTH.items():
        if len(row.get(name, "")) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    return problems


def _entry(row: dict[str, str]) -> DirectoryEntry:
    return DirectoryEntry(
        email=row["email"].lower(),
        name=row.get("name") or None,
        active=row.get("active", "").lower() in ACTIVE,
        timezone=row.get("timezone") or None,
        manager_email=(row.get("manager_email") or "").lower() or None,
        department=row.get("department") or None,
        title=row.get("title") or None,
    )

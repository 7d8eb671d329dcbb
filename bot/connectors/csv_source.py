"""A CSV file on the server as a source: the accounts an export lists, read like a chat upload.

For systems without an API (or one we do not support yet), someone exports the accounts to a
file the bot can read; the columns are those of the CSV uploaded in chat (account, email,
system, system_owner, role, last_login), and any problem fails the pull as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.connectors.csv_rows import AccountRow, parse_accounts_csv
from bot.connectors.facts import Account, SourceError
from bot.connectors.http import parse_instant
from bot.connectors.registry import SourceConfig, SourceType
from bot.core.errors import InvalidInput

SYSTEM = "CSV file"
MAX_BYTES = 20 * 1024 * 1024  # 5,000 rows of a few hundred characters fit many times over
# Roles that make an account privileged wherever they appear in an export.
PRIVILEGED_ROLES = frozenset({"admin", "administrator", "owner", "superuser", "root"})


def describe(settings: Mapping[str, str]) -> str:
    return f"CSV file {settings.get('path', '')}".strip()


def pull(config: SourceConfig) -> list[Account]:
    """Every row of the file as an account, or SourceError naming what is wrong with it."""
    path = Path(config.settings.get("path", "")).expanduser()
    data = _read(path)
    try:
        rows = parse_accounts_csv(data)
    except InvalidInput as exc:
        raise SourceError(
            SYSTEM, f"{path} was not used: {exc.message}", kind="bad_response"
        ) from None
    return [_account(row) for row in rows]


def _read(path: Path) -> bytes:
    if not str(path) or not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist on the server"
        raise SourceError(
            SYSTEM, f"{path} {what}: check the source's `path`", kind="missing_setting"
        )
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except PermissionError:
        raise SourceError(SYSTEM, f"the bot may not read {path}", kind="forbidden") from None
    except OSError as exc:
        reason = f"{path} could not be read ({type(exc).__name__})"
        raise SourceError(SYSTEM, reason, kind="unreachable") from None
    if len(data) > MAX_BYTES:
        reason = f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it"
        raise SourceError(SYSTEM, reason, kind="bad_response")
    return data


def _account(row: AccountRow) -> Account:
    # One person has one account per system: the system makes the id unique in a mixed file.
    key = f"{row.account}@{row.system}" if row.system else row.account
    attributes = {
        name: value
        for name, value in (
            ("system", row.system),
            ("system_owner", row.system_owner),
            ("role", row.role),
        )
        if value
    }
    last_active = parse_instant(row.last_activity)
    if row.last_activity and last_active is None:
        attributes["last_login"] = row.last_activity  # "last week": shown as exported
    privileged = row.role is not None and row.role.casefold() in PRIVILEGED_ROLES
    return Account(
        id=key,
        name=row.account,
        email=row.email,
        privileges=(row.role.casefold(),) if privileged and row.role else (),
        last_active=last_active,
        kind="user",
        attributes=attributes,
    )


SOURCE = SourceType(
    name="csv",
    system=SYSTEM,
    required=("path",),
    optional=(),
    credentials=(),
    describe=describe,
    pull=pull,
)

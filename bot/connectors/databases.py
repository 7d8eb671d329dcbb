"""PostgreSQL roles and MySQL/MariaDB accounts as access-review sources, read in read-only mode.

Each source connects with a DSN held in an environment variable the catalog names (`dsn_env`),
never in the catalog itself. Least privilege:
- PostgreSQL: a plain LOGIN role with CONNECT on one database; pg_roles and pg_auth_members
  are readable by every role, so nothing else is granted.
- MySQL: `GRANT SELECT ON mysql.user TO 'reviewer'@'…'`; on MariaDB (whose mysql.user has no
  account_locked column) also `GRANT SELECT ON mysql.global_priv TO 'reviewer'@'…'`.
Messages name the host, port and database, never the DSN, user's password or driver's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg
import pymysql  # type: ignore[import-untyped]
from psycopg.conninfo import conninfo_to_dict

from bot.connectors.facts import Account, FailureKind, SourceError
from bot.connectors.registry import SourceConfig, SourceType

POSTGRES_DSN_ENV = "POSTGRES_REVIEW_DSN"
MYSQL_DSN_ENV = "MYSQL_REVIEW_DSN"
CONNECT_TIMEOUT = 10  # seconds to reach the server
QUERY_TIMEOUT = 30  # seconds for a query (a lock on the catalog must not hang a tick)
POSTGRES, MYSQL = "PostgreSQL", "MySQL"


def _dsn(config: SourceConfig, default: str, system: str) -> tuple[str, str]:
    """The name of the DSN's variable and its value; SourceError when it is not set."""
    name = config.settings.get("dsn_env") or default
    value = config.env.get(name, "").strip()
    if not value:
        reason = f"set {name} to a read-only DSN in the environment before the review starts"
        raise SourceError(system, reason, kind="missing_setting")
    return name, value


def _fail(system: str, where: str, kind: FailureKind, detail: str) -> SourceError:
    return SourceError(system, f"{system} at {where} {detail}", kind=kind)


def _describe(system: str, default: str) -> Callable[[Mapping[str, str]], str]:
    def describe(settings: Mapping[str, str]) -> str:
        if settings.get("database"):
            return f"{system} {settings['database']}"
        return f"{system} (DSN in {settings.get('dsn_env') or default})"

    return describe


# PostgreSQL ------------------------------------------------------------------------------

# pg_* roles are the server's built-ins (the prefix is reserved): not accounts anyone holds.
_PG_ROLES = """
SELECT r.oid::text, r.rolname, r.rolcanlogin,
       r.rolvaliduntil IS NULL OR r.rolvaliduntil > now() AS valid,
       coalesce(r.rolvaliduntil::text, '') AS valid_until,
       r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
       coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
                 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 WHERE m.member = r.oid), '') AS member_of
FROM pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY r.rolname
"""
_PG_FLAGS = ("superuser", "createrole", "createdb", "replication", "bypassrls")
# libpq's words for a refused login; its connection errors carry no SQLSTATE.
_PG_REFUSED = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied",
)


def _pg_where(dsn: str, name: str) -> tuple[dict[str, Any], str]:
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        reason = f"{name} does not hold a PostgreSQL DSN (postgresql://… or host=… dbname=…)"
        raise SourceError(POSTGRES, reason, kind="missing_setting") from None
    host = str(params.get("host") or "localhost").split(",")[0]
    port = str(params.get("port") or "5432").split(",")[0]
    return params, f"{host}:{port}/{params.get('dbname') or params.get('user') or ''}"


def pull_postgres(config: SourceConfig) -> list[Account]:
    """Every role but the built-ins, in a read-only transaction."""
    name, dsn = _dsn(config, POSTGRES_DSN_ENV, POSTGRES)
    params, where = _pg_where(dsn, name)
    timeout = int(params.get("connect_timeout") or CONNECT_TIMEOUT)  # the DSN's own wins
    try:
        with psycopg.connect(dsn, connect_timeout=timeout, application_name="soc2bot") as conn:
            conn.read_only = True  # every transaction starts with BEGIN READ ONLY
            conn.execute(f"SET LOCAL statement_timeout = {QUERY_TIMEOUT * 1000}")
            rows = conn.execute(_PG_ROLES).fetchall()
    except psycopg.OperationalError as exc:
        if exc.sqlstate is None:  # refused before a session existed
            raise _pg_connect_failure(str(exc), where) from None
        raise _pg_failure(exc, where) from None
    except psycopg.Error as exc:
        raise _pg_failure(exc, where) from None
    return [_pg_account(row) for row in rows]


def _pg_connect_failure(text: str, where: str) -> SourceError:
    # Read for its kind only: libpq's text names users and hosts, and is never passed on.
    text = text.lower()
    if "database" in text and "does not exist" in text:
        return _fail(POSTGRES, where, "not_found", "has no such database: check the DSN")
    if any(words in text for words in _PG_REFUSED):
        detail = "refused the login: check the DSN's user and password"
        return _fail(POSTGRES, where, "unauthorized", detail)
    if "timeout expired" in text:
        return _fail(POSTGRES, where, "timeout", "did not answer in time")
    return _fail(POSTGRES, where, "unreachable", "could not be reached")


def _pg_failure(exc: psycopg.Error, where: str) -> SourceError:
    state = exc.sqlstate or ""
    if state == "42501":  # insufficient_privilege
        return _fail(POSTGRES, where, "forbidden", "refused to list roles (permission denied)")
    if state == "57014":  # query_canceled: our statement_timeout
        return _fail(POSTGRES, where, "timeout", f"took over {QUERY_TIMEOUT} s to list roles")
    if state.startswith("28"):
        return _fail(POSTGRES, where, "unauthorized", "refused the login")
    detail = f"failed to list roles ({type(exc).__name__}, SQLSTATE {state or 'none'})"
    return _fail(POSTGRES, where, "bad_response", detail)


def _pg_account(row: tuple[Any, ...]) -> Account:
    oid, name, can_login, valid, valid_until, *flags, member_of = row
    attributes = {"can_login": "yes" if can_login else "no"}
    if member_of:
        attributes["member_of"] = str(member_of)
    if valid_until:
        attributes["valid_until"] = str(valid_until)
    return Account(
        id=str(oid),
        name=str(name),
        privileges=tuple(label for label, on in zip(_PG_FLAGS, flags, strict=True) if on),
        active=bool(can_login and valid),  # a role that cannot log in is a group of rights
        kind="database_role",
        attributes=attributes,
    )


# MySQL and MariaDB -----------------------------------------------------------------------

# The servers' own accounts (locked, no login) that no one holds or can remove.
_MYSQL_INTERNAL = frozenset({"mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema"})
_MYSQL_ADMIN = (
    ("Super_priv", "super"),
    ("Grant_priv", "grant option"),
    ("Create_user_priv", "create user"),
)
_COLUMN = re.compile(r"[A-Za-z_]+")
_MYSQL_REFUSALS: dict[int, tuple[FailureKind, str]] = {
    1045: ("unauthorized", "refused the login: check the DSN's user and password"),
    1698: ("unauthorized", "refused the login: check the DSN's user and password"),
    1044: ("forbidden", "refused access to the DSN's database"),
    1142: (
        "forbidden",
        "refused to list accounts: GRANT SELECT ON mysql.user (and, on "
        "MariaDB, mysql.global_priv) to the reviewing account",
    ),  # fmt: skip
    1049: ("not_found", "has no such database: check the DSN"),
    2003: ("unreachable", "could not be reached"),
    2005: ("unreachable", "could not be reached (unknown host)"),
    2013: ("unreachable", "closed the connection"),
}


def _mysql_params(dsn: str, name: str) -> tuple[dict[str, Any], str]:
    url = urlsplit(dsn)
    if url.scheme.split("+")[0] not in ("mysql", "mariadb") or not url.hostname:
        reason = f"{name} does not hold a MySQL DSN (mysql://user:password@host:3306/db)"
        raise SourceError(MYSQL, reason, kind="missing_setting")
    query = dict(parse_qsl(url.query))
    params: dict[str, Any] = {
        "host": url.hostname,
        "port": url.port or 3306,
        "user": unquote(url.username or ""),
        "password": unquote(url.password or ""),
        "database": unquote(url.path.lstrip("/")) or None,
    }
    if query.get("ssl_ca"):
        params["ssl"] = {"ca": query["ssl_ca"]}
    return params, f"{url.hostname}:{params['port']}/{params['database'] or ''}"


def pull_mysql(config: SourceConfig) -> list[Account]:
    """Every account of mysql.user but the servers' own, in a read-only transaction."""
    name, dsn = _dsn(config, MYSQL_DSN_ENV, MYSQL)
    params, where = _mysql_params(dsn, name)
    try:
        conn = pymysql.connect(
            **params,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=QUERY_TIMEOUT,
            write_timeout=QUERY_TIMEOUT,
            charset="utf8mb4",
            cursorclass=pymysql.cursors.DictCursor,
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute("START TRANSACTION READ ONLY")
                rows, privs, locked = _mysql_rows(cursor)
            conn.rollback()
        finally:
            conn.close()
    except pymysql.err.MySQLError as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        kind, detail = _MYSQL_REFUSALS.get(code, ("bad_response", f"failed (error {code})"))
        if code == 2003 and "timed out" in str(exc):
            kind, detail = "timeout", "did not answer in time"
        raise _fail(MYSQL, where, kind, detail) from None
    return [
        _mysql_account(row, privs, locked)
        for row in rows
        if str(row["User"]) not in _MYSQL_INTERNAL
    ]


def _mysql_rows(cursor: Any) -> tuple[list[dict[str, Any]], list[str], set[tuple[str, str]]]:
    """mysql.user's rows (no password hashes), its *_priv columns and the locked accounts."""
    cursor.execute("SHOW COLUMNS FROM mysql.user")
    columns = [str(c["Field"]) for c in cursor.fetchall() if _COLUMN.fullmatch(str(c["Field"]))]
    privs = [c for c in columns if c.endswith("_priv")]
    wanted = ["User", "Host", *privs]
    wanted += [c for c in ("account_locked", "password_expired", "is_role") if c in columns]
    cursor.execute(f"SELECT {', '.join(f'`{c}`' for c in wanted)} FROM mysql.user")
    rows: list[dict[str, Any]] = list(cursor.fetchall())
    if "account_locked" in columns:
        locked = {(str(r["User"]), str(r["Host"])) for r in rows if r["account_locked"] == "Y"}
    else:  # MariaDB keeps the lock in global_priv's JSON
        cursor.execute(
            "SELECT User, Host FROM mysql.global_priv "
            "WHERE JSON_VALUE(Priv, '$.account_locked') IN ('1', 'true')"  # true reads as 1
        )
        locked = {(str(r["User"]), str(r["Host"])) for r in cursor.fetchall()}
    return rows, privs, locked


def _mysql_account(row: dict[str, Any], privs: list[str], locked: set[tuple[str, str]]) -> Account:
    user, host = str(row["User"]), str(row["Host"])
    key = f"{user}@{host}" if host else user  # a MariaDB role has no host
    granted = [label for column, label in _MYSQL_ADMIN if row.get(column) == "Y"]
    if privs and all(row[c] == "Y" for c in privs):
        granted.insert(0, "all privileges")
    role = row.get("is_role") == "Y"
    attributes = {"host": host} if host else {}
    if row.get("password_expired") == "Y":
        attributes["password_expired"] = "yes"
    return Account(
        id=key,
        name=key,
        privileges=tuple(granted),
        active=(user, host) not in locked,
        kind="database_role" if role else "database_user",
        attributes=attributes,
    )


def _needs(default: str) -> Callable[[Mapping[str, str]], tuple[tuple[str, ...], ...]]:
    """The DSN's variable: the one the catalog names, else the default."""
    return lambda settings: ((settings.get("dsn_env") or default,),)


SOURCES = {
    "postgres": SourceType(
        name="postgres",
        system=POSTGRES,
        required=(),
        optional=("dsn_env", "database"),
        credentials=((POSTGRES_DSN_ENV,),),
        describe=_describe(POSTGRES, POSTGRES_DSN_ENV),
        pull=pull_postgres,
        credentials_for=_needs(POSTGRES_DSN_ENV),
    ),
    "mysql": SourceType(
        name="mysql",
        system=MYSQL,
        required=(),
        optional=("dsn_env", "database"),
        credentials=((MYSQL_DSN_ENV,),),
        describe=_describe(MYSQL, MYSQL_DSN_ENV),
        pull=pull_mysql,
        credentials_for=_needs(MYSQL_DSN_ENV),
    ),
}

"""The postgres and mysql sources against this machine's real servers, with throwaway roles."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa

from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import check_source, pull_population
from schedules.leader import libpq_url
from tests.conftest import NO_POSTGRES, POSTGRES_URL

NOW = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
PASSWORD = "s3cret-Review-pw"
MYSQL_HOST, MYSQL_PORT = "127.0.0.1", 3306


@dataclass(frozen=True)
class Server:
    prefix: str  # every throwaway role's name starts with it
    dsn: str  # the reviewing account's DSN
    host: str
    port: int
    database: str


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def pull(kind: str, dsn: str, **settings: str) -> Population:
    env = {settings.get("dsn_env", f"{kind.upper()}_REVIEW_DSN"): dsn}
    return pull_population({"type": kind, **settings}, env=env, now=NOW)


def failure(kind: str, dsn: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        pull(kind, dsn)
    assert PASSWORD not in str(caught.value) and dsn not in str(caught.value)
    return caught.value


def ours(population: Population, prefix: str) -> dict[str, Account]:
    """The test's own accounts (the server is shared), by name without the prefix."""
    found = {a.name.removeprefix(prefix): a for a in population.accounts}
    return {name: a for name, a in found.items() if a.name.startswith(prefix)}


# PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[Server]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = sa.engine.make_url(POSTGRES_URL)
    admin = libpq_url(str(url.set(database="postgres")))
    prefix = f"rv{uuid.uuid4().hex[:8]}_"
    database = f"{prefix}db"
    roles = {
        "reader": f"LOGIN PASSWORD '{PASSWORD}'",  # the reviewer: a plain login, nothing more
        "group": "NOLOGIN",
        "boss": "LOGIN SUPERUSER",
        "ops": f"LOGIN CREATEDB CREATEROLE IN ROLE {prefix}group",
        "gone": "LOGIN VALID UNTIL '2020-01-01'",
        "forever": "LOGIN VALID UNTIL 'infinity'",
    }
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
        for name, options in roles.items():
            conn.execute(f'CREATE ROLE "{prefix}{name}" {options}')
        conn.execute(f'REVOKE CONNECT ON DATABASE "{database}" FROM PUBLIC')
        conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{prefix}reader"')
    host, port = url.host or "127.0.0.1", url.port or 5432
    dsn = f"postgresql://{prefix}reader:{PASSWORD}@{host}:{port}/{database}"
    yield Server(prefix, dsn, host, port, database)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for name in reversed(roles):
            conn.execute(f'DROP ROLE IF EXISTS "{prefix}{name}"')


def test_postgres_lists_roles_with_their_rights_and_no_builtins(postgres: Server) -> None:
    population = pull("postgres", postgres.dsn, database="app")

    assert population.label == "PostgreSQL app"
    assert not [a for a in population.accounts if a.name.startswith("pg_")]
    roles = ours(population, postgres.prefix)
    assert set(roles) == {"reader", "group", "boss", "ops", "gone", "forever"}
    assert roles["boss"].privileges == ("superuser",)
    assert roles["ops"].privileges == ("createrole", "createdb")
    assert roles["ops"].attributes == {"can_login": "yes", "member_of": f"{postgres.prefix}group"}
    assert roles["reader"].privileges == () and roles["reader"].active
    assert not roles["group"].active  # cannot log in: a bundle of rights, not a way in
    assert not roles["gone"].active and roles["gone"].attributes["valid_until"].startswith("2020")
    assert roles["forever"].active
    assert {a.kind for a in roles.values()} == {"database_role"}
    assert all(a.mfa is None and a.last_active is None for a in roles.values())


def test_postgres_ids_are_role_oids_so_a_rename_keeps_the_account(postgres: Server) -> None:
    before = ours(pull("postgres", postgres.dsn), postgres.prefix)["forever"]
    admin = libpq_url(str(sa.engine.make_url(POSTGRES_URL or "").set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER ROLE "{postgres.prefix}forever" RENAME TO "{postgres.prefix}always"')
        oid = conn.execute("SELECT oid::text FROM pg_roles WHERE rolname = %s", (before.name,))
        assert oid.fetchone() is None
    try:
        after = ours(pull("postgres", postgres.dsn), postgres.prefix)["always"]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER ROLE "{postgres.prefix}always" RENAME TO "{before.name}"')
    assert after.id == before.id and after.id.isdigit()


def test_postgres_refusals_say_why_without_the_dsn(postgres: Server) -> None:
    stranger = postgres.dsn.replace(f"{postgres.prefix}reader", f"{postgres.prefix}nobody")
    refused = failure("postgres", stranger)
    assert refused.kind == "unauthorized" and "refused the login" in refused.reason
    where = f"{postgres.host}:{postgres.port}/{postgres.database}"
    assert f"PostgreSQL at {where}" in refused.reason

    missing = failure("postgres", postgres.dsn.replace(postgres.database, "nodb"))
    assert missing.kind == "not_found"

    down = failure("postgres", postgres.dsn.replace(f":{postgres.port}/", f":{closed_port()}/"))
    assert down.kind == "unreachable" and "could not be reached" in down.reason


def test_postgres_needs_the_dsn_variable_the_catalog_names() -> None:
    spec = {"type": "postgres", "dsn_env": "PG_AUDIT_DSN"}
    errors, warnings = check_source(spec, {})
    assert errors == [] and "set PG_AUDIT_DSN in the environment" in warnings[0]
    with pytest.raises(SourceError) as caught:
        pull_population(spec, env={"POSTGRES_REVIEW_DSN": "postgresql://x@y/z"}, now=NOW)
    assert caught.value.kind == "missing_setting" and "PG_AUDIT_DSN" in caught.value.reason

    with pytest.raises(SourceError) as caught:
        pull_population(spec, env={"PG_AUDIT_DSN": f"nonsense {PASSWORD}"}, now=NOW)
    assert caught.value.kind == "missing_setting" and PASSWORD not in str(caught.value)


# MySQL / MariaDB -------------------------------------------------------------------------


def mysql_root() -> Any:
    try:
        return pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="")
    except pymysql.err.MySQLError as exc:
        pytest.skip(f"no MySQL/MariaDB as root at {MYSQL_HOST}:{MYSQL_PORT} ({exc.args[0]})")


@pytest.fixture(scope="module")
def mysql() -> Iterator[Server]:
    prefix = f"rv{uuid.uuid4().hex[:8]}_"
    users = {
        "reader": "GRANT SELECT ON mysql.user TO {u}",
        "boss": "GRANT ALL PRIVILEGES ON *.* TO {u} WITH GRANT OPTION",
        "ops": "GRANT CREATE USER ON *.* TO {u}",
        "locked": "ALTER USER {u} ACCOUNT LOCK",
        "plain": "",
    }
    conn = mysql_root()
    with conn.cursor() as cursor:
        mariadb = (cursor.execute("SELECT VERSION()"), "MariaDB" in cursor.fetchone()[0])[1]
        for name, grant in users.items():
            user = f"'{prefix}{name}'@'%'"
            cursor.execute(f"CREATE USER {user} IDENTIFIED BY '{PASSWORD}'")
            if grant:
                cursor.execute(grant.format(u=user))
        if mariadb:  # where MariaDB keeps account locks
            cursor.execute(f"GRANT SELECT ON mysql.global_priv TO '{prefix}reader'@'%'")
            cursor.execute(f"CREATE ROLE '{prefix}role'")
    dsn = f"mysql://{prefix}reader:{PASSWORD}@{MYSQL_HOST}:{MYSQL_PORT}/"
    yield Server(prefix, dsn, MYSQL_HOST, MYSQL_PORT, "")
    with conn.cursor() as cursor:
        for name in users:
            cursor.execute(f"DROP USER IF EXISTS '{prefix}{name}'@'%'")
        if mariadb:
            cursor.execute(f"DROP ROLE IF EXISTS '{prefix}role'")
    conn.close()


def test_mysql_lists_accounts_with_admin_rights_and_locks(mysql: Server) -> None:
    population = pull("mysql", mysql.dsn)

    assert population.label == "MySQL (DSN in MYSQL_REVIEW_DSN)"
    assert not [a for a in population.accounts if a.name.startswith("mariadb.sys")]
    found = ours(population, mysql.prefix)
    boss = found["boss@%"]
    assert boss.id == f"{mysql.prefix}boss@%" and boss.attributes == {"host": "%"}
    assert boss.privileges[0] == "all privileges"
    assert {"super", "grant option", "create user"} <= set(boss.privileges)
    assert found["ops@%"].privileges == ("create user",)
    assert found["reader@%"].privileges == () and found["reader@%"].active
    assert not found["locked@%"].active and found["plain@%"].active
    assert {a.kind for name, a in found.items() if "@" in name} == {"database_user"}
    if "role" in found:  # MariaDB's roles live in mysql.user too
        assert found["role"].kind == "database_role"


def test_mysql_refusals_say_why_without_the_password(mysql: Server) -> None:
    refused = failure("mysql", mysql.dsn.replace(PASSWORD, "wrong-password"))
    assert refused.kind == "unauthorized" and "refused the login" in refused.reason
    assert f"MySQL at {MYSQL_HOST}:{MYSQL_PORT}/" in refused.reason

    plain = failure("mysql", mysql.dsn.replace(f"{mysql.prefix}reader", f"{mysql.prefix}plain"))
    assert plain.kind == "forbidden" and "GRANT SELECT ON mysql.user" in plain.reason

    down = failure("mysql", mysql.dsn.replace(f":{MYSQL_PORT}/", f":{closed_port()}/"))
    assert down.kind == "unreachable"


def test_mysql_reads_its_dsn_from_the_named_variable_only(mysql: Server) -> None:
    population = pull("mysql", mysql.dsn, dsn_env="AUDIT_DB", database="billing")

    assert population.label == "MySQL billing"
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "mysql"}, env={"AUDIT_DB": mysql.dsn}, now=NOW)
    assert caught.value.kind == "missing_setting" and "MYSQL_REVIEW_DSN" in caught.value.reason
    with pytest.raises(SourceError) as caught:
        pull_population({"type": "mysql"}, env={"MYSQL_REVIEW_DSN": "postgres://x"}, now=NOW)
    assert "does not hold a MySQL DSN" in caught.value.reason

"""People CSV: tolerant of BOMs, header case and extra columns; every bad row named by number."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.directory.hr_csv import DirectoryCsvInvalid, parse_directory_csv
from bot.directory.sync import DirectoryEntry, sync_directory
from models import AuditEvent, Person

GOOD = (
    "Email,Name,Active,Manager_Email,Timezone,Department,Badge\n"
    "ana@acme.test,Ana Ruiz,true,,America/New_York,Security,1\n"
    "RAJ@acme.test,Raj Iyer,yes,ana@acme.test,Asia/Kolkata,Platform,2\n"
    "\n"
    "old@acme.test,Old Timer,terminated,ana@acme.test,,Platform,3\n"
)


def test_a_good_file_gives_one_entry_per_row() -> None:
    entries = parse_directory_csv(("\ufeff" + GOOD).encode())
    assert entries == [
        DirectoryEntry(
            "ana@acme.test", "Ana Ruiz", True, "America/New_York", department="Security"
        ),
        DirectoryEntry(
            "raj@acme.test",
            "Raj Iyer",
            True,
            "Asia/Kolkata",
            manager_email="ana@acme.test",
            department="Platform",
        ),
        DirectoryEntry(
            "old@acme.test",
            "Old Timer",
            False,
            manager_email="ana@acme.test",
            department="Platform",
        ),
    ]


def test_columns_may_come_in_any_order_with_aliases_and_semicolons() -> None:
    text = "TEAM; E-mail ;Full Name\nSecurity;ana@acme.test;Ana\n"
    [ana] = parse_directory_csv(text)
    assert (ana.email, ana.name, ana.department, ana.active) == (
        "ana@acme.test",
        "Ana",
        "Security",
        True,
    )


def test_every_bad_row_is_named_with_its_number() -> None:
    text = (
        "email,name,active,manager_email,timezone\n"
        "ana@acme.test,Ana,true,,\n"
        "not-an-email,Bob,true,,\n"
        ",Nobody,true,,\n"
        "ana@acme.test,Ana again,maybe,ana@acme.test,Mars/Olympus\n"
        "eve@acme.test,Eve,true,boss,\n"
    )
    with pytest.raises(DirectoryCsvInvalid) as raised:
        parse_directory_csv(text)
    assert raised.value.errors == [
        "row 3: email 'not-an-email' is not an email address",
        "row 4: email is empty",
        "row 5: ana@acme.test is listed twice (first on row 2)",
        "row 5: active 'maybe' is not one of true/false, yes/no or active/inactive",
        "row 5: manager_email is the person themselves",
        "row 5: timezone 'Mars/Olympus' is not an IANA timezone (e.g. Europe/Paris)",
        "row 6: manager_email 'boss' is not an email address",
    ]
    assert "nothing applied (7 error(s))" in raised.value.message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"name,team\nAna,Security\n", "row 1: no email column (found: name, team)"),
        ("email,name\nana@acme.test,Ana Ru\u00edz\n".encode("cp1252"), "not UTF-8"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(data: bytes, problem: str) -> None:
    with pytest.raises(DirectoryCsvInvalid) as raised:
        parse_directory_csv(data)
    assert problem in raised.value.message


def test_a_bad_csv_changes_nothing(db: Database) -> None:
    bad = GOOD + "eve@acme.test,Eve,perhaps,,,\n"
    with pytest.raises(DirectoryCsvInvalid), db.transaction() as s:
        sync_directory(
            session=s,
            actor=Actor.cli(),
            entries=parse_directory_csv(bad),
            source="csv",
            now=dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
        )
    with db.session() as s:
        assert s.exec(select(Person)).all() == [] and s.exec(select(AuditEvent)).all() == []


def test_a_good_csv_applies_names_departments_and_managers(db: Database) -> None:
    with db.transaction() as s:
        report = sync_directory(
            session=s,
            actor=Actor.cli(),
            entries=parse_directory_csv(GOOD),
            source="csv",
            now=dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
        )
    assert report.created == ["ana@acme.test", "raj@acme.test"]  # Old Timer had left already
    with db.session() as s:
        raj = s.exec(select(Person).where(Person.email == "raj@acme.test")).one()
        ana = s.exec(select(Person).where(Person.email == "ana@acme.test")).one()
    assert (raj.department, raj.timezone, raj.manager_id) == ("Platform", "Asia/Kolkata", ana.id)

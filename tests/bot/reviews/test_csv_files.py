"""The accounts CSV of an access review: what is accepted, and every problem by row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from bot.core.errors import InvalidInput
from bot.reviews.csv_files import MAX_ROWS, AccountRow, decisions_csv, parse_accounts_csv
from models import CampaignItem, ItemDecision


def problems(data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_accounts_csv(data)
    return caught.value.message


def test_a_well_formed_csv_gives_one_row_per_account() -> None:
    data = (
        b"Account,Email,System,System_Owner\n"
        b"alice,Alice@Acme.test,GitHub,Gina@Acme.test\n"
        b"\n"
        b"bob,,AWS,\n"
        b"svc-deploy,,,\n"
    )
    assert parse_accounts_csv(data) == [
        AccountRow("alice", "alice@acme.test", "GitHub", "gina@acme.test"),
        AccountRow("bob", None, "AWS", None),
        AccountRow("svc-deploy", None, None, None),
    ]


def test_aliases_bom_crlf_and_extra_columns_are_accepted() -> None:
    data = "\ufeffLogin,Application,Owner,Last login,Cost\r\n"
    data += "raj,Okta,ana@acme.test,2026-01-02,9\r\n"
    assert parse_accounts_csv(data.encode()) == [
        AccountRow("raj", None, "Okta", "ana@acme.test", last_activity="2026-01-02")
    ]


def test_role_and_last_activity_are_kept_when_the_export_has_them() -> None:
    data = b"account,role,last_seen\nraj,admin,2026-02-03\nbob,,\n"
    rows = parse_accounts_csv(data)
    assert [(r.role, r.last_activity) for r in rows] == [("admin", "2026-02-03"), (None, None)]
    assert "row 2: role is longer than 60 characters" in problems(
        b"account,permission\nraj," + b"x" * 61 + b"\n"
    )


@pytest.mark.parametrize("header", ["username", "user", "USER", " login "])
def test_every_alias_of_the_account_column_works(header: str) -> None:
    assert parse_accounts_csv(f"{header}\nraj\n".encode())[0].account == "raj"


def test_the_same_account_on_two_systems_is_two_accounts() -> None:
    rows = parse_accounts_csv(b"account,system\nraj,GitHub\nraj,AWS\nraj,\n")
    assert [r.system for r in rows] == ["GitHub", "AWS", None]


def test_other_encodings_are_refused() -> None:
    assert "UTF-8" in problems("account\nJosé\n".encode("latin-1"))


def test_an_empty_file_is_refused() -> None:
    assert "empty" in problems(b"")
    assert "empty" in problems(b"\n\n")


def test_a_header_without_accounts_is_refused() -> None:
    assert "no accounts" in problems(b"account,email\n\n")


def test_a_missing_account_column_names_what_was_found() -> None:
    message = problems(b"name,email\nraj,raj@acme.test\n")
    assert "account column" in message and "name, email" in message


def test_two_columns_meaning_the_same_are_refused() -> None:
    assert "two account columns" in problems(b"account,username\nraj,raj\n")


def test_an_empty_account_is_reported_with_its_row_number() -> None:
    message = problems(b"account,email\nalice,\n\n,bob@acme.test\n")
    assert "row 4: account is empty" in message


def test_bad_emails_are_reported_per_column() -> None:
    message = problems(b"account,email,system_owner\nalice,not-an-email,ana@acme\n")
    assert "row 2: email “not-an-email” is not an email address" in message
    assert "row 2: system_owner “ana@acme” is not an email address" in message


def test_duplicate_account_and_system_pairs_name_both_rows() -> None:
    message = problems(b"account,system\nalice,GitHub\nbob,GitHub\nAlice,github\n")
    assert "row 4: Alice on github is already listed on row 2" in message


def test_overlong_values_are_refused() -> None:
    data = f"account,system\n{'a' * 201},{'s' * 91}\n".encode()
    message = problems(data)
    assert "row 2: account is longer than 200" in message
    assert "row 2: system is longer than 90" in message


def test_every_problem_is_listed_at_once_and_at_most_twenty_are_shown() -> None:
    data = b"account,email\n" + b"".join(b",x\n" for _ in range(15))
    message = problems(data)
    assert "(30 problem(s))" in message
    assert message.count("\n  row ") == 20
    assert "… and 10 more" in message
    assert "row 2: account is empty" in message


def test_more_than_five_thousand_accounts_are_refused() -> None:
    data = "account\n" + "".join(f"user{i}\n" for i in range(MAX_ROWS + 1))
    assert "more than 5,000" in problems(data.encode())
    ok = "account\n" + "".join(f"user{i}\n" for i in range(MAX_ROWS))
    assert len(parse_accounts_csv(ok.encode())) == MAX_ROWS


def test_the_decisions_csv_lists_every_decision_in_utc_and_defuses_formulas() -> None:
    decided = dt.datetime(2026, 5, 20, 16, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    items = [
        CampaignItem(
            id=1,
            campaign_id=1,
            subject="alice (GitHub)",
            subject_email="alice@acme.test",
            decision=ItemDecision.KEEP,
            decided_at=decided,
            details={"account": "alice", "system": "GitHub"},
        ),
        CampaignItem(
            id=2,
            campaign_id=1,
            subject="=cmd",
            decision=ItemDecision.REVOKE,
            decided_at=decided,
            details={"account": "=cmd", "system": None},
        ),
    ]
    data = decisions_csv(
        [(items[0], "raj@acme.test"), (items[1], None)],
        reviewers=["raj@acme.test", "mo@acme.test"],
        started_by="ana@acme.test",
    )
    head = ["account", "system", "email", "decision", "decided_by", "decided_at"]
    assert list(csv.reader(io.StringIO(data.decode()))) == [
        [*head, "reviewer", "started_by"],
        ["alice", "GitHub", "alice@acme.test", "keep", "raj@acme.test", "2026-05-20T14:30:05Z",
         "raj@acme.test", "ana@acme.test"],
        ["'=cmd", "", "", "revoke", "", "2026-05-20T14:30:05Z", "mo@acme.test", "ana@acme.test"],
    ]  # fmt: skip

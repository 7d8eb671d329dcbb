"""A pulled population mapped to people: by email, then by handle; flags; flagged first."""

from __future__ import annotations

import datetime as dt

from bot.connectors.facts import Account, Population
from bot.core.db import Database
from bot.reviews.population import MappedAccount, account_flags, map_population
from models import ChatIdentity, Person
from tests.bot.reviews.review_support import NOW, person, seed
from tests.factories import make_person

DAY = dt.timedelta(days=1)


def directory(db: Database) -> None:
    """The review-support company, plus two Sam Lees, Dan who left, and Gina's chat name."""
    seed(db)
    with db.transaction() as s:
        make_person(s, "sam.lee@acme.test", name="Sam Lee")
        make_person(s, "slee@acme.test", name="Sam Lee")
        dan = make_person(s, "dan@acme.test", name="Dan Old")
        dan.active = False
        gina = person(s, "gina")
        chat = ChatIdentity(person_id=gina.id or 0, platform="slack", external_id="UGINA77",
                            display_name="Gina Lopez")  # fmt: skip
        s.add_all([dan, chat])


def mapped(db: Database, *accounts: Account) -> list[MappedAccount]:
    with db.session() as s:
        return map_population(
            s, Population("github", "GitHub organization acme", NOW, accounts), NOW
        )


def holders(db: Database, *accounts: Account) -> dict[str, str | None]:
    """Each account's name → the email of the person it maps to (None: nobody)."""
    return {m.account.name: m.person.email if m.person else None for m in mapped(db, *accounts)}


def test_an_account_maps_by_its_email_first_whatever_its_name(db: Database) -> None:
    directory(db)
    assert holders(
        db,
        Account("1", "octo", email="RITA@Acme.test"),  # email case does not matter
        Account("2", "mo.chen", email="eve@acme.test"),  # email wins over a handle
    ) == {"octo": "rita@acme.test", "mo.chen": "eve@acme.test"}


def test_then_by_a_handle_the_directory_knows(db: Database) -> None:
    directory(db)
    assert holders(
        db,
        Account("1", "gina"),  # login = the email's local part
        Account("2", "rita.roe"),  # the usual names made from a full name…
        Account("3", "Rita_Roe"),
        Account("4", "ritaroe"),
        Account("5", "@Mo-Chen"),
        Account("6", "octocat", email="raj@users.noreply.github.com"),  # the email's local part
        Account("7", "gina.lopez"),  # her chat display name
        Account("8", "Mo  Chen"),  # the full name itself, spaces collapsed
    ) == {
        "gina": "gina@acme.test",
        "rita.roe": "rita@acme.test",
        "Rita_Roe": "rita@acme.test",
        "ritaroe": "rita@acme.test",
        "@Mo-Chen": "mo@acme.test",
        "octocat": "raj@acme.test",
        "gina.lopez": "gina@acme.test",
        "Mo  Chen": "mo@acme.test",
    }


def test_a_handle_two_people_share_maps_to_nobody(db: Database) -> None:
    directory(db)
    found = {m.account.name: m for m in mapped(db, Account("1", "sam.lee"), Account("2", "slee"))}
    assert found["sam.lee"].person is None and found["sam.lee"].flags == ("orphan",)
    holder = found["slee"].person  # only one Sam Lee has this login
    assert holder is not None and holder.email == "slee@acme.test"
    assert holders(db, Account("3", "nobody-here")) == {"nobody-here": None}


def test_flags_say_why_an_account_needs_a_closer_look(db: Database) -> None:
    directory(db)
    found = {
        m.account.name: m.flags
        for m in mapped(
            db,
            Account("1", "dan", email="dan@acme.test"),
            Account("2", "rita", privileges=("owner",), mfa=True),
            Account("3", "mo", mfa=False),
            Account("4", "eve", last_active=NOW - 91 * DAY),
            Account("5", "gina", last_active=NOW - 90 * DAY, mfa=None),
            Account(
                "6", "bot-deploy", privileges=("admin",), mfa=False, last_active=NOW - 400 * DAY
            ),
        )
    }
    assert found == {
        "dan": ("departed",),
        "rita": ("privileged",),
        "mo": ("no_mfa",),
        "eve": ("unused",),
        "gina": (),  # 90 days is not over 90; MFA unknown is not "no MFA"
        "bot-deploy": ("orphan", "privileged", "no_mfa", "unused"),
    }


def test_flagged_accounts_come_first_most_flags_first_then_by_name(db: Database) -> None:
    directory(db)
    order = [
        m.account.name
        for m in mapped(
            db,
            Account("1", "zed"),
            Account("2", "Rita", privileges=("admin",)),
            Account("3", "ghost", mfa=False),
            Account("4", "alpha", email="eve@acme.test"),
            Account("5", "mo", mfa=False),
            Account("6", "Beta", email="gina@acme.test"),
        )
    ]
    # ghost: orphan + no MFA; then one flag each by name (case aside); then unflagged by name
    assert order == ["ghost", "mo", "Rita", "zed", "alpha", "Beta"]


def test_account_flags_for_an_account_alone() -> None:
    holder = Person(email="a@acme.test", name="A", active=True)
    gone = Person(email="b@acme.test", name="B", active=False)
    quiet = Account("1", "a", last_active=NOW - 100 * DAY, mfa=True)
    assert account_flags(quiet, holder, NOW) == ("unused",)
    assert account_flags(Account("2", "b", privileges=("admin",)), gone, NOW) == (
        "departed",
        "privileged",
    )
    assert account_flags(Account("3", "c", last_active=None, mfa=None), holder, NOW) == ()
    assert account_flags(Account("4", "d"), None, NOW) == ("orphan",)

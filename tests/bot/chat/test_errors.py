"""Errors in chat: a person's errors are told as written; others are logged with a reference."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from bot.chat.errors import ErrorTeller
from bot.core.db import DATABASE_UNAVAILABLE
from bot.core.errors import InvalidInput

TELLER = ErrorTeller(logging.getLogger("soc2bot.test"), "Test request", "Test listener failed")


def test_an_error_the_person_caused_is_told_with_its_usage() -> None:
    answer = TELLER.answer(InvalidInput("Which control?", usage="/soc2 mine"))
    assert answer.text == "Which control?\nUsage: /soc2 mine"
    assert answer.message.text == "Which control?"
    assert answer.message.footer == "Usage: /soc2 mine"


def test_a_database_outage_asks_to_try_again(caplog: pytest.LogCaptureFixture) -> None:
    outage = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert TELLER.user_text(outage) == DATABASE_UNAVAILABLE
    assert "Database unreachable during a Test request (OperationalError)" in caplog.text


def test_an_unexpected_error_is_logged_with_the_reference_the_person_sees(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = TELLER.answer(KeyError("boom"))
    reference = answer.text.rsplit("Reference: ", 1)[1]
    assert answer.text.startswith("Sorry, something went wrong on our side.")
    assert answer.message.text == answer.text and answer.message.footer is None
    record = next(r for r in caplog.records if r.getMessage() == "Test listener failed")
    assert record.levelno == logging.ERROR and record.__dict__["correlation_id"] == reference
    assert record.exc_info is not None and "boom" not in answer.text

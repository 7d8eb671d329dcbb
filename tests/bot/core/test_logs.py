"""Log lines: JSON with secrets redacted; export link signatures hidden everywhere they appear."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.logging import AccessFormatter

from bot.core.logs import configure_logging, correlation_id, new_correlation_id, redact_text

SIG = "9f" * 32
PATH = f"/exports/soc2-evidence_2026-01-01_2026-06-30_20261130T120000Z.zip?expires=1&sig={SIG}"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {n: logging.getLogger(n) for n in names}
    state = {n: (lg.handlers[:], lg.filters[:], lg.propagate) for n, lg in saved.items()}
    level = logging.getLogger().level
    yield
    for name, (handlers, filters, propagate) in state.items():
        saved[name].handlers[:], saved[name].filters[:] = handlers, filters
        saved[name].propagate = propagate
    logging.getLogger().setLevel(level)


def json_lines(err: str) -> list[dict[str, Any]]:
    """Every stderr line parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def access_record() -> logging.LogRecord:
    """A record shaped as uvicorn's access logger makes one (its formatter unpacks the args)."""
    args = ("203.0.113.7:51234", "GET", PATH, "1.1", 200)
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


def test_the_access_log_line_of_a_download_hides_its_signature(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO")
    capsys.readouterr()
    logging.getLogger("uvicorn.access").handle(access_record())
    err = capsys.readouterr().err
    assert SIG not in err and "sig=[redacted]" in err and "GET /exports/soc2-evidence_" in err


def test_uvicorns_own_access_formatter_still_works_and_sees_no_signature() -> None:
    """Were uvicorn's handlers in place (its default log config), the line is clean too."""
    configure_logging("INFO")
    record = access_record()
    assert logging.getLogger("uvicorn.access").filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert SIG not in line and "sig=[redacted]" in line and line.startswith("203.0.113.7:51234")


def test_any_line_carrying_a_link_is_redacted_however_it_is_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG")
    capsys.readouterr()
    log = logging.getLogger("slack_sdk.web.async_base_client")
    log.debug("body_params: {'text': 'Download it: https://soc2.acme.test%s'}", PATH)
    logging.getLogger("soc2bot.test").info("query", extra={"sig": SIG, "expires": 1})
    encoded = PATH.replace("?", "%3F").replace("=", "%3D").replace("&", "%26")
    assert SIG not in redact_text(f"url=https%3A%2F%2Fsoc2.acme.test{encoded}")
    err = capsys.readouterr().err
    assert SIG not in err and err.count("[redacted]") == 2


def test_log_lines_are_json_with_secrets_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    token = correlation_id.set(None)
    try:
        cid = new_correlation_id()
        logging.getLogger("soc2bot.test").info(
            "posting with xoxb-123-abc and %s",
            "xapp-1-A0-zz",
            extra={
                "slack_token": "not-a-pattern-but-named-secret",
                "Authorization": "Bearer eyJhbGciOi.abc",
                "header": "Authorization: Bearer eyJhbGciOi.abc",
                "dsn": "postgresql://bot:hunter2@db:5432/soc2bot",
                "nested": {"client_secret": "s3", "ok": "fine"},
                "count": 3,
            },
        )
        try:
            raise ValueError("failed with xoxp-999-leak")
        except ValueError:
            logging.getLogger("soc2bot.test").exception("upload failed")
    finally:
        correlation_id.reset(token)

    err = capsys.readouterr().err
    for secret in (
        "xoxb-123-abc",
        "xapp-1-A0-zz",
        "not-a-pattern",
        "eyJhbGciOi",
        "hunter2",
        "xoxp-999-leak",
        '"s3"',
    ):
        assert secret not in err
    first, second = json_lines(err)
    assert first["msg"] == "posting with [redacted] and [redacted]"
    assert first["level"] == "INFO"
    assert first["logger"] == "soc2bot.test"
    assert first["ts"].endswith("Z")
    assert first["correlation_id"] == cid
    assert first["slack_token"] == "[redacted]"
    assert first["Authorization"] == "[redacted]"
    assert first["header"] == "Authorization: Bearer [redacted]"
    assert first["dsn"] == "postgresql://bot:[redacted]@db:5432/soc2bot"
    assert first["nested"] == {"client_secret": "[redacted]", "ok": "fine"}
    assert first["count"] == 3
    assert second["level"] == "ERROR"
    assert "ValueError: failed with [redacted]" in second["exc"]

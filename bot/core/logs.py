"""Structured logging: one JSON object per line on stderr, secrets redacted, correlation ids."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

REDACTED = "[redacted]"

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_SECRET_KEY = re.compile(r"token|secret|password|authorization|^sig$", re.IGNORECASE)
_SECRET_TEXT = [
    (re.compile(r"\bxox[abpr]-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1" + REDACTED),
    # The signature of an export download link (`?expires=…&sig=…`): whoever reads it in a log
    # could fetch the bundle. Also when the link is URL-encoded inside another query or body.
    (re.compile(r"(\bsig=)[^&\s\"'<>]+", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"""(['"]sig['"]\s*:\s*['"])[^'"]+""", re.IGNORECASE), r"\1" + REDACTED),
    (
        re.compile(r"((?:\b|(?<=%26)|(?<=%3F))sig%3D)(?:(?!%26)[^&\s\"'<>])+", re.IGNORECASE),
        r"\1" + REDACTED,
    ),
    # The password part of a DSN such as postgresql://user:password@host/db.
    (
        re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s]+@", re.IGNORECASE),
        r"\1" + REDACTED + "@",
    ),
]
# Attributes every LogRecord has; anything else on a record came from `extra`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of `msg`
}
# Loggers that uvicorn configures with handlers of its own; we want its lines in JSON too.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def new_correlation_id() -> str:
    """Start a fresh correlation id in the current context and return it."""
    value = uuid.uuid4().hex[:16]
    correlation_id.set(value)
    return value


def redact_text(text: str) -> str:
    """`text` with anything that looks like a Slack token, Bearer token or DSN password hidden."""
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: object) -> object:
    """`value` safe to log under `key`: hidden entirely when the key names a secret."""
    if _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(key, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    # Arbitrary objects are logged by their text, which may itself carry a token.
    return redact_text(str(value))


class RedactSecrets(logging.Filter):
    """Rewrite a record in place so that no handler after this one sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A format string that does not fit its arguments: keep both, still redacted,
            # rather than let logging print the raw arguments in its error report.
            message = f"{record.msg} (unformatted arguments: {record.args!r})"
        record.msg, record.args = redact_text(message), None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS:
                setattr(record, key, redact_value(key, value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


class RedactAccessLog(logging.Filter):
    """On `uvicorn.access`: hide link signatures in the request line, keeping the record's shape.

    uvicorn's access record carries the path with its query string as an argument
    (client, method, path, HTTP version, status); its own formatter unpacks those arguments,
    so they are rewritten in place rather than flattened into the message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_text(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        return True


_ACCESS_FILTER = RedactAccessLog()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, correlation_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, dt.UTC)
        entry: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (cid := correlation_id.get()) is not None:
            entry["correlation_id"] = cid
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time, so a replaced stderr is never stale."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure_logging(level: str) -> None:
    """Send every log record to stderr as redacted JSON; safe to call more than once."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    # On the logger itself, so the request line is clean for any handler, uvicorn's included.
    access = logging.getLogger("uvicorn.access")
    if _ACCESS_FILTER not in access.filters:
        access.addFilter(_ACCESS_FILTER)

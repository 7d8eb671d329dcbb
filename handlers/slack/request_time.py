"""The Slack request timestamp, checked for shape before Bolt verifies the signature."""

from __future__ import annotations

import re

from starlette.requests import Request

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
# Unix seconds in ASCII digits. `str.isdigit` also accepts "²³" and other Unicode digits,
# which `int()` then rejects with an exception inside Bolt's verifier; and `int()` refuses
# more than 4,300 digits. The length bound keeps the number a plausible time.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def has_wellformed_timestamp(request: Request) -> bool:
    """Whether the request carries exactly one timestamp header made of 1–12 ASCII digits."""
    values = request.headers.getlist(TIMESTAMP_HEADER)
    return len(values) == 1 and _UNIX_SECONDS.fullmatch(values[0]) is not None

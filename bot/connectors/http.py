"""One careful HTTP client for every JSON API source: retries, rate limits, failures by kind.

Every source pages through a vendor's REST API the same way, so the rules live once here:
- 429, and GitHub's secondary limits (403 with Retry-After, or a spent primary quota), wait
  as long as the system asks, up to `max_wait` per pull; beyond that the pull fails as
  "rate_limited" and the next tick tries again;
- 5xx and timeouts are retried a few times with a short backoff;
- 401, 403 and 404 fail at once, with a reason written for the control's owner.
Credentials travel in headers only; no URL, log line or error message carries them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.connectors.facts import FailureKind, SourceError

RETRIES = 3  # for 5xx, timeouts and refused connections
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
_REFUSALS: dict[int, tuple[FailureKind, str]] = {
    401: ("unauthorized", "the credentials were refused (401): check that the token is valid"),
    403: ("forbidden", "the credentials lack a permission this pull needs (403)"),
    404: ("not_found", "not found (404): check the organization, tenant, group or app id"),
}


@dataclass
class Budget:
    """How long one pull may spend waiting on rate limits, shared by all its requests."""

    max_wait: float = 120.0
    waited: float = 0.0


class JsonApi:
    """GET JSON from one system's API, following its pages, waiting out its limits."""

    def __init__(
        self,
        base_url: str,
        *,
        system: str,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
        budget: Budget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.system = system
        self._client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
        self._owned = client is None
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._auth = auth
        self.budget = budget or Budget()
        self._sleep = sleep
        self.requests = 0

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def __enter__(self) -> JsonApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """`path` under the base URL; an absolute URL (a next link) must stay on its host."""
        if not path.startswith(("http://", "https://")):
            return f"{self.base_url}/{path.lstrip('/')}"
        if httpx.URL(path).host != httpx.URL(self.base_url).host:
            raise self.fail("bad_response", "a next-page link pointed to another host")
        return path

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """One successful response, after retries and rate-limit waits; else SourceError."""
        failures = 0
        while True:
            response, trouble = self._attempt(path, params)
            if response is not None:
                wait = rate_limit_wait(response)
                if wait is not None:
                    self._wait(wait, response.status_code)
                    continue
                if response.status_code < 500:
                    return self._checked(response)
                trouble = ("unreachable", f"answered {response.status_code} repeatedly")
            failures += 1
            if failures > RETRIES:
                raise self.fail(*trouble)
            self._sleep(min(2.0**failures, 10.0))

    def _attempt(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[httpx.Response | None, tuple[FailureKind, str]]:
        """The response, or None with what went wrong on the way (retried by the caller)."""
        self.requests += 1
        try:
            response = self._client.get(
                self.url(path), params=params, headers=self._headers, auth=self._auth
            )
        except httpx.TimeoutException:
            return None, ("timeout", "did not answer in time")
        except httpx.TransportError as exc:
            return None, ("unreachable", f"could not be reached ({type(exc).__name__})")
        return response, ("unreachable", "")

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.status_code in _REFUSALS:
            kind, reason = _REFUSALS[response.status_code]
            raise self.fail(kind, reason + _vendor_detail(response))
        if response.status_code >= 400:
            reason = f"refused the request ({response.status_code}){_vendor_detail(response)}"
            raise self.fail("bad_response", reason)
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.json_of(self.get(path, params))

    def json_of(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self.fail("bad_response", "answered with something that is not JSON") from None

    def pages_by_link(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Each page's JSON, following `Link: <…>; rel="next"` (GitHub, Okta) to the end."""
        next_url: str | None = path
        first = True
        while next_url:
            response = self.get(next_url, params if first else None)
            first = False
            yield self.json_of(response)
            next_url = response.links.get("next", {}).get("url")

    def fail(self, kind: FailureKind, reason: str) -> SourceError:
        return SourceError(self.system, reason, kind=kind)

    def _wait(self, seconds: float, status: int) -> None:
        if self.budget.waited + seconds > self.budget.max_wait:
            raise self.fail(
                "rate_limited",
                f"is rate limiting us ({status}; it asked for {seconds:.0f} s more): "
                "the next tick tries again",
            )
        self.budget.waited += seconds
        self._sleep(seconds)


def rate_limit_wait(response: httpx.Response, now: float | None = None) -> float | None:
    """Seconds to wait before asking again, when `response` is a rate limit; else None.

    429 with Retry-After (seconds or an HTTP date); GitHub's secondary limit is a 403 with
    Retry-After, and a spent primary quota is a 403 or 429 with `x-ratelimit-remaining: 0`
    and the reset time in `x-ratelimit-reset` (epoch seconds).
    """
    status = response.status_code
    if status not in (403, 429):
        return None
    after = _retry_after(response.headers.get("retry-after"), now)
    if after is not None:
        return after
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return max(0.0, float(reset) - (time.time() if now is None else now)) + 1.0
        return 60.0
    return 1.0 if status == 429 else None


def _retry_after(value: str | None, now: float | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _vendor_detail(response: httpx.Response) -> str:
    """The vendor's own one-line explanation, when it gives one (never echoes a header)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message: Any = None
    if isinstance(body, dict):
        error = body.get("error")
        message = body.get("message") or body.get("errorSummary")
        if isinstance(error, dict):
            message = message or error.get("message")
        elif isinstance(error, str):
            message = message or body.get("error_description") or error
    if not isinstance(message, str) or not message.strip():
        return ""
    return f": “{' '.join(message.split())[:200]}”"


def parse_instant(value: object) -> dt.datetime | None:
    """An ISO 8601 instant from an API (`Z` or an offset) as aware UTC; None when absent."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)

"""The fake Slack, slow per call, with a channel post that can be held in flight and then fail."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.handlers.slack.fake_slack_workspace import Payload

Outcome = Literal["landed", "503"]
HOLD_LIMIT = 120.0  # a held post is let go after this, so a failed test never hangs the fake


class DroppedAnswer(Exception):
    """Raised in the fake's request thread: the connection closes with no HTTP answer at all."""


@dataclass
class HeldPost:
    """The next chat.postMessage to `channel`: held in flight until `release()`.

    "landed": the message is in the channel's history at once, and no answer is ever sent (the
    connection is closed), as when Slack's answer is lost or its caller dies. "503": nothing
    lands and the answer, once released, is Slack's HTTP 503.
    """

    channel: str
    outcome: Outcome
    in_flight: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class SlowSlack(FakeSlack):
    """Each Web API call takes `delays[method]` (else `delay`) seconds, as a loaded Slack does.

    A post acts half way through its delay: a caller killed in the second half leaves a message
    that landed but was never acknowledged, which is what a retry must find in history.
    """

    def __init__(self, token: str, *, post_seconds: float, delay: float = 0.2) -> None:
        super().__init__(token=token)
        self.delays = {"chat.postMessage": post_seconds}
        self.delay = delay
        self.held: list[HeldPost] = []
        # The held request's thread ends with DroppedAnswer: closing quietly is the point.
        self._server.handle_error = _quiet  # type: ignore[method-assign]

    def hold_next_post(self, channel: str, outcome: Outcome) -> HeldPost:
        """Hold the next post to the channel with this id (a `#name` is resolved as Slack does)."""
        held = HeldPost(channel, outcome)
        with self._lock:
            self.held.append(held)
        return held

    def answer(self, call: Call) -> tuple[int, Payload, dict[str, str]]:
        held = self._take_held(call)
        if held is not None:
            return self._answer_held(call, held)
        half = self.delays.get(call.method, self.delay) / 2
        time.sleep(half)
        answer = super().answer(call)
        time.sleep(half)
        return answer

    def _take_held(self, call: Call) -> HeldPost | None:
        if call.method != "chat.postMessage" or not self.authorized(call.headers):
            return None
        target = self._conversation(call.args.get("channel"))
        with self._lock:
            for held in self.held:
                if held.channel == target and not held.in_flight.is_set():
                    held.in_flight.set()
                    return held
        return None

    def _answer_held(self, call: Call, held: HeldPost) -> tuple[int, Payload, dict[str, str]]:
        if held.outcome == "landed":
            super().answer(call)  # recorded, and in the channel's history now
        else:
            with self._lock:
                self.calls.append(call)
        held.released.wait(HOLD_LIMIT)
        if held.outcome == "landed":
            raise DroppedAnswer(held.channel)
        return 503, {"ok": False, "error": "internal_error"}, {}

    def landed(self) -> Counter[str]:
        """Posted messages now in each conversation's history (a user's DM is `D` + their id);
        file shares (the digest's chart) are counted by `shared_files`, not here."""
        with self._lock:
            return Counter(
                {c: sum(not m.get("upload") for m in posted) for c, posted in self._history.items()}
            )

    def shared_files(self, channel: str) -> list[str]:
        """Names of the files shared in a channel, oldest first."""
        with self._lock:
            posted = list(self._history.get(channel, []))
        return [str(f["name"]) for m in posted for f in m.get("files") or []]

    def first_landed(self) -> dict[str, float]:
        """When (epoch seconds) each conversation's first message landed."""
        with self._lock:
            return {c: float(posted[0]["_at"]) for c, posted in self._history.items() if posted}

    def keys_landed(self) -> Counter[str]:
        """Messages in history per outbox idempotency key (carried in their metadata)."""
        with self._lock:
            posted = [m for messages in self._history.values() for m in messages]
        return Counter(_key(m) for m in posted if _key(m))


def _quiet(request: object, client_address: object) -> None:
    """The server's error hook: a dropped answer is no error worth a traceback."""


def _key(message: dict[str, Any]) -> str:
    meta = message.get("metadata") or {}
    return str((meta.get("event_payload") or {}).get("key") or "")

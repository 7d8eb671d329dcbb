"""Slack calls that follow an acknowledged interaction: in the background, in parallel, bounded."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp

from bot.core.errors import SoC2BotError

log = logging.getLogger("soc2bot.slack")

Step = Callable[[], Awaitable[Any]]
Tell = Callable[[SoC2BotError], Awaitable[Any]]
# Per attempt. Slack answers in well under a second when healthy; a call that has not answered
# in this time is abandoned and tried once more, so one stuck call never holds a task for long.
TIMEOUT_SECONDS = 8.0
ATTEMPTS = 2
PAUSE_SECONDS = 0.5
MAX_CONNECTIONS = 1000
# The session (and its keep-alive connections) outlives the last follow-up this long: opening
# a connection was nearly half of a post's CPU, and clicks come one after the other.
IDLE_SECONDS = 30.0


class Transient(Exception):
    """Slack answered a response_url post with 429 or 5xx: worth one more try."""


def checked(response: Any) -> Any:
    """A webhook answer (Bolt's `respond`), raising `Transient` on 429/5xx instead of hiding it."""
    status = getattr(response, "status_code", 200)
    if status == 429 or status >= 500:
        raise Transient(f"response_url answered {status}")
    return response


_RETRYABLE = (TimeoutError, aiohttp.ClientError, ConnectionError, Transient)
_REDRAWS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def one_redraw_at_a_time(message: str) -> asyncio.Lock:
    """The lock of one Slack message's redraws (held only while someone uses it).

    Redraws of the same message run one after the other and each reads the state when its
    turn comes, so the last one to land shows the latest state, whatever order clicks came in.
    """
    lock = _REDRAWS.get(message)
    if lock is None:
        lock = _REDRAWS[message] = asyncio.Lock()
    return lock


class FollowUps:
    """Runs follow-up steps as tracked tasks (kept referenced, so none is garbage collected).

    The state they show is already committed: when a step fails in the end it is only logged,
    and the person sees the outcome the next time the message is drawn.
    """

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        pause: float = PAUSE_SECONDS,
    ) -> None:
        self.timeout, self.attempts, self.pause = timeout, attempts, pause
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._idle: asyncio.TimerHandle | None = None
        self.failed = 0

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def session(self) -> aiohttp.ClientSession:
        """One keep-alive HTTP session for response_url posts while follow-ups are running.

        A session (and its connection) per post, as `respond()` makes, costs more CPU than the
        rest of a click; this one is closed once no follow-up has been left for a while.
        """
        if self._session is None or self._session.closed:
            # aiohttp's default of 100 connections would queue posts at 50 clicks/s with Slack
            # answering in 1.5 s (two posts a click): queued posts then time out unsent.
            connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self._session

    def start(self, steps: Iterable[Step], *, tell: Tell | None = None, once: bool = False) -> None:
        """Start each step now, side by side; a refusal a step raises goes to `tell`.

        `once`: a step that records something is never run twice, even after a timeout.
        """
        attempts = 1 if once else self.attempts
        for step in steps:
            task = asyncio.get_running_loop().create_task(self._run(step, tell, attempts))
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks and self._session is not None:
            if self._idle is not None:
                self._idle.cancel()
            self._idle = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._close_idle)

    def _close_idle(self) -> None:
        self._idle = None
        if self._tasks or self._session is None:
            return
        idle, self._session = self._session, None  # a new follow-up opens a new one
        closing = asyncio.get_running_loop().create_task(idle.close())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the steps in flight (shutdown, tests), then close the idle session."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        if self._idle is not None:
            self._idle.cancel()
        self._close_idle()
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=timeout)

    async def _run(self, step: Step, tell: Tell | None, attempts: int) -> None:
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(self.timeout):
                    await step()
                return
            except SoC2BotError as refused:  # a user-facing refusal found after the ack
                await self._tell(tell, refused)
                return
            except _RETRYABLE as exc:
                if attempt < attempts:
                    await asyncio.sleep(self.pause)
                    continue
                self._failed(exc, trace=False)  # Slack slow or down: its name says it all
            except Exception as exc:  # Slack refused it (SlackApiError) or a bug: not retried
                self._failed(exc)
                return

    async def _tell(self, tell: Tell | None, refused: SoC2BotError) -> None:
        if tell is None:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await tell(refused)
        except Exception as exc:  # noqa: BLE001 - telling them failed too: Slack is down
            self._failed(exc)

    def _failed(self, exc: BaseException, *, trace: bool = True) -> None:
        self.failed += 1
        log.warning(
            "A Slack follow-up failed (%s); the change is saved and shows when next drawn",
            type(exc).__name__,
            exc_info=exc if trace else None,
        )

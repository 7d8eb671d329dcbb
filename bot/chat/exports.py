"""Evidence bundles asked for in chat: built in the exports folder, handed over privately.

Every chat path (slash command, DM text, mention, More button, Teams) goes through
`start_private_export`: the permission and folder are checked at once, the bundle is built in
the background in SOC2BOT_EXPORT_DIR (at most SOC2BOT_EXPORT_MAX_CONCURRENT at a time per
process; the rest wait their turn), and the link and file go only to the requester's own
conversation with the bot (`PrivateChat`), never to the channel the request came from.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import Any, Protocol

from bot.chat import commands as c
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.core.permissions import Action, require
from bot.core.settings import Settings
from bot.export import BundleSummary, export_to_folder
from bot.export.folder import delete_bundle, open_bundle, prepare_folder, sweep_expired
from bot.export.links import LINK_LIFETIME, bundle_link
from bot.export.messages import export_view, export_waiting_view

log = logging.getLogger(__name__)
# Background deliveries are referenced here until they finish (asyncio keeps only weak refs).
_RUNNING: set[asyncio.Task[None]] = set()
# Build slots per event loop (one per app in production; each test app has its own loop).
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class PrivateChat(Protocol):
    """The requester's own conversation with the bot: a Slack DM or a Teams personal chat."""

    async def tell(self, message: Message) -> None:
        """Post a note there."""
        ...

    async def failed(self, error: Exception) -> None:
        """Say, in the platform's words, that the export could not be built."""
        ...

    async def hand_over(self, summary: BundleSummary, message: Message) -> None:
        """Post the summary (with its link) and, where the platform can, the bundle itself."""
        ...


@dataclass(frozen=True)
class ExportRequests:
    """How a chat front end takes an export typed as text (see `bot.chat.dispatch`).

    `start` is safe to call from a worker thread: it checks at once and builds in the
    background. `where` completes "I will send it to you …" in the platform's words.
    """

    start: Callable[[Actor, c.Export], None]
    where: str


def start_private_export(
    runtime: Runtime, actor: Actor, intent: c.Export, chat: PrivateChat
) -> None:
    """Refuse at once (permission, unsafe folder); else build in the background and hand over."""
    require(actor, Action.EXPORT)
    prepare_folder(runtime.settings.exports_folder)
    run_in_background(_deliver(runtime, actor, intent, chat))


def requests_on_this_loop(
    runtime: Runtime, chat_for: Callable[[Actor], PrivateChat], where: str
) -> ExportRequests:
    """Export requests that dispatch (in a worker thread) hands back to the current loop."""
    loop = asyncio.get_running_loop()

    def start(actor: Actor, intent: c.Export) -> None:
        require(actor, Action.EXPORT)
        prepare_folder(runtime.settings.exports_folder)
        chat = chat_for(actor)  # refuses (an exception to the caller) before anything starts
        loop.call_soon_threadsafe(lambda: run_in_background(_deliver(runtime, actor, intent, chat)))

    return ExportRequests(start=start, where=where)


async def _deliver(runtime: Runtime, actor: Actor, intent: c.Export, chat: PrivateChat) -> None:
    try:
        await _build_and_hand_over(runtime, actor, intent, chat)
    except Exception as error:  # the chat platform itself failed us: nobody else will say so
        reason = type(error).__name__
        log.error("Export for %s not delivered (%s)", actor.label, reason, exc_info=error)


async def _build_and_hand_over(
    runtime: Runtime, actor: Actor, intent: c.Export, chat: PrivateChat
) -> None:
    settings = runtime.settings
    slots = _slots(settings.export_max_concurrent)
    try:
        if slots.locked():
            await chat.tell(export_waiting_view(intent.start, intent.end))
        async with slots:
            await in_thread(sweep_expired, settings.exports_folder, LINK_LIFETIME)
            summary = await build_requested_bundle(runtime, actor, intent)
    except Exception as error:  # the person waits for an answer: the platform's words, privately
        await chat.failed(error)
        return
    link = bundle_link(settings, summary.path, runtime.clock())
    _delete_at_expiry(summary.path)  # when that link stops working
    await chat.hand_over(summary, export_view(summary, link=link))


async def build_requested_bundle(runtime: Runtime, actor: Actor, intent: c.Export) -> BundleSummary:
    """Build the bundle `intent` asks for into the exports folder, in a worker thread."""
    return await in_thread(
        export_to_folder,
        db=runtime.db,
        store=runtime.store,
        start=intent.start,
        end=intent.end,
        actor=actor,
        now=runtime.clock(),
        folder=prepare_folder(runtime.settings.exports_folder),
    )


def too_large_to_upload(settings: Settings, summary: BundleSummary) -> Message | None:
    """The note sent instead of a bundle larger than chat uploads may be; None: upload it."""
    limit = settings.export_upload_max_bytes
    if summary.size <= limit:
        return None
    where = "use the download link above" if settings.export_links else f"it is at {summary.path}"
    return Message(
        text=f"The bundle ({_size(summary.size)}) is larger than this server sends "
        f"in chat ({_size(limit)}), so it stays on the server: {where}."
    )


def open_for_upload(path: Path) -> BufferedReader:
    """A built bundle opened for upload, never through a link planted under its name."""
    handle, _ = open_bundle(path)
    return handle


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{max(1, n // 1024):,} KB"


def _slots(limit: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(limit)
    return slots


def _delete_at_expiry(path: Path | None) -> None:
    """Delete the bundle when its link stops working (the sweep catches it after a restart)."""
    if path is not None:
        loop = asyncio.get_running_loop()
        loop.call_later(LINK_LIFETIME.total_seconds(), delete_bundle, path)


def run_in_background(delivery: Coroutine[Any, Any, None]) -> None:
    """Start a delivery that outlives the request which asked for it."""
    task = asyncio.create_task(delivery)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)

"""Evidence bundles that chat commands ask for, built off the event loop in the background."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from bot import commands as c
from bot.actor import Actor
from bot.export import BundleSummary, export_to_folder
from bot.runtime import Runtime, in_thread

# Background deliveries are referenced here until they finish (asyncio keeps only weak refs).
_RUNNING: set[asyncio.Task[None]] = set()


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
        folder=runtime.settings.exports_folder,
    )


def run_in_background(delivery: Coroutine[Any, Any, None]) -> None:
    """Start a delivery that outlives the request which asked for it."""
    task = asyncio.create_task(delivery)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)

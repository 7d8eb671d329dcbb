"""What every chat adapter needs from the core: database, evidence store, settings, clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from bot.core.db import Database
from bot.core.settings import Settings
from bot.evidence.store import EvidenceStore
from models import utcnow

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Runtime:
    """Handed to each platform adapter by the composition root (`bot.app`)."""

    db: Database
    store: EvidenceStore
    settings: Settings
    clock: Callable[[], dt.datetime] = field(default=utcnow)


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking database work off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)

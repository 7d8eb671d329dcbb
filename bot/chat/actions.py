"""The one dispatcher for buttons and forms: a press in, what to show out, on every platform.

An adapter turns a platform payload into a `Press` (who, which action, its numbers and form
values), calls `press_button` and renders the `Outcome`. Which action does what, and which
permission it needs, is the table in `bot.chat.buttons`; nothing about it lives in adapters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from bot.chat.buttons import BUTTONS
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.exports import ExportRequests
from bot.chat.presses import Call, Outcome, Press, Redraw
from bot.chat.refs import STALE_BUTTON
from bot.chat.reviews import page_of, review_prompt
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.core.permissions import require

# `name:12`, `name:12:3`, optionally `#n` (a suffix that keeps ids unique within one message).
# Ids fit a BIGINT (at most 18 digits); anything else is a stale or mangled button.
_ACTION_ID = re.compile(r"^([a-z_]{1,40})((?::\d{1,18}){0,2})(?:#\d{1,6})?$")


def parse_press(action_id: object, **details: Any) -> Press:
    """A platform's action id (`occ_done:12#3`) as a `Press`; anything unknown is stale."""
    match = _ACTION_ID.match(str(action_id or ""))
    entry = BUTTONS.get(match.group(1)) if match else None
    if match is None or entry is None:
        raise InvalidInput(STALE_BUTTON)
    ids = tuple(int(n) for n in match.group(2).split(":")[1:])
    if len(ids) != entry.ids:
        raise InvalidInput(STALE_BUTTON)
    return Press(match.group(1), ids, **details)


def writes(press: Press) -> bool:
    """Whether the press changes state (and so is decided before the platform's answer)."""
    return BUTTONS[press.name].writes


ActorLookup = Callable[[Session], Actor]


def run_press(runtime: Runtime, who: Actor | ActorLookup, press: Press) -> Outcome:
    """Check and run one press in one session: a transaction when it writes, committed here.

    `who` may be a lookup of the presser run inside that session (one trip per click).
    A refusal raises before anything is written, and the transaction rolls back whole.
    """
    entry = BUTTONS[press.name]
    opened = runtime.db.transaction() if entry.writes else runtime.db.session()
    with opened as session:
        actor = who if isinstance(who, Actor) else who(session)
        require(actor, entry.permission, related=True)
        call = Call(session, actor, press, runtime.clock(), runtime.store)
        return entry.run(call)


async def press_button(runtime: Runtime, who: Actor | ActorLookup, press: Press) -> Outcome:
    """`run_press` off the event loop."""
    return await in_thread(run_press, runtime, who, press)


async def run_text(
    runtime: Runtime, actor: Actor, text: str, *, exports: ExportRequests | None = None
) -> Message:
    """Parse and run a typed command as `actor`; an export needs `exports` (its private
    delivery on this platform). Database work runs off the event loop."""
    context = CommandContext(db=runtime.db, actor=actor, now=runtime.clock(), exports=exports)
    return await in_thread(run_command, parse_command(text), context)


async def redrawn(
    runtime: Runtime,
    actor: Actor,
    outcome: Outcome,
    *,
    page: int | None = None,
    exports: ExportRequests | None = None,
) -> Message:
    """The carrying message anew, as `outcome.redraw` says (after the platform's answer).

    `page`: the page the message is on, when the outcome does not say. A review says: its
    shared prompt is always its first page, a private page is named by the outcome.
    """
    if outcome.redraw is Redraw.MINE:
        return await run_text(runtime, actor, "mine")
    if outcome.redraw is Redraw.COMMAND:
        return await run_text(runtime, actor, outcome.text, exports=exports)
    if outcome.redraw is Redraw.REVIEW:  # the shared prompt, or the presser's private page
        return await review_prompt(runtime, outcome.ref, page_of(outcome), actor)
    raise ValueError(f"nothing to redraw for {outcome!r}")

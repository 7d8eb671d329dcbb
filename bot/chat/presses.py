"""What a button press is, and what it yields, in the neutral model every adapter shares."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot.core.actor import Actor
from bot.core.messages import Message
from bot.core.permissions import Action
from bot.evidence.store import EvidenceStore


@dataclass(frozen=True)
class Press:
    """A button press or a submitted form, as every adapter hands it to the core."""

    name: str
    ids: tuple[int, ...] = ()
    value: str = ""  # the button's value (page_more: the command to run again)
    page: int | None = None  # the page the carrying message shows, when the platform says
    form: Mapping[str, str] = field(default_factory=dict)  # a submitted form's fields
    conversation: str = ""  # where it was pressed: a file awaited "here" is awaited there
    files_in_chat: bool = False  # the platform takes files as chat messages, not in a dialog


class Ask(enum.StrEnum):
    """A dialog the platform opens natively (a Slack modal, a Teams form card)."""

    EVIDENCE_FILE = "evidence_file"
    SNOOZE = "snooze"
    COMMENT = "comment"  # one comment that goes with a decision (`subject`: a `CommentAsk`)


@dataclass(frozen=True)
class CommentAsk:
    """A form asking for one comment; its answer is pressed as `submit` (an action id with
    its numbers), carrying `value`, with the comment as the form's `comment`."""

    title: str  # short: a Slack modal's title holds 24 characters
    label: str
    submit: str
    value: str = ""
    button: str = "Send"


class Redraw(enum.StrEnum):
    """What the carrying message becomes, worked out after the platform has its answer."""

    MINE = "mine"  # the presser's work list (or their home tab)
    REVIEW = "review"  # an access review prompt, on its current page
    COMMAND = "command"  # a command run again, at a page (paging of long answers)


@dataclass(frozen=True)
class Outcome:
    """What to show after a press, all in the neutral model."""

    card: Message | None = None  # replaces the message that carried the button, at once
    reply: Message | None = None  # told privately to the presser
    # A whole card for the presser alone (Slack: ephemeral; Teams: their personal chat, or
    # here when pressed there); the message that carried the button stays as everyone sees it.
    private_card: Message | None = None
    redraw: Redraw | None = None  # the carrying message, recomputed after the acknowledgement
    ref: int = 0  # what the redraw or the dialog is about (a review, an occurrence)
    page: int | None = None  # the page of the redraw (None: the page it is on)
    text: str = ""  # Redraw.COMMAND: the command
    ask: Ask | None = None  # open this dialog about `ref`
    subject: Any = None  # the facts the dialog shows (a work item)
    # Redraw.REVIEW: a page for the presser alone (Slack: ephemeral; Teams: their personal
    # chat), so that one person's paging never changes the prompt everyone shares. It takes
    # the place of the private page that carried the button (`on_private`), else is sent anew;
    # a change made on a private page redraws the shared prompt too, wherever it was posted.
    private: bool = False
    on_private: bool = False
    pending_only: bool = False  # Redraw.REVIEW: the accounts still pending only


@dataclass(frozen=True)
class Call:
    """One press as a table entry sees it, inside the press's own session or transaction."""

    session: Session
    actor: Actor
    press: Press
    now: dt.datetime
    store: EvidenceStore

    @property
    def ref(self) -> int:
        return self.press.ids[0]


@dataclass(frozen=True)
class Entry:
    """A row of the table: the ids an action carries, the permission it needs, what it runs.

    `permission` is checked before the call (the service checks the finer rules: owner,
    assigned reviewer, segregation of duties). `writes`: the call changes state, so it runs
    in a transaction that commits before the platform is answered; a read runs after.
    """

    ids: int
    permission: Action
    run: Callable[[Call], Outcome]
    writes: bool = True

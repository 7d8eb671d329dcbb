"""What a typed command asks for: one frozen dataclass per command of the chat language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.chat.refs import AuditKind, ChannelRef, UserRef


@dataclass(frozen=True)
class Help:
    """`help [topic]`: the command list, or one command's usage."""

    topic: str | None = None


@dataclass(frozen=True)
class Status:
    """`status`: program posture."""


@dataclass(frozen=True)
class Mine:
    """`mine`: the caller's open and upcoming work."""


@dataclass(frozen=True)
class ListControls:
    """`controls [text]`: the controls, filtered by `query` when given."""

    query: str | None = None


@dataclass(frozen=True)
class ShowControl:
    """`control <id>`: one control in detail."""

    control_id: str


@dataclass(frozen=True)
class Assign:
    """`assign <control> <user>`: set a control's owner."""

    control_id: str
    user: UserRef


@dataclass(frozen=True)
class Evidence:
    """`evidence <occurrence>`: how to attach evidence (a modal in Slack)."""

    occurrence_id: int


@dataclass(frozen=True)
class StartReview:
    """`review start <name> [#channel] [reviewer <user>]`; the CSV comes from the platform."""

    name: str
    channel: ChannelRef | None = None
    reviewer: UserRef | None = None


@dataclass(frozen=True)
class Ack:
    """`ack <policy>`: the caller acknowledges a policy."""

    policy: str


@dataclass(frozen=True)
class Training:
    """`training`: the caller confirms security training."""


@dataclass(frozen=True)
class Digest:
    """`digest`: the weekly digest, now."""


@dataclass(frozen=True)
class Audit:
    """`audit <id>`: the trail of one subject, or `audit event N`: one event in full; the id
    named by `kind` is set."""

    kind: AuditKind
    control_id: str | None = None
    occurrence_id: int | None = None
    campaign_id: int | None = None
    event: int | None = None


@dataclass(frozen=True)
class Export:
    """`export <from> <to>`: the evidence bundle for a window, both dates inclusive."""

    start: date
    end: date


@dataclass(frozen=True)
class WhoAmI:
    """`whoami`: the caller's identity."""


@dataclass(frozen=True)
class MarkDone:
    """`done <occurrence> [note]`: mark an occurrence done."""

    occurrence_id: int
    note: str | None = None


@dataclass(frozen=True)
class Skip:
    """`skip <occurrence> <reason>`: skip an occurrence, with a reason."""

    occurrence_id: int
    reason: str

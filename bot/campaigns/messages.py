"""Policy acknowledgement and training messages (neutral model, pure functions of their facts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from bot.audit.facts import History
from bot.audit.messages import event_item
from bot.campaigns.facts import CampaignCard, PersonRow, RoundDetail, RoundProgress, TeamRate
from bot.core.messages import LINK_ACTION, Button, Field, ListItem, Message, Section
from bot.core.text import progress_text
from models import CampaignKind, CampaignStatus, ItemDecision

ACK_ACTION = "camp_ack"
TRAINING_DONE_ACTION = "camp_done"
CERTIFICATE_ACTION = "camp_cert"
SHOWN = 25  # people listed per group in a round's detail; the counts cover everyone
TRAINING_LABEL = "I have completed the training"
_MAX_LABEL_VERSION = 40  # Slack button labels stop at 75 characters


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def ref(campaign_id: int) -> str:
    return f"camp-{campaign_id}"


def _is_policy(kind: CampaignKind) -> bool:
    return kind is CampaignKind.POLICY_ACK


def accept_label(version: str) -> str:
    """The policy button: "I have read and accept version X"."""
    shown = version if len(version) <= _MAX_LABEL_VERSION else version[:39] + "…"
    return f"I have read and accept version {shown}"


def open_button(card: CampaignCard) -> tuple[Button, ...]:
    """A link button to the policy or training (rounds start only with http(s) links)."""
    if not (card.link or "").startswith(("https://", "http://")):
        return ()
    label = "Open policy" if _is_policy(card.kind) else "Open training"  # short: beside Accept
    return (Button(label, LINK_ACTION, url=card.link),)


def card_buttons(card: CampaignCard) -> tuple[Button, ...]:
    """The buttons of a pending item (none once it is done, withdrawn or replaced)."""
    value = str(card.item_id)
    if not card.pending:
        return ()
    if _is_policy(card.kind):
        label = accept_label(card.version)
        return (Button(label, f"{ACK_ACTION}:{card.item_id}", value, style="primary"),)
    return (
        Button(TRAINING_LABEL, f"{TRAINING_DONE_ACTION}:{card.item_id}", value, style="primary"),
        Button("Attach certificate", f"{CERTIFICATE_ACTION}:{card.item_id}", value),
    )  # fmt: skip


def reminder_text(due_on: dt.date, today: dt.date, *, overdue: bool) -> str:
    """The line a reminder adds above the item: due soon, due today, or overdue."""
    if overdue:
        return f"Overdue: this was due {_day(due_on)}."
    left = (due_on - today).days
    when = "today" if left <= 0 else "tomorrow" if left == 1 else f"{_day(due_on)}, in {left} days"
    return f"Reminder: this is due {when}."


def _subject(card: CampaignCard) -> str:
    if _is_policy(card.kind):
        return f"{card.title}, version {card.version}"
    return f"{card.title} ({card.version})"


def _title(card: CampaignCard) -> str:
    ask = "Please read and accept" if _is_policy(card.kind) else "Security training"
    return f"{ask}: {_subject(card)}"


def _done_title(card: CampaignCard) -> str | None:
    """`✓ Accepted version 3 on Tue 10 Mar 2026` (`✓ Completed on …`), once it is done."""
    when = f" on {_day(card.decided_on)}" if card.decided_on else ""
    if card.decision is ItemDecision.ACKNOWLEDGED:
        return f"✓ Accepted version {card.version}{when}"
    if card.decision is ItemDecision.COMPLETED:
        return f"✓ Completed{when}"
    return None


def _state(card: CampaignCard) -> str | None:
    when = f" on {_day(card.decided_on)}" if card.decided_on else ""
    if card.decision is ItemDecision.ACKNOWLEDGED:
        return f"You accepted version {card.version}{when}: “{card.statement}”"
    if card.decision is ItemDecision.COMPLETED:
        return f"You confirmed this training{when}: “{card.statement}”"
    return _closed(card)


def _closed(card: CampaignCard) -> str | None:
    """Why there is nothing to do although nothing was answered (None: still to do)."""
    if card.decision is ItemDecision.WITHDRAWN:
        return "You are no longer part of this round; nothing to do."
    if card.round_status is CampaignStatus.SUPERSEDED:
        return "This round was replaced by a newer one; look for the newer message."
    if card.round_status is not CampaignStatus.OPEN:
        return f"This round is {card.round_status.value}; nothing to do."
    return None


def _ask(card: CampaignCard) -> str:
    button = accept_label(card.version) if _is_policy(card.kind) else TRAINING_LABEL
    asked = f"Pressing “{button}” records this statement, word for word:\n\n“{card.statement}”"
    if _is_policy(card.kind):
        return asked
    return (
        f"{asked}\n\nHave a certificate? Reply to this message with the file (Slack), or press "
        "Attach certificate and send it (Teams)."
    )


def _again(card: CampaignCard) -> str:
    """How to see the card again, in words that read the same on every platform."""
    command = f"ack {card.topic_slug}" if _is_policy(card.kind) else "training"
    return f"Reference {ref(card.campaign_id)} · to see this again, send: {command}"


def campaign_card_view(card: CampaignCard, *, reminder: str | None = None) -> Message:
    """The DM of one item: what to read or do (Open), the exact statement, and its buttons.

    Once done, its title says so and when (in the reader's timezone); the statement recorded
    stays, word for word.
    """
    fields = [Field("Document", card.document)] if card.document else []
    fields += [Field("Due", _day(card.due_on))] if card.due_on and card.pending else []
    done, closed = _done_title(card), _closed(card)
    if done is not None:
        title, context = done, _subject(card)  # the footer gives the reference
        lines = [f"You recorded, word for word:\n\n“{card.statement}”"]
    else:
        title, context = (_subject(card) if closed else _title(card)), None
        lines = [reminder] if reminder and closed is None else []
        lines += [card.summary] if card.summary else []
        lines.append(closed or _ask(card))
    return Message(
        title=title,
        context=context,
        text="\n\n".join(lines),
        fields=tuple(fields),
        buttons=open_button(card) + card_buttons(card),
        footer=_again(card),
        ephemeral=False,
    )


def item_recorded_view(
    card: CampaignCard, *, already: bool, certificate: str | None = None
) -> Message:
    """The answer to a press (or a certificate), saying when nothing new was recorded."""
    if certificate:
        return Message(
            title="Certificate stored", text=f"{certificate}\nFor {card.title} ({card.version})."
        )
    if already:
        when = f" on {_day(card.decided_on)}" if card.decided_on else ""
        return Message(
            title="Already recorded", text=f"You already confirmed this{when}; nothing changed."
        )
    return Message(title="Recorded", text=f"Recorded, word for word: “{card.statement}”")


def certificate_asked_view(card: CampaignCard, here: bool) -> Message:
    """After "Attach certificate": where to send the file (`here`: in this chat)."""
    if here:
        return Message(
            text=f"Send your certificate for {card.title} ({card.version}) here in this chat "
            "(within 30 minutes); I will store it and answer with its SHA-256."
        )
    return Message(
        text="Reply in the thread of this message with your certificate (PDF or image), or "
        f"send it to me in a DM with camp-{card.campaign_id} in the message. "
        "I will store it and answer with its SHA-256."
    )


def my_rounds_view(
    cards: Sequence[CampaignCard], *, kind: CampaignKind, query: str = ""
) -> Message:
    """The caller's items of one kind: the single pending one in full, else a list."""
    pending = [c for c in cards if c.pending]
    if len(pending) == 1:
        return replace(campaign_card_view(pending[0]), ephemeral=True)
    noun = "policy acknowledgements" if _is_policy(kind) else "training rounds"
    if not cards:
        about = f" matching “{query}”" if query else ""
        return Message(title=f"Your {noun}", text=f"You have no {noun}{about}. Nothing to do.")
    items = tuple(
        ListItem(f"{_title(c)} ({ref(c.campaign_id)})", _state(c) or _due(c), card_buttons(c))
        for c in cards
    )
    return Message(title=f"Your {noun} ({len(pending)} to do)", items=items)


def pending_rounds_section(cards: Sequence[CampaignCard]) -> Section | None:
    """`mine`'s part for policies to accept and training to confirm, with their buttons."""
    if not cards:
        return None
    items = tuple(
        ListItem(
            text=_title(c), detail=f"{_due(c)} · records “{c.statement}”", buttons=card_buttons(c)
        )
        for c in cards
    )
    return Section(heading="Policies and training", items=items)


def _due(card: CampaignCard) -> str:
    return f"to do · due {_day(card.due_on)}" if card.due_on else "to do"


def round_line(p: RoundProgress) -> ListItem:
    """`Acceptable Use Policy, version 2 — 41 of 50 accepted (82%) · 3 overdue`."""
    verb = "accepted" if _is_policy(p.kind) else "completed"
    overdue = f" · {p.overdue} overdue" if p.overdue else ""
    detail = f"{ref(p.campaign_id)} · {p.status.value}" + (
        f" · due {_day(p.due_on)}" if p.due_on else ""
    )
    return ListItem(f"{p.name} — {progress_text(p.done, p.total, verb)}{overdue}", detail)


def rounds_section(rounds: Sequence[RoundProgress]) -> Section | None:
    """Status's "Policies and training" section (None when no round is open)."""
    if not rounds:
        return None
    return Section(
        heading="Policy acknowledgements and training", items=tuple(round_line(p) for p in rounds)
    )


def team_rate_items(rates: Sequence[TeamRate]) -> tuple[ListItem, ...]:
    """The digest's training completion per manager's team."""
    return tuple(
        ListItem(f"{r.manager or 'No manager'}: {progress_text(r.done, r.total)}", r.campaign)
        for r in rates
    )


def _people(heading: str, rows: Sequence[PersonRow]) -> Section:
    items = [ListItem(f"{r.name} <{r.email}>", r.detail) for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        items.append(ListItem(f"… and {len(rows) - SHOWN} more"))
    return Section(
        heading=f"{heading} ({len(rows)})", items=tuple(items), text=None if items else "Nobody."
    )


def round_audit_view(detail: RoundDetail, trail: History, *, zone: dt.tzinfo) -> Message:
    """`audit camp-12` for a round: progress, who has and who has not, then the trail (its
    times in the reader's `zone`)."""
    p = detail.progress
    verb = "Accepted" if _is_policy(p.kind) else "Completed"
    fields = (
        Field("Progress", f"{progress_text(p.done, p.total)} · {p.overdue} overdue"),
        Field("Status", p.status.value),
        Field("Withdrawn", str(len(detail.withdrawn))),
    )
    sections = (
        _people("Not yet", detail.pending),
        _people(verb, detail.done),
        Section(
            heading="Audit trail (newest first)",
            items=tuple(event_item(e, trail.names, zone) for e in trail.events[:SHOWN]),
        ),
    )
    return Message(
        title=f"Audit trail of {ref(p.campaign_id)}: {p.name}", fields=fields, sections=sections
    )


def escalation_view(
    *, round_name: str, kind: CampaignKind, audience: str, people: Sequence[str], due_on: dt.date
) -> Message:
    """A manager's (or the compliance channel's) note about who has not done it yet."""
    verb = "accepted" if _is_policy(kind) else "completed"
    whose = "Your reports" if audience == "manager" else "These people"
    listed = [ListItem(name) for name in people[:SHOWN]]
    if len(people) > SHOWN:
        listed.append(ListItem(f"… and {len(people) - SHOWN} more"))
    return Message(
        title=f"Escalation: {round_name} is overdue",
        text=f"{whose} have not {verb} {round_name}, due {_day(due_on)} ({len(people)}):",
        items=tuple(listed),
        ephemeral=False,
    )

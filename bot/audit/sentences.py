"""Audit events as sentences: who did what to which subject, with values told as people say them.

Every action the code records has its sentence; an action without one still reads as words
(never a Python repr). Hashes are short here; `audit event N` shows them whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.audit.facts import Names
from bot.audit.said import Said, subject_ref
from bot.audit.sentences_more import MORE
from bot.audit.values import human
from models import AuditEvent

__all__ = ["ACTIONS", "sentence", "subject_ref"]


def _person_created(e: Said) -> str:
    source = f" from {e.text('source')}" if e.get("source") else ""
    if e.event.actor == e.sid:
        return f"{e.person()} joined, with the role {e.text('role')}"
    return f"{e.who} added {e.person()}{source}, with the role {e.text('role')}"


def _person_linked(e: Said) -> str:
    platform = str(e.get("platform") or "chat").capitalize()
    was = f" (it was {e.text('previously')}’s)" if e.get("previously") else ""
    if e.event.actor == e.sid:
        return f"{e.person()} linked their {platform} account{was}"
    return f"{e.who} linked {e.person()}’s {platform} account{was}"


def _manager_changed(e: Said) -> str:
    pair = (e.get("changes") or {}).get("manager_id")
    if not (isinstance(pair, list) and len(pair) == 2):
        return f"{e.who} changed {e.person()}’s manager"
    was, now = (e.names.of_id(p) if p is not None else "none" for p in pair)
    return f"{e.who} changed {e.person()}’s manager from {was} to {now}"


def _owner_changed(e: Said) -> str:
    owner = e.text("to") if e.get("to") else e.text("owner")
    was = f" (was {e.text('from')})" if e.get("from") else ""
    return f"{e.who} made {owner} the owner of {e.sid}{was}"


def _completed(e: Said) -> str:
    when = {True: " on time", False: " late"}.get(e.get("on_time"), "")
    behalf = " on the owner’s behalf" if e.get("on_behalf") else ""
    return f"{e.who} completed {e.ref}{when}{behalf}"


def _snoozed(e: Said) -> str:
    return f"{e.who} snoozed reminders about {e.ref} for {e.text('days')} days, until " + (
        f"{e.text('until')}{e.because()}"
    )


def _evidence(e: Said) -> str:
    name, kind = e.get("name"), e.get("kind")
    if e.event.subject_type == "occurrence":
        if kind == "attestation" or e.get("statement"):
            note = f" (note: {e.text('note')})" if e.get("note") else ""
            return f"{e.who} attested {e.ref}: “{e.text('statement')}”{note}"
        if name:
            return f"{e.who} submitted {name} for {e.ref}{e.hashed()}"
        filed = f"the decisions of camp-{e.text('campaign')}" if e.get("campaign") else "a file"
        return f"{e.who} filed {filed} for {e.ref}{e.hashed()}"
    what = e.text("role") if e.get("role") else "a certificate" if e.get("person") else "a file"
    return f"{e.who} uploaded {what}" + (f" {name}" if name else "") + e.hashed()


def _expiry_set(e: Said) -> str:
    of = f" of #{e.text('occurrence')}" if e.get("occurrence") else ""
    if not e.get("expires_on"):
        return f"{e.who} cleared the expiry of evidence {e.sid}{of}: it never expires"
    return f"{e.who} set evidence {e.sid}{of} to count through {e.text('expires_on')}"


def _campaign_started(e: Said) -> str:
    name = f"“{e.text('name')}”"
    if e.get("accounts") is not None:
        by = f", reviewer {e.text('reviewer')}" if e.get("reviewer") else ""
        control = f", for {e.text('control')}" if e.get("control") else ""
        accounts = f"{e.text('accounts')} accounts"
        return f"{e.who} started the access review {name}: {accounts}{by}{control}"
    version = f" version {e.text('version')}" if e.get("version") else ""
    if version.strip() in name:  # "Acceptable Use Policy, version 3" says it already
        version = ""
    due = f", due {e.text('due_on')}" if e.get("due_on") else ""
    return f"{e.who} started {name}{version} for {e.text('people')} people{due}"


def _review_completed(e: Said) -> str:
    counts = f"{e.text('kept')} kept, {e.text('revoked')} revoked"
    follow = f", {e.text('follow_ups')} follow-ups" if e.get("follow_ups") else ""
    filed = f"; decisions filed to #{e.text('occurrence')}" if e.get("occurrence") else ""
    return f"{e.who} completed the review: {counts}{follow}{filed}{e.hashed()}"


def _decided(e: Said) -> str:
    statement = str(e.get("statement") or "")
    account = statement.split(": ", 1)[1] if ": " in statement else f"item {e.text('item')}"
    verb = "kept" if e.get("decision") == "keep" else "revoked"
    return f"{e.who} {verb} access for {account}"


_SENTENCES: dict[str, Callable[[Said], str]] = {
    "program.created": lambda e: f"{e.who} created the program {e.text('name')}",
    "program.updated": lambda e: f"{e.who} changed the program: {e.changes()}",
    "person.created": _person_created,
    "person.updated": lambda e: f"{e.who} updated {e.person()}: {e.changes()}",
    "person.manager_changed": _manager_changed,
    "person.reactivated": lambda e: f"{e.who} reactivated {e.person()}",
    "person.deactivated": lambda e: f"{e.who} deactivated {e.person()}{e.because()}",
    "person.linked": _person_linked,
    "control.created": lambda e: (
        f"{e.who} created control {e.sid} (owner {e.text('owner')}; criteria {e.text('criteria')})"
    ),
    "control.updated": lambda e: f"{e.who} updated control {e.sid}: {e.changes()}",
    "control.restored": lambda e: f"{e.who} restored control {e.sid}: {e.changes()}",
    "control.owner_changed": _owner_changed,
    "control.criteria_changed": lambda e: f"{e.who} changed the criteria of {e.sid}: {e.changes()}",
    "control.retired": lambda e: f"{e.who} retired control {e.sid}{e.because()}",
    "task.created": lambda e: (
        f"{e.who} created task {e.sid} of {e.text('control')} ({e.text('schedule')})"
    ),
    "task.updated": lambda e: f"{e.who} updated task {e.sid}: {e.changes()}",
    "task.retired": lambda e: f"{e.who} retired task {e.sid}{e.because()}",
    "task.replanned": lambda e: f"{e.who} replanned task {e.sid}: {e.changes()}{e.because()}",
    "occurrences.generated": lambda e: (
        f"{e.who} scheduled {e.text('created')} periods of work through {e.text('through')}"
    ),
    "occurrence.completed": _completed,
    "occurrence.skipped": lambda e: f"{e.who} skipped {e.ref}{e.because()}",
    "occurrence.snoozed": _snoozed,
    "occurrence.reopened": lambda e: f"{e.who} reopened {e.ref}{e.because()}",
    "evidence.submitted": _evidence,
    "evidence.superseded": lambda e: (
        f"{e.who} superseded evidence {e.sid}"
        + (f" of #{e.text('occurrence')}" if e.get("occurrence") else "")
        + e.because()
    ),
    "evidence.expiry_set": _expiry_set,
    "campaign.started": _campaign_started,
    "campaign.completed": _review_completed,
    "campaign.person_enrolled": lambda e: (
        f"{e.who} enrolled {e.text('person')}, due {e.text('due_on')}"
    ),
    "campaign.item_withdrawn": lambda e: f"{e.who} withdrew {e.text('person')}{e.because()}",
    "campaign.superseded": lambda e: (
        f"{e.who} replaced version {e.text('version')} by version "
        f"{e.text('new_version')} (camp-{e.text('by')})"
    ),
    "campaign.item_acknowledged": lambda e: (
        f"{e.who} accepted version {e.text('version')}{e.for_whom()}"
    ),
    "campaign.training_completed": lambda e: (
        f"{e.who} completed the training{e.for_whom()}{e.hashed()}"
    ),
    "review.item_decided": _decided,
    "follow_up.created": lambda e: (
        f"{e.who} opened the follow-up “{e.text('title')}” for "
        f"{e.text('assignee_id')}, due {e.text('due_on')}"
    ),
    "follow_up.completed": lambda e: (
        f"{e.who} closed the follow-up “{e.text('title')}”"
        + (" on the assignee’s behalf" if e.get("on_behalf") else "")
        + (f": {e.text('verified')}" if e.get("verified") else "")
    ),
}
_SENTENCES |= MORE
ACTIONS = frozenset(_SENTENCES)


def _generic(e: Said) -> str:
    """An action without its own sentence: its name and details, in words."""
    what = e.event.action.replace(".", " ").replace("_", " ")
    subject = f"{e.event.subject_type} {e.ref}".strip()
    details = human(e.event.details, e.zone, names=e.names) if e.event.details else ""
    return f"{e.who}: {what}, {subject}" + (f" ({details})" if details else "")


def sentence(event: AuditEvent, names: Names, zone: dt.tzinfo) -> str:
    """What happened, as a sentence: `Sofia Rossi submitted q4.csv for #195 (sha256 83684b2c…)`."""
    said = Said(event, names, zone)
    try:
        return _SENTENCES.get(event.action, _generic)(said)
    except (TypeError, ValueError, AttributeError, IndexError):
        return _generic(said)  # details of an older shape: words still, never a traceback

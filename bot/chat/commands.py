"""The one parser for the chat command language (Slack `/soc2`, Teams text, the CLI)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeAlias

from bot.chat.expiry import Expire, parse_expire
from bot.chat.intents import Ack as Ack
from bot.chat.intents import Assign as Assign
from bot.chat.intents import Audit as Audit
from bot.chat.intents import Digest as Digest
from bot.chat.intents import Evidence as Evidence
from bot.chat.intents import Export as Export
from bot.chat.intents import Help as Help
from bot.chat.intents import ListControls as ListControls
from bot.chat.intents import MarkDone as MarkDone
from bot.chat.intents import Mine as Mine
from bot.chat.intents import ShowControl as ShowControl
from bot.chat.intents import Skip as Skip
from bot.chat.intents import StartReview as StartReview
from bot.chat.intents import Status as Status
from bot.chat.intents import Training as Training
from bot.chat.intents import WhoAmI as WhoAmI
from bot.chat.policies import PolicyCommand, parse_policy
from bot.chat.refs import (
    REVIEWER_WORDS,
    Args,
    classify_audit_ref,
    is_addressing,
    is_keyword,
    looks_like_channel,
    normalize_text,
    parse_control_id,
    parse_iso_date,
    parse_occurrence_ref,
    parse_review_options,
    parse_user_ref,
    shown,
    tokenize,
    unknown,
)
from bot.chat.refs import ChannelRef as ChannelRef
from bot.chat.refs import UsageError as UsageError
from bot.chat.refs import UserRef as UserRef
from bot.chat.samples import Sample, parse_sample
from bot.chat.usage import GENERAL_USAGE as GENERAL_USAGE
from bot.chat.usage import USAGE as USAGE
from bot.chat.usage import command_name

_MAX_NAME, _EVENT = 200, re.compile(r"[0-9]{1,18}", re.A)


ReadIntent: TypeAlias = Help | Status | Mine | ListControls | ShowControl | Audit | WhoAmI | Digest
ActionIntent: TypeAlias = (
    Assign | Evidence | StartReview | Ack | Training | Export | MarkDone | Skip | Sample | Expire
)
Intent: TypeAlias = ReadIntent | ActionIntent | PolicyCommand
Parser = Callable[[Args], Intent]


def _bare(intent: Intent) -> Parser:
    """A parser for a subcommand that takes no arguments."""

    def parse(args: Args) -> Intent:
        if args.tokens:
            raise UsageError(f"Nothing goes after this command (got {shown(args.tokens[0].text)}).")
        return intent

    return parse


def _help(args: Args) -> Intent:
    if not args.tokens:
        return Help()
    topic = command_name(args.tokens[0].text)
    if topic not in USAGE:
        raise unknown(args.tokens[0].text, "There is no help topic", USAGE["help"])
    return Help(topic)


def _controls(args: Args) -> Intent:
    return ListControls(args.words() or None)


def _control(args: Args) -> Intent:
    (control,) = args.exactly(1, ["the control id"])
    return ShowControl(parse_control_id(control))


def _assign(args: Args) -> Intent:
    missing = ["the control id", "the new owner (@name or email)"]
    control, user = args.without(1, "to").exactly(2, missing)
    return Assign(parse_control_id(control), parse_user_ref(user))


def _evidence(args: Args) -> Intent:
    (occurrence,) = args.exactly(1, ["the occurrence number (shown as #1234)"])
    return Evidence(parse_occurrence_ref(occurrence))


def _review(args: Args) -> Intent:
    toks = list(args.tokens)
    if not toks or not is_keyword(toks[0], "start"):
        raise UsageError("Access reviews are started with `review start <name>`.")
    is_option = [looks_like_channel(t) or is_keyword(t, *REVIEWER_WORDS) for t in toks]
    cut = next((i for i in range(1, len(toks)) if is_option[i]), len(toks))
    name = " ".join(" ".join(t.text for t in toks[1:cut]).split())
    if not name:
        raise UsageError('The review needs a name, like "Q1 prod access".')
    if len(name) > _MAX_NAME:
        raise UsageError(f"That review name is too long; keep it under {_MAX_NAME} characters.")
    channel, reviewer = parse_review_options(toks[cut:])
    return StartReview(name, channel, reviewer)


def _ack(args: Args) -> Intent:
    policy = args.words()
    if not policy:
        raise UsageError("Which policy? Name it after `ack`.")
    return Ack(policy)


def _audit(args: Args) -> Intent:
    if args.tokens and is_keyword(args.tokens[0], "event"):
        (number,) = Args(args.text, args.tokens[1:]).exactly(1, ["the event number"])
        if _EVENT.fullmatch(number) and int(number):
            return Audit("event", event=int(number))
        raise UsageError(f"{shown(number)} is not an event number, like the 660 of event 660.")
    (ref,) = args.exactly(1, ["the control id, occurrence (#1234) or campaign (camp-12)"])
    kind, value = classify_audit_ref(ref)
    if isinstance(value, str):
        return Audit(kind, control_id=value)
    if kind == "campaign":
        return Audit(kind, campaign_id=value)
    return Audit(kind, occurrence_id=value)


def _export(args: Args) -> Intent:
    first, last = args.without(1, "to").exactly(2, ["the start date", "the end date"])
    start, end = parse_iso_date(first), parse_iso_date(last)
    if start > end:
        raise UsageError(f"The start date {start} is after the end date {end}.")
    return Export(start, end)


def _leading_occurrence(args: Args) -> int:
    if not args.tokens:
        raise UsageError("Missing the occurrence number (shown as #1234).")
    return parse_occurrence_ref(args.tokens[0].text)


def _done(args: Args) -> Intent:
    return MarkDone(_leading_occurrence(args), args.rest(1) or None)


def _skip(args: Args) -> Intent:
    occurrence = _leading_occurrence(args)
    if not (reason := args.rest(1)):
        raise UsageError("Skipping needs a reason, for the auditor.")
    return Skip(occurrence, reason)


_PARSERS: dict[str, Parser] = {
    "help": _help,
    "status": _bare(Status()),
    "mine": _bare(Mine()),
    "controls": _controls,
    "control": _control,
    "assign": _assign,
    "evidence": _evidence,
    "review": _review,
    "ack": _ack,
    "training": _bare(Training()),
    "digest": _bare(Digest()),
    "audit": _audit,
    "export": _export,
    "whoami": _bare(WhoAmI()),
    "done": _done,
    "skip": _skip,
    "sample": parse_sample,
    "expire": parse_expire,
    "policy": parse_policy,
}


def parse_command(text: str) -> Intent:
    """Parse command text into an intent; raise only `UsageError`, with the usage to show."""
    clean = normalize_text(text)
    tokens = tokenize(clean)
    while tokens and is_addressing(tokens[0]):
        tokens.pop(0)
    if not tokens:
        return Help()
    name = command_name(tokens[0].text)
    parser = _PARSERS.get(name)
    if parser is None:
        raise unknown(tokens[0].text, "I don't know the command")
    try:
        return parser(Args(clean, tokens[1:]))
    except UsageError as err:
        if err.usage is not None:
            raise
        raise UsageError(err.message, usage=USAGE[name], suggestion=err.suggestion) from None


# Each intent as people type it: errors name the command, never the class behind it.
COMMAND_NAMES: dict[type, str] = {
    Help: "help",
    Status: "status",
    Mine: "mine",
    ListControls: "controls",
    ShowControl: "control",
    Assign: "assign",
    Evidence: "evidence",
    StartReview: "review start",
    Ack: "ack",
    Training: "training",
    Digest: "digest",
    Audit: "audit",
    Export: "export",
    WhoAmI: "whoami",
    MarkDone: "done",
    Skip: "skip",
    Sample: "sample",
    Expire: "expire",
    PolicyCommand: "policy",
}

"""`sample …` in chat and `soc2bot ask`: draw an auditor's sample, show one, add to one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.chat.refs import (
    Args,
    Token,
    UsageError,
    is_keyword,
    parse_campaign_ref,
    parse_control_id,
    parse_iso_date,
    shown,
)
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.messages import Message
from bot.core.permissions import Action, require
from bot.sampling.messages import SHOWN_IN_ANSWER, sample_view
from bot.sampling.services import MAX_SIZE, detail_of, draw_sample, extend_sample
from bot.sampling.services import get_sample_detail as get_detail

SampleVerb = Literal["draw", "show", "add"]
_SAMPLE_ID = re.compile(r"(?:sample-?)?([0-9]{1,18})", re.I | re.A)
_COUNT = re.compile(r"[0-9]{1,6}", re.A)
_CAMPAIGN = re.compile(r"camp(?:aign)?-?[0-9]+", re.I | re.A)
_FOLLOW_UPS = ("follow-ups", "followups", "follow-up", "followup")
_FILLERS = ("from", "to")
_NAMING = ("control", "campaign")


@dataclass(frozen=True)
class Sample:
    """`sample <control> <from> <to> [size N] [seed S]`, `sample camp-N …`,
    `sample follow-ups camp-N …`, `sample show <id>` or `sample add <id> <count>`."""

    verb: SampleVerb
    control_id: str | None = None
    campaign_id: int | None = None
    follow_ups: bool = False
    start: dt.date | None = None
    end: dt.date | None = None
    size: int | None = None
    seed: str | None = None
    sample_id: int | None = None
    count: int | None = None


def _word(token: Token) -> str:
    """An unquoted word without the dashes of its command-line spelling (`--size`)."""
    return token.text.lstrip("-—–") if not token.quoted else token.text


def _number(text: str, what: str, *, most: int = MAX_SIZE) -> int:
    if not _COUNT.fullmatch(text) or not 0 < int(text) <= most:
        raise UsageError(f"{shown(text)} is not a {what}: a whole number from 1 to {most:,}.")
    return int(text)


def _sample_id(text: str) -> int:
    m = _SAMPLE_ID.fullmatch(text.strip())
    if m is None or int(m.group(1)) == 0:
        raise UsageError(f"{shown(text)} is not a sample number, like the 7 of `sample show 7`.")
    return int(m.group(1))


def parse_sample(args: Args) -> Sample:
    """The words after `sample`."""
    toks = list(args.tokens)
    if toks and is_keyword(toks[0], "show"):
        (ref,) = Args(args.text, toks[1:]).exactly(1, ["the sample number"])
        return Sample("show", sample_id=_sample_id(ref))
    if toks and is_keyword(toks[0], "add"):
        ref, count = Args(args.text, toks[1:]).exactly(2, ["the sample number", "how many"])
        return Sample("add", sample_id=_sample_id(ref), count=_number(count, "count"))
    follow_ups = bool(toks) and not toks[0].quoted and _word(toks[0]).casefold() in _FOLLOW_UPS
    if follow_ups and not (len(toks) > 1 and _CAMPAIGN.fullmatch(_word(toks[1]))):
        raise UsageError("Whose follow-ups? Name the campaign, like camp-12.")
    # `control`/`campaign` before the id, as the command line spells it (`--control`)
    named = len(toks) > 1 and not toks[0].quoted and _word(toks[0]).casefold() in _NAMING
    toks = toks[1:] if follow_ups or named else toks
    if not toks:
        raise UsageError("Sample what? Name a control and a window, or a campaign (camp-12).")
    return _draw(_word(toks[0]), follow_ups, *_options(toks[1:]))


def _draw(
    target: str, follow_ups: bool, size: int | None, seed: str | None, dates: list[dt.date]
) -> Sample:
    if _CAMPAIGN.fullmatch(target):
        if dates:
            raise UsageError("A campaign is sampled whole: leave out the dates.")
        campaign = parse_campaign_ref(target)
        return Sample("draw", campaign_id=campaign, follow_ups=follow_ups, size=size, seed=seed)
    if len(dates) != 2:
        raise UsageError("A control's sample needs its window: a start and an end date.")
    if dates[0] > dates[1]:
        raise UsageError(f"The start date {dates[0]} is after the end date {dates[1]}.")
    control = parse_control_id(target)
    return Sample("draw", control, start=dates[0], end=dates[1], size=size, seed=seed)


def _options(toks: Sequence[Token]) -> tuple[int | None, str | None, list[dt.date]]:
    """`[from] <date> [to] <date>`, `size N` and `seed S`, in any order."""
    size: int | None = None
    seed: str | None = None
    dates: list[dt.date] = []
    rest = list(toks)
    while rest:
        tok = rest.pop(0)
        word = _word(tok).casefold()
        if word in ("size", "seed") and not tok.quoted:
            if not rest:
                raise UsageError(f"Missing the {word} after `{word}`.")
            value = rest.pop(0).text
            size, seed = (_number(value, "size"), seed) if word == "size" else (size, value)
        elif word in _FILLERS and not tok.quoted:
            continue
        elif len(dates) < 2:
            dates.append(parse_iso_date(tok.text))
        else:
            raise UsageError(f"I didn't expect {shown(tok.text)} there.")
    return size, seed, dates


class Context(Protocol):
    """What `sample` needs of the dispatcher's command context."""

    @property
    def db(self) -> Database: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def now(self) -> dt.datetime: ...
    def typed(self, command: str) -> str: ...


def answer_sample(intent: Sample, ctx: Context) -> Message:
    """Run `sample …` as the caller: one transaction for a draw or an addition (a refusal
    records nothing), a read for `show`."""
    db, actor, now, typed = ctx.db, ctx.actor, ctx.now, ctx.typed
    require(actor, Action.SAMPLE)  # before anything is looked up
    if intent.verb == "show":
        with db.session() as session:
            detail = get_detail(session=session, actor=actor, sample_id=intent.sample_id or 0,
                                now=now)  # fmt: skip
        return sample_view(detail, typed=typed)
    with db.transaction() as session:
        if intent.verb == "add":
            sample = extend_sample(session=session, actor=actor, sample_id=intent.sample_id or 0,
                                   count=intent.count or 0, now=now)  # fmt: skip
            detail = detail_of(session, sample, now, added=intent.count or 0)
        else:
            sample = draw_sample(
                session=session, actor=actor, now=now, control=intent.control_id,
                start=intent.start, end=intent.end, campaign_id=intent.campaign_id,
                follow_ups=intent.follow_ups, size=intent.size, seed=intent.seed,
            )  # fmt: skip
            detail = detail_of(session, sample, now)
    return sample_view(detail, typed=typed, shown=SHOWN_IN_ANSWER)

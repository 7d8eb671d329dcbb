"""Words of the command language: lexing, and people/channel/id/date references."""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

from bot.chat.usage import GENERAL_USAGE, USAGE
from bot.core.errors import InvalidInput

MAX_INPUT = 4000
REVIEWER_WORDS = ("reviewer", "reviewer:")
_SHOWN = 40
_QUOTES = str.maketrans("“”„‟«»‘’‚‛", '""""""' + "''''", "`")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_TOKEN = re.compile(r"<at>.*?</at>|<[^<>\s][^<>]*>|\"([^\"]*)\"|'([^']*)'|\S+", re.S)
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>", re.I | re.A)
_TEAMS_USER = re.compile(r"<at>(.*?)</at>", re.I | re.S)
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>", re.I)
_EMAIL = re.compile(r"[^@\s<>|\"']+@[^@\s<>|\"']+\.[^@\s<>|\"']+")
_HANDLE = re.compile(r"@([\w.\-']{1,80})")
_SLACK_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>", re.I | re.A)
_CHANNEL = re.compile(r"#([\w.\-]{1,80})")
_OCCURRENCE = re.compile(r"(?:#|occ-?)?([0-9]{1,18})", re.I | re.A)
_CAMPAIGN = re.compile(r"(?:camp|campaign)-?([0-9]{1,18})", re.I | re.A)
_CONTROL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.A)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.A)
_RECORD_ID = re.compile(r"[0-9]{1,18}", re.A)
MAX_PAGE = 10_000
STALE_BUTTON = "That button is out of date; run the command again."


class UsageError(InvalidInput):
    """A command that cannot be understood; `usage` holds the line to show, if known."""

    def __init__(
        self, message: str, *, usage: str | None = None, suggestion: str | None = None
    ) -> None:
        super().__init__(message, usage=usage)
        self.suggestion = suggestion


class Token(NamedTuple):
    """One word of a command, with its position in the normalized text."""

    text: str
    quoted: bool
    start: int


@dataclass(frozen=True)
class Args:
    """The words after the subcommand, plus the text they came from."""

    text: str
    tokens: Sequence[Token]

    def rest(self, index: int) -> str:
        """The raw text from word `index` on, unquoted when it is one quoted word."""
        if index >= len(self.tokens):
            return ""
        if index == len(self.tokens) - 1 and self.tokens[index].quoted:
            return self.tokens[index].text.strip()
        return self.text[self.tokens[index].start :].strip()

    def words(self) -> str:
        """All words joined by single spaces."""
        return " ".join(" ".join(t.text for t in self.tokens).split())

    def exactly(self, count: int, missing: Sequence[str]) -> list[str]:
        """The words, when there are `count` of them; else say what is missing or extra."""
        if len(self.tokens) < count:
            raise UsageError(f"Missing {missing[len(self.tokens)]}.")
        if len(self.tokens) > count:
            raise UsageError(f"I didn't expect {shown(self.tokens[count].text)} there.")
        return [t.text for t in self.tokens]

    def without(self, index: int, word: str) -> Args:
        """These args minus an optional filler word (like `to`) at `index`."""
        toks = self.tokens
        if len(toks) > index and not toks[index].quoted and toks[index].text.casefold() == word:
            return Args(self.text, [*toks[:index], *toks[index + 1 :]])
        return self


@dataclass(frozen=True)
class UserRef:
    """A person as typed: a Slack mention, a Teams mention, an @handle or an email."""

    raw: str
    slack_id: str | None = None
    email: str | None = None
    teams_name: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class ChannelRef:
    """A channel as typed: a Slack channel mention or a plain `#name`."""

    raw: str
    slack_id: str | None = None
    name: str | None = None


def shown(text: str) -> str:
    """The user's text quoted back to them, shortened so errors stay short."""
    clipped = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return f"‘{clipped}’"


def normalize_text(text: str) -> str:
    """Unescape HTML entities, fold unicode compatibility forms and smart quotes, trim."""
    if len(text) > MAX_INPUT:
        raise UsageError(
            f"That command is too long ({len(text)} characters); the limit is {MAX_INPUT}.",
            usage=GENERAL_USAGE,
        )
    text = unicodedata.normalize("NFKC", html.unescape(text))
    return _INVISIBLE.sub("", text).translate(_QUOTES).strip()


def tokenize(text: str) -> list[Token]:
    """Split normalized text into words; quotes group words, mentions stay whole."""
    tokens = []
    for match in _TOKEN.finditer(text):
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        word = match.group(0) if inner is None else inner
        tokens.append(Token(word, inner is not None, match.start()))
    return tokens


def parse_user_ref(token: str) -> UserRef:
    """A person from `<@U123|ana>`, `<@U123>`, `<at>Ana Ruiz</at>`, `@ana` or an email."""
    raw = token.strip()
    if m := _SLACK_USER.fullmatch(raw):
        return UserRef(raw, slack_id=m.group(1).upper(), handle=m.group(2) or None)
    if (m := _TEAMS_USER.fullmatch(raw)) and (name := " ".join(m.group(1).split())):
        return UserRef(raw, teams_name=name)
    mailto = _MAILTO.fullmatch(raw)
    raw_email = mailto.group(1) if mailto else raw
    if _EMAIL.fullmatch(raw_email):
        return UserRef(raw, email=raw_email.lower())
    if m := _HANDLE.fullmatch(raw):
        return UserRef(raw, handle=m.group(1))
    raise UsageError(
        f"{shown(raw)} is not a person — mention them (@name) or use their email address."
    )


def parse_channel_ref(token: str) -> ChannelRef:
    """A channel from `<#C123|soc2>`, `<#C123>` or `#soc2`."""
    raw = token.strip()
    if m := _SLACK_CHANNEL.fullmatch(raw):
        return ChannelRef(raw, slack_id=m.group(1).upper(), name=m.group(2) or None)
    if m := _CHANNEL.fullmatch(raw):
        return ChannelRef(raw, name=m.group(1))
    raise UsageError(f"{shown(raw)} is not a channel — use #channel-name.")


def looks_like_channel(token: Token) -> bool:
    """Whether an unquoted word is meant as a channel (starts with `#` or `<#`)."""
    return not token.quoted and token.text.startswith(("#", "<#"))


def parse_occurrence_ref(token: str) -> int:
    """An occurrence id from `1234`, `#1234`, `occ-1234` or `OCC-1234`."""
    m = _OCCURRENCE.fullmatch(token.strip())
    if m is None or int(m.group(1)) == 0:
        raise UsageError(
            f"{shown(token)} is not an occurrence reference — use the number shown as #1234."
        )
    return int(m.group(1))


def parse_record_id(value: object) -> int:
    """An id carried by a button or form, which anyone can edit: 1 to 18 digits, else refused.

    Bounded so that no database sees an integer wider than its column (SQLite and PostgreSQL
    both fail on those instead of finding nothing).
    """
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if not _RECORD_ID.fullmatch(text) or int(text) == 0:
        raise InvalidInput(STALE_BUTTON)
    return int(text)


def parse_page(value: object) -> int:
    """A page number from a button (0 when absent); anything else is a stale or edited button."""
    if value is None or value == "":
        return 0
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if plain else ""
    if not text.isascii() or not text.isdigit() or int(text) > MAX_PAGE:
        raise InvalidInput(STALE_BUTTON)
    return int(text)


def parse_campaign_ref(token: str) -> int:
    """A campaign id from `camp-12` or `campaign-12` (any case)."""
    m = _CAMPAIGN.fullmatch(token.strip())
    if m is None or int(m.group(1)) == 0:
        raise UsageError(
            f"{shown(token)} is not a campaign reference — use the id shown as camp-12."
        )
    return int(m.group(1))


def parse_control_id(token: str) -> str:
    """A control id such as `CC6.1-AR`, uppercased; only letters, digits, `.`, `-`, `_`."""
    text = token.strip()
    if not _CONTROL_ID.fullmatch(text):
        raise UsageError(
            f"{shown(text)} is not a control id — ids use letters, digits, '.', '-' and '_' "
            "(like CC6.1-AR)."
        )
    return text.upper()


AuditKind = Literal["control", "occurrence", "campaign", "event"]


def classify_audit_ref(token: str) -> tuple[AuditKind, str | int]:
    """What an `audit` argument names: an occurrence, a campaign, or else a control."""
    text = token.strip()
    if _OCCURRENCE.fullmatch(text):
        return "occurrence", parse_occurrence_ref(text)
    if _CAMPAIGN.fullmatch(text):
        return "campaign", parse_campaign_ref(text)
    try:
        return "control", parse_control_id(text)
    except UsageError:
        raise UsageError(
            f"{shown(text)} is not a control id (CC6.1-AR), occurrence (#1234) "
            "or campaign (camp-12)."
        ) from None


def parse_iso_date(token: str) -> date:
    """A calendar date written as YYYY-MM-DD."""
    text = token.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{shown(text)} is not a real date.") from None
    raise UsageError(f"{shown(text)} is not a date — write it as YYYY-MM-DD, like 2026-01-31.")


def is_keyword(token: Token, *words: str) -> bool:
    """Whether an unquoted word is one of `words`, ignoring case."""
    return not token.quoted and token.text.casefold() in words


def unknown(word: str, lead: str, usage: str = GENERAL_USAGE) -> UsageError:
    """An error for a word that is no command, with a "did you mean" when one is close."""
    guess = difflib.get_close_matches(word[:_SHOWN].casefold(), list(USAGE), n=1, cutoff=0.6)
    hint = f" — did you mean `{guess[0]}`?" if guess else "."
    suggestion = guess[0] if guess else None
    return UsageError(f"{lead} {shown(word)}{hint}", usage=usage, suggestion=suggestion)


def parse_review_options(tokens: Sequence[Token]) -> tuple[ChannelRef | None, UserRef | None]:
    """The `[#channel] [reviewer <user>]` options of `review start`, in any order."""
    toks = list(tokens)
    channel: ChannelRef | None = None
    reviewer: UserRef | None = None
    while toks:
        tok = toks.pop(0)
        if is_keyword(tok, *REVIEWER_WORDS) and reviewer is None:
            if not toks:
                raise UsageError("Who reviews? Add the person after `reviewer`.")
            reviewer = parse_user_ref(toks.pop(0).text)
        elif looks_like_channel(tok) and channel is None:
            channel = parse_channel_ref(tok.text)
        else:
            raise UsageError(
                f"I didn't expect {shown(tok.text)} there — put the name first, "
                "in quotes if it has spaces."
            )
    return channel, reviewer


def is_addressing(token: Token) -> bool:
    """A leading bot mention or `/soc2` that some platforms leave in the text."""
    text = token.text
    return not token.quoted and (text.startswith(("<at>", "<@")) or text.casefold() == "/soc2")

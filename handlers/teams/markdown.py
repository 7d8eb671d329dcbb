"""Escaping for Adaptive Card markdown, so text a person typed shows exactly as typed."""

from __future__ import annotations

import re

# Inline syntax of card markdown (and CommonMark, which Teams' web client follows):
# emphasis `*` `_`, links `[text](url)` and `![…](…)`, `<at>` mentions and `<url>` autolinks.
# A backslash a person typed is escaped too, so it cannot cancel ours. An underscore inside a
# word (`evidence_2026`, `SOC2BOT_ENV`) never opens or closes emphasis, so it stays as is.
# An `&` is escaped only where it would start an entity (`&lt;at&gt;` stays as typed).
_INLINE = re.compile(r"([\\*\[\]<>]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;))")
# Line-start syntax: bullets `- ` `+ `, headings `# `, setext/rule lines `---` `===`.
_BLOCK = re.compile(r"(^|[\r\n])([ \t]*)((?:[-+=]+|#{1,6})(?=[ \t\r\n]|$))")
# Numbered lists: `1. ` and `1) ` (the digits stay, the dot is escaped).
_NUMBERED = re.compile(r"(^|[\r\n])([ \t]*\d{1,9})([.)])(?=[ \t\r\n]|$)")
SPECIAL = frozenset("\\*_[]<>&")


def escape_markdown(text: str) -> str:
    r"""`text` with every markdown special backslash-escaped: `[x](u)` renders as typed.

    Like `escape_mrkdwn` for Slack, this runs on every text of the neutral message model,
    which holds no markup (see bot/core/messages.py); a card's emphasis comes from TextBlock
    properties (weight, size, isSubtle), never from markdown in the text. Bare URLs are left
    as they are: a client may link them, but the link shows where it goes, as on Slack.
    """
    escaped = _INLINE.sub(r"\\\1", text)
    escaped = _BLOCK.sub(r"\1\2\\\3", escaped)
    return _NUMBERED.sub(r"\1\2\\\3", escaped)

"""Adaptive Card markdown: text a person typed shows exactly as typed, and Teams' rules hold.

Teams card markdown has no inline code (a backtick shows as typed) and a single newline is
no line break. So backticks never reach a card (a `quoted` word is shown bold), and the
renderer gives each line its own TextBlock (`card_lines`).
"""

from __future__ import annotations

import json
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
# `a command` on one line, without space just inside its backticks: shown bold.
_QUOTED = re.compile(r"`(?=[^`\s])([^`\n]*?[^`\s])`")
SPECIAL = frozenset("\\*_[]<>&`")
TEXT_BLOCK_CHARS = 2_000
_KEEP_TOGETHER = 16  # a fact title this short stays on one line (within the 150 px column)


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


def card_markdown(text: str) -> str:
    """`text` escaped for a card, its `quoted` words bold and no backtick left anywhere."""
    return _QUOTED.sub(r"**\1**", escape_markdown(text)).replace("`", "")


def no_backticks(text: str) -> str:
    """Plain text for places without markdown (button titles, summaries): quotes dropped."""
    return text.replace("`", "")


def encoded(text: str) -> int:
    """Bytes of `text` in the card's JSON, once made card markdown (each `\\` is two)."""
    return len(json.dumps(card_markdown(text))) - 2


def clip(text: str, limit: int) -> str:
    """`text` if its JSON form fits `limit` bytes, else a prefix and an explicit marker."""
    if encoded(text) <= limit:
        return text
    keep, used, budget = 0, 0, max(0, limit - 48)  # 48 bytes hold the marker
    for ch in text:
        used += len(json.dumps(ch)) - 2 + (2 if ch in SPECIAL else 0)
        if used > budget:
            break
        keep += 1
    return marked(text, keep)


def marked(text: str, keep: int) -> str:
    """The first `keep` characters of `text` and a marker saying how many are not shown."""
    return f"{text[:keep]}… ({len(text) - keep} more characters not shown)"


def split_text(text: str, limit: int = TEXT_BLOCK_CHARS) -> list[str]:
    """Pieces of at most `limit` chars, cut after a newline when there is one; joined = text."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 1, limit) + 1 or limit
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text else pieces


def card_lines(text: str) -> list[tuple[str, bool]]:
    """Each line of `text` to show (long ones in pieces), and whether a blank line precedes it.

    A card shows a single newline as a space: lines become TextBlocks of their own.
    """
    lines: list[tuple[str, bool]] = []
    gap = False
    for line in text.splitlines():
        if not line.strip():
            gap = bool(lines)
            continue
        lines += [(piece, gap and n == 0) for n, piece in enumerate(split_text(line))]
        gap = False
    return lines


def fact_title(text: str) -> str:
    """A FactSet title: a short one never breaks (the renderer squeezes the title column to
    its longest word, so "Assigned to" would take two lines)."""
    shown = card_markdown(text)
    return shown.replace(" ", "\u00a0") if len(text) <= _KEEP_TOGETHER else shown


def fact_value(text: str) -> str:
    """A FactSet value is one TextBlock: each of its lines becomes a paragraph."""
    return "\n\n".join(card_markdown(line) for line, _ in card_lines(text)) or "-"

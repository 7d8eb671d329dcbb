"""Slack mrkdwn text: escaping, so text shows as typed, and cutting it to a length."""

from __future__ import annotations

_ELLIPSIS = "…"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<` and `>` so Slack shows the text as typed (mentions included)."""
    # Three replaces (the & first), not a join over characters: this runs on every text of
    # every answer, and is ten times faster (docs/performance.md).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, *, mrkdwn: bool = True) -> str:
    """The text (escaped when `mrkdwn`) cut to `limit` characters, ending in "…" if cut."""
    out = escape_mrkdwn(text) if mrkdwn else text
    if len(out) <= limit:
        return out
    head, _ = cut(text, limit - 1, mrkdwn)
    return (escape_mrkdwn(head) if mrkdwn else head) + _ELLIPSIS


def cut(text: str, budget: int, mrkdwn: bool = True) -> tuple[str, str]:
    """Split `text` after its longest prefix whose rendered length is within `budget`."""
    if not mrkdwn:
        return text[:budget], text[budget:]
    if len(text) <= budget and len(escape_mrkdwn(text)) <= budget:
        return text, ""  # the common case, without a walk over every character
    used = 0
    for index, ch in enumerate(text):
        used += len(_ESCAPES.get(ch, ch))
        if used > budget:
            return text[:index], text[index:]
    return text, ""

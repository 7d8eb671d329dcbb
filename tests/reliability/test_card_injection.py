"""Names people control (a review's, an account's) cannot put links or emphasis on a Teams card.

Every card text is read as a markdown client would (CommonMark, which Teams' web client
follows): no link, emphasis, list, heading or HTML tag may come out of it, and the names
must read exactly as typed.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt
from sqlmodel import select

from models import Campaign
from tests.handlers.teams.cardcheck import walk
from tests.reliability.world import PEOPLE, World

REVIEW = "[Approve all](https://evil.test/approve)"
ACCOUNTS = {
    "link": "[click here](https://evil.test/login)",
    "emphasis": "**URGENT** keep _everyone_",
    "mention": "<at>Ana Ruiz</at>",
    "autolink": "<https://evil.test/x>",
    "image": "![logo](https://evil.test/pixel.png)",
    "list": "1. keep",
}
_MARKDOWN = MarkdownIt("commonmark")
_ONLY = {"p", "br", "code"}  # paragraphs and line breaks; `code` shows its text literally


def _rendered(text: str) -> tuple[set[str], str]:
    """The HTML tags a markdown client would produce for `text`, and the words it shows."""
    out = _MARKDOWN.render(text)
    tags = set(re.findall(r"</?([a-z][a-z0-9]*)", out))
    return tags, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", out)).split())


def _card_texts(world: World) -> list[str]:
    texts: list[str] = []
    for activity in world.connector.sent_activities():
        for attachment in activity.get("attachments") or []:
            for node in walk(attachment.get("content") or {}):
                if node.get("type") == "TextBlock":
                    texts.append(str(node["text"]))
                for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
                    texts += [str(fact["title"]), str(fact["value"])]
    return texts


def _start_review(world: World) -> None:
    rows = "".join(f'"{name}",,GitHub,ana@acme.test\n' for name in ACCOUNTS.values())
    data: dict[str, Any] = {
        "action_id": "review_start",
        "review_name": REVIEW,
        "review_reviewer": PEOPLE["member"].email,
        "review_control": "CC6.1-AR",
        "review_csv": "account,email,system,system_owner\n" + rows,
    }
    assert world.teams_submit(data, role="admin").status_code in (200, 201)
    with world.db.session() as session:
        assert session.exec(select(Campaign).where(Campaign.name == REVIEW)).one()


def test_review_and_account_names_render_literally_on_teams_cards(world: World) -> None:
    _start_review(world)
    world.teams_say("mine", role="member")  # the reviewer's list names the review too
    texts = _card_texts(world)
    assert texts, "no card was sent"
    problems = []
    for text in texts:
        tags, _ = _rendered(text)
        if tags - _ONLY:
            problems.append(f"{sorted(tags - _ONLY)} from {text!r}")
    assert not problems, "\n".join(problems)
    shown = " ".join(_rendered(t)[1] for t in texts)
    for name in [REVIEW, *ACCOUNTS.values()]:
        assert name in shown, f"{name!r} does not read as typed"

"""The same command, typed by the same person, says the same facts on Slack and on Teams.

One app serves both platforms over HTTP (signed Slack requests, Bot Framework activities to a
fake connector). Each command's neutral message, computed once more by the core, lists the
facts; every one of them must show in Slack's blocks and in Teams' card.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.messages import Message
from models import Platform, utcnow
from tests.handlers.slack.conftest import SlackScenario, fake_slack, make_scenario
from tests.handlers.teams.activities import message_activity
from tests.handlers.teams.cardcheck import assert_valid_card, card_text
from tests.handlers.teams.conftest import assert_all_cards_valid
from tests.handlers.teams.fake_connector import FakeConnector

__all__ = ["fake_slack", "make_scenario"]  # the Slack scenario fixtures, used here too
COMMANDS = ["help", "status", "mine", "controls", "controls access", "control CC6.1-AR",
            "audit CC6.1-AR", "whoami", "control NOPE-1", "stauts"]  # fmt: skip
# Slack may emphasise text; the facts are compared without the markup either adds.
_MARKUP = re.compile(r"[*_`~]")


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        fake.add_member(
            aad_object_id="aad-raj",
            user_id="29:1raj",
            name="Raj Iyer",
            email="raj@acme.test",
            upn="raj@acme.test",
        )
        yield fake
        assert_all_cards_valid(fake)


@pytest.fixture
def both(make_scenario: Callable[..., SlackScenario]) -> SlackScenario:
    return make_scenario(teams_allow_unauthenticated=True)


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub("", html.unescape(text)).split())


def _slack_text(node: Any) -> str:
    if isinstance(node, dict):
        return " ".join(_slack_text(v) for k, v in node.items() if k not in ("action_id", "value"))
    if isinstance(node, list):
        return " ".join(_slack_text(v) for v in node)
    return node if isinstance(node, str) else ""


def facts(message: Message) -> list[str]:
    """What a reader must find on either platform: titles, fields, headings, list lines."""
    found = [message.title or "", message.text or "", message.footer or ""]
    found += [f"{f.label} {f.value}" for f in message.fields]
    for section in message.sections:
        found += [section.heading or "", section.text or ""]
        found += [f"{f.label} {f.value}" for f in section.fields]
        found += [i.text for i in section.items]
    found += [i.text for i in message.items]
    # Long texts are compared by their first line: each platform wraps and clips differently.
    return [_plain(f.splitlines()[0])[:80] for f in found if f.strip()]


def _label_value_split(fact: str, text: str) -> bool:
    """A field shows as "Label: value" on Slack and as a FactSet row on Teams."""
    return all(part in text for part in fact.split(" ", 1))


def _shows(fact: str, text: str) -> bool:
    return fact in text or _label_value_split(fact, text)


def teams_card(both: SlackScenario, connector: FakeConnector, text: str) -> dict[str, Any]:
    connector.clear()
    activity = message_activity(text, service_url=connector.service_url, name="Raj Iyer")
    response = both.client.post("/api/messages", json=activity)
    assert response.status_code in (200, 201), response.text
    for sent in reversed(connector.sent_activities()):
        for attachment in sent.get("attachments") or []:
            return dict(attachment["content"])
        return {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": sent.get("text")}],
        }
    raise AssertionError(f"Teams got no answer to {text!r}")


@pytest.mark.parametrize("command", COMMANDS)
def test_the_same_command_says_the_same_facts_on_slack_and_teams(
    both: SlackScenario, connector: FakeConnector, command: str
) -> None:
    both.command("whoami", user="URAJ")  # links Raj on both platforms before comparing
    teams_card(both, connector, "whoami")

    slack_answer = both.command(command, user="URAJ").json()
    slack = _plain(_slack_text(slack_answer.get("blocks") or slack_answer.get("text")))
    card = teams_card(both, connector, command)
    if card.get("actions") or card.get("$schema"):
        assert_valid_card(card)
    teams = _plain(card_text(card))

    # Each platform's facts in its own syntax (help's examples, how to type a command).
    for platform, shown in ((Platform.SLACK, slack), (Platform.TEAMS, teams)):
        expected = _expected(both, command, platform)
        assert expected, f"{command!r} produced no facts to compare"
        for fact in expected:
            if fact.startswith("Linked:") or "slack" in fact.lower() or "teams" in fact.lower():
                continue  # whoami lists the caller's chat ids; each platform links its own
            assert _shows(fact, shown), f"{platform}'s answer to {command!r} lacks {fact!r}"


def _expected(both: SlackScenario, command: str, platform: Platform) -> list[str]:
    """The facts the core says for this command, as Raj on `platform` (errors are facts too)."""
    db = both.client.app.state.db  # type: ignore[attr-defined]
    with db.session() as session:
        from bot.people.services import find_person_by_chat_id

        raj = find_person_by_chat_id(session=session, platform=Platform.SLACK, external_id="URAJ")
        assert raj is not None
        actor = Actor.for_person(raj, platform=platform, platform_id="URAJ")
    try:
        message = run_command(parse_command(command), CommandContext(db, actor, utcnow()))
    except Exception as error:  # a user error: its friendly text is what both must say
        text = getattr(error, "message", str(error))
        return [_plain(text.splitlines()[0])[:80]]
    return facts(message)

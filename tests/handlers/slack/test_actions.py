"""Buttons: mark done with the stored statement, attach evidence, paging, permission denials."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from bot.core.db import Database
from models import Evidence, Occurrence, OccurrenceStatus
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.signing import block_action_payload


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def buttons(slack: SlackScenario, user: str, text: str = "mine") -> list[dict[str, Any]]:
    blocks = slack.command(text, user=user).json()["blocks"]
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def click(slack: SlackScenario, button: dict[str, Any], user: str, **kw: Any) -> int:
    payload = block_action_payload(
        action_id=button["action_id"], value=button["value"], user_id=user, **kw
    )
    payload["container"]["is_ephemeral"] = kw.get("ephemeral", True)
    return int(slack.interact(payload).status_code)


def test_mark_done_stores_the_confirmed_statement_and_redraws_the_list(
    slack: SlackScenario,
) -> None:
    done = next(b for b in buttons(slack, "URAJ") if b["action_id"].startswith("occ_done:"))
    assert click(slack, done, "URAJ") == 200
    # The redraw and the confirmation go out side by side after the answer: in either order.
    posted = slack.wait_for("response_url", 2)[-2:]
    replaced = next(c for c in posted if c.args.get("replace_original") is True)
    confirmation = next(c for c in posted if c is not replaced)
    assert replaced.args["replace_original"] is True
    assert_blockkit_limits(replaced.args["blocks"])
    occurrence_id = int(done["value"])
    with db_of(slack).session() as session:
        occ = session.get(Occurrence, occurrence_id)
        ev = session.exec(select(Evidence).where(Evidence.occurrence_id == occurrence_id)).one()
    assert occ is not None and occ.status is OccurrenceStatus.DONE
    assert ev.statement == done["confirm"]["text"]["text"]  # what the dialog showed, verbatim
    assert "Recorded your confirmation" in confirmation.args["text"]


def test_clicking_someone_elses_button_is_refused_ephemerally(slack: SlackScenario) -> None:
    done = next(b for b in buttons(slack, "URAJ") if b["action_id"].startswith("occ_done:"))
    assert click(slack, done, "UEVE") == 200
    answer = slack.wait_for("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and "owner or assignee" in answer["text"]
    with db_of(slack).session() as session:
        assert session.exec(select(Evidence)).all() == []


def test_attach_evidence_button_opens_the_modal(slack: SlackScenario) -> None:
    attach = next(b for b in buttons(slack, "URAJ") if b["action_id"].startswith("occ_attach:"))
    assert click(slack, attach, "URAJ") == 200
    view = slack.wait_for("views.open")[-1].args["view"]
    meta = json.loads(view["private_metadata"])
    assert meta["occurrence"] == int(attach["value"]) and meta["response_url"]


def test_two_hundred_tasks_in_mine_page_with_a_more_button(
    make_scenario: Callable[..., SlackScenario],
) -> None:
    slack = make_scenario(extra_tasks=200)
    seen: list[str] = []
    blocks = slack.command("mine", user="URAJ").json()["blocks"]
    for _ in range(20):
        assert_blockkit_limits(blocks)
        seen += [
            e["value"]
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"].startswith("occ_done:")
        ]
        more = [
            e
            for b in blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "page_more"
        ]
        if not more:
            break
        click(slack, more[0], "URAJ")
        blocks = slack.wait_for("response_url")[-1].args["blocks"]
        slack.fake.clear()
    assert len(seen) == len(set(seen)) >= 200  # every task once, none lost between pages

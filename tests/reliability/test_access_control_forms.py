"""Access control of forms and edited buttons: §7 holds for submissions and forged ids too.

Snooze and review-start forms and the Slack evidence modal, submitted by every role on both
platforms; and ids in buttons, checked against the clicker, never trusted.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.catalog.controls import assign_owner
from models import Person
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.reliability.access_matrix import (
    ADMIN_OR_OWNER,
    Fixture,
    actor_of,
    attempt,
    judge,
    ordered,
    slack_review_start,
    slack_snooze,
    teams_review_start,
    teams_snooze,
)
from tests.reliability.world import PEOPLE, World

# Forms submitted from a button: Slack modals (view_submission), Teams Action.Submit cards.
FORMS = {
    "snooze": frozenset(ADMIN_OR_OWNER),
    # Start a campaign: admins, and the owner of the control it is for (Raj, CC6.1-AR).
    "review_start": frozenset(ADMIN_OR_OWNER),
}


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_every_form_submission_by_every_role_follows_the_permission_matrix(
    fx: Fixture, platform: str
) -> None:
    world, problems = fx.world, []
    snooze = slack_snooze if platform == "slack" else teams_snooze
    start = slack_review_start if platform == "slack" else teams_review_start
    for role in ordered(FORMS["snooze"]):
        allowed = role in FORMS["snooze"]
        occurrence = fx.take() if allowed else fx.any_open()
        out = attempt(world, snooze, world, occurrence, role)
        problems += judge(f"{platform} snooze form #{occurrence}", role, allowed, allowed, out)
    for role in ordered(FORMS["review_start"]):
        allowed = role in FORMS["review_start"]
        out = attempt(world, start, world, role)
        problems += judge(f"{platform} review start form", role, allowed, allowed, out)
    assert not problems, "\n".join(problems)


def test_slack_evidence_modal_stores_files_only_for_admin_or_owner(fx: Fixture) -> None:
    world, problems = fx.world, []
    pdf = b"%PDF-1.7\n" + b"restore test passed\n" * 20
    for role in ordered(ADMIN_OR_OWNER):
        allowed = role in ADMIN_OR_OWNER
        occurrence = fx.take() if allowed else fx.any_open()
        file = world.fake.add_file(pdf + role.encode(), name=f"{role}.pdf")
        values = {"evidence_files": {"files": {"type": "file_input", "files": [file]}}}
        payload = view_submission_payload(
            callback_id="evidence_submit", values=values,
            private_metadata=json.dumps({"occurrence": occurrence}),
            user_id=PEOPLE[role].slack_id,
        )  # fmt: skip
        settle = lambda: bool(world.fake.calls_to("chat.postMessage"))  # noqa: E731
        out = attempt(world, world.slack.interact, payload, settle=settle)
        problems += judge(f"slack evidence modal #{occurrence}", role, allowed, allowed, out)
        if not allowed and world.fake.downloads:
            problems.append(f"evidence modal by {role}: the file was downloaded before refusing")
    assert not problems, "\n".join(problems)


# --- ids in buttons are checked against the clicker, never trusted ----------------------------


def _eves_work(world: World) -> list[int]:
    with world.db.transaction() as s:
        eve = s.exec(select(Person).where(Person.email == "eve@acme.test")).one()
        assign_owner(session=s, actor=actor_of(world, "admin"), key="CC7.1-VULN", person=eve)
    return world.open_occurrences("member")


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_a_member_who_edits_a_button_to_point_at_someone_elses_work_is_refused(
    fx: Fixture, platform: str
) -> None:
    world = fx.world
    own, rajs = _eves_work(world)[0], fx.any_open()
    edits = [  # Eve's own button, with the occurrence id changed in every place it appears
        ("occ_done", rajs, own),
        ("occ_attach", rajs, own),
        ("occ_snooze", rajs, own),
        ("occ_done", rajs, rajs),
    ]
    for name, in_id, in_value in edits:
        if platform == "slack":
            payload = block_action_payload(
                action_id=f"{name}:{in_id}", value=str(in_value), user_id="UEVE"
            )
            out = attempt(world, world.slack.interact, payload)
        else:
            data = {"action_id": f"{name}:{in_id}", "value": str(in_value)}
            out = attempt(world, world.teams_submit, data, "member")
        assert not judge(f"{name}:{in_id}", "member", False, False, out), out
    # page_more runs its text as the clicker: a forged `skip` in it is still refused
    forged = f"skip #{rajs} forged by a button"
    if platform == "slack":
        payload = block_action_payload(
            action_id="page_more", value=json.dumps({"t": forged, "p": 0}), user_id="UEVE"
        )
        out = attempt(world, world.slack.interact, payload)
    else:
        data = {"action_id": "page_more", "value": forged, "page": 0}
        out = attempt(world, world.teams_submit, data, "member")
    assert not judge("page_more(skip)", "member", False, False, out), out
    # and the unedited button works for her (her task takes a file: Snooze opens its form)
    if platform == "slack":
        payload = block_action_payload(
            action_id=f"occ_snooze:{own}", value=str(own), user_id="UEVE"
        )
        out = attempt(world, world.slack.interact, payload)
        assert world.fake.calls_to("views.open"), out
    else:
        data = {"action_id": f"occ_snooze:{own}"}
        out = attempt(world, world.teams_submit, data, "member")
        assert "Snooze #" in out.said, out
    assert not judge(f"occ_snooze:{own}", "member", True, False, out), out

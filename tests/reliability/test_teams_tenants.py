"""Teams tenant isolation (spec §7): only home tenants are served; strangers and guests are
refused politely, are never linked to a person by email, and leave nothing behind."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from handlers.cli import app as cli
from models import ChatIdentity, ConversationRef, InboundEvent
from tests.handlers.teams.activities import (
    card_submit_activity,
    conversation_update_activity,
    invoke_activity,
    message_activity,
)
from tests.reliability.world import PEOPLE, World, changed

HOME, PARTNER, FOREIGN = "tenant-1", "tenant-2", "tenant-evil"
REFUSED = "soc2bot only works for members of this organisation"
# Mallory's own tenant lists her with the admin's email: email alone must link no one.
MALLORY: dict[str, Any] = {"user_id": "29:1mal", "aad_object_id": "aad-mal", "name": "Ana Ruiz"}
_ids = itertools.count(1)


@pytest.fixture
def home(make_world: Callable[..., World]) -> World:
    world = make_world(microsoft_app_tenant_id=HOME)
    world.connector.add_member(
        aad_object_id="aad-mal", user_id="29:1mal", name="Ana Ruiz",
        email=PEOPLE["admin"].email, tenant_id=FOREIGN,
    )  # fmt: skip
    return world


def mallory(world: World, build: Callable[..., dict[str, Any]], *args: Any, **kw: Any) -> Any:
    """Post an activity from Mallory's tenant (channelData and conversation both name it)."""
    activity = build(
        *args, service_url=world.connector.service_url, conversation_id="a:personal-mal",
        tenant_id=kw.pop("tenant_id", FOREIGN), activity_id=f"mal-{next(_ids)}",
        **{**MALLORY, **kw},
    )  # fmt: skip
    return activity, world.teams_post(activity)


def left_no_trace(world: World, activity: dict[str, Any], before: dict[str, str]) -> None:
    """No state change, and not even the delivery, the conversation or an identity is kept."""
    assert changed(before, world.fingerprint()) == []
    with world.db.session() as session:
        assert (
            session.exec(select(InboundEvent).where(InboundEvent.event_id == activity["id"])).all()
            == []
        )
        keys = session.exec(select(ConversationRef.key)).all()
        assert not [k for k in keys if "mal" in k], keys
        ids = session.exec(select(ChatIdentity.external_id)).all()
        assert "aad-mal" not in ids and "29:1mal" not in ids
    # Nobody asked Teams who the stranger is: the refusal comes before any member lookup.
    assert world.connector.calls_to("GET") == []


def test_a_foreign_user_with_the_admins_email_cannot_skip_work_and_is_not_linked(
    home: World,
) -> None:
    occurrence = home.open_occurrences("owner")[0]
    before = home.fingerprint()
    activity, response = mallory(home, message_activity, f"skip #{occurrence} not needed")
    assert response.status_code in (200, 201), response.text
    assert REFUSED in home.teams_texts()
    assert "skipped" not in home.teams_texts().lower()
    left_no_trace(home, activity, before)


def test_a_foreign_user_gets_no_member_read_access(home: World) -> None:
    before = home.fingerprint()
    activity, response = mallory(home, message_activity, "status")
    assert response.status_code in (200, 201)
    [reply] = home.connector.sent_activities()
    assert REFUSED in reply["text"] and not reply.get("attachments")  # no status card
    left_no_trace(home, activity, before)


def test_a_foreign_card_button_is_refused_as_a_submit_and_as_an_invoke(home: World) -> None:
    occurrence = home.open_occurrences("owner")[0]
    before = home.fingerprint()
    data = {"action_id": f"occ_done:{occurrence}"}
    submit, response = mallory(home, card_submit_activity, data)
    assert response.status_code in (200, 201) and REFUSED in home.teams_texts()
    left_no_trace(home, submit, before)
    home.connector.clear()
    invoke, response = mallory(home, invoke_activity, data)
    assert response.status_code == 200
    assert REFUSED in json.dumps(response.json())  # the invoke's own answer, not a post
    assert home.connector.sent_activities() == []
    left_no_trace(home, invoke, before)


def test_an_activity_naming_a_home_and_a_foreign_tenant_is_refused(home: World) -> None:
    before = home.fingerprint()
    activity = message_activity(
        "whoami", service_url=home.connector.service_url, conversation_id="a:personal-mal",
        activity_id="mixed-1", tenant_id=HOME, **MALLORY,
    )  # fmt: skip
    activity["conversation"]["tenantId"] = FOREIGN
    assert home.teams_post(activity).status_code in (200, 201)
    assert REFUSED in home.teams_texts()
    left_no_trace(home, activity, before)


def test_the_bot_installed_in_a_foreign_tenant_records_nothing_and_says_nothing(
    home: World,
) -> None:
    before = home.fingerprint()
    activity, response = mallory(home, conversation_update_activity)
    assert response.status_code in (200, 201)
    assert home.connector.calls == []
    left_no_trace(home, activity, before)


def test_a_guest_of_the_home_tenant_is_refused_and_never_linked(home: World) -> None:
    home.connector.add_member(
        aad_object_id="aad-mal", user_id="29:1mal", name="Ana Ruiz",
        email=PEOPLE["admin"].email, tenant_id=HOME, user_role="guest",
    )  # fmt: skip
    occurrence = home.open_occurrences("owner")[0]
    before = home.fingerprint()
    activity, response = mallory(home, message_activity, f"skip #{occurrence} x", tenant_id=HOME)
    assert response.status_code in (200, 201)
    assert REFUSED in home.teams_texts() and "guest" in home.teams_texts()
    assert changed(before, home.fingerprint()) == []
    with home.db.session() as session:
        assert "aad-mal" not in session.exec(select(ChatIdentity.external_id)).all()
        keys = session.exec(select(ConversationRef.key)).all()
        assert not [k for k in keys if "mal" in k], keys  # no way to reach them later either


def test_an_allowed_second_tenant_of_a_multitenant_bot_is_served(
    make_world: Callable[..., World],
) -> None:
    world = make_world(microsoft_app_tenant_id=HOME, teams_allowed_tenants=PARTNER)
    world.connector.add_member(
        aad_object_id="aad-pat", user_id="29:1pat", name="Pat Partner",
        email="pat@partner.test", tenant_id=PARTNER,
    )  # fmt: skip
    activity = message_activity(
        "whoami", service_url=world.connector.service_url, user_id="29:1pat",
        aad_object_id="aad-pat", name="Pat Partner", conversation_id="a:personal-pat",
        tenant_id=PARTNER,
    )  # fmt: skip
    assert world.teams_post(activity).status_code in (200, 201)
    texts = world.teams_texts()
    assert "pat@partner.test" in texts and REFUSED not in texts
    with world.db.session() as session:
        assert "aad-pat" in session.exec(select(ChatIdentity.external_id)).all()
    # The list does not open the door to everyone else.
    world.connector.clear()
    before = world.fingerprint()
    refused, _ = mallory(world, message_activity, "whoami")
    assert REFUSED in world.teams_texts()
    left_no_trace(world, refused, before)


def test_serve_refuses_a_multitenant_bot_with_no_allowed_tenant_in_production(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "SOC2BOT_EVIDENCE_URL": f"file://{tmp_path}/evidence",
        "SOC2BOT_ENV": "production",
        "MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
        "MICROSOFT_APP_PASSWORD": "app-secret",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MICROSOFT_APP_TENANT_ID", raising=False)
    monkeypatch.delenv("SOC2BOT_TEAMS_ALLOWED_TENANTS", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0
    assert "SOC2BOT_TEAMS_ALLOWED_TENANTS" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "serve.db").exists()  # refused before anything was started

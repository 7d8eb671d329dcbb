"""Images pasted into the personal chat count as evidence; the bot's token never leaks."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from handlers.teams.files import bearer_for
from models import Evidence
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.test_teams_flows import first

PNG = b"\x89PNG\r\n\x1a\n" + b"screenshot of the backup console" * 20


def test_an_inline_image_with_a_reference_is_stored_with_its_hash(teams: TeamsScenario) -> None:
    teams.connector.emulator = True  # serves images without a token, like the local Emulator
    teams.say("mine")
    ref = first(teams.last_card(), "occ_attach:")["value"]
    teams.say(f"backup restored #{ref}", attachments=[teams.connector.add_inline_image(PNG)])
    digest = hashlib.sha256(PNG).hexdigest()
    assert digest in teams.last_text()
    with teams.db.session() as session:
        [ev] = session.exec(select(Evidence).where(Evidence.occurrence_id == int(ref)))
    assert ev.sha256 == digest and ev.media_type == "image/png" and ev.platform == "teams"


def test_an_image_the_service_will_not_hand_over_is_refused_and_nothing_recorded(
    teams: TeamsScenario,
) -> None:
    # Teams itself wants the bot's token for inline images; without credentials there is none.
    teams.say("mine")
    ref = first(teams.last_card(), "occ_attach:")["value"]
    teams.say(f"#{ref}", attachments=[teams.connector.add_inline_image(PNG)])
    assert "refused the download (HTTP 401)" in teams.last_text()
    with teams.db.session() as session:
        assert session.exec(select(Evidence)).all() == []


def test_the_bot_token_goes_only_to_the_conversations_own_service() -> None:
    service = "https://smba.trafficmanager.net/emea/"
    image = "https://smba.trafficmanager.net/emea/v3/attachments/abc/views/original"
    assert bearer_for(image, service, "tok") == {"Authorization": "Bearer tok"}
    assert bearer_for("https://evil.example/x.png", service, "tok") == {}
    assert bearer_for("http://smba.trafficmanager.net/emea/x", service, "tok") == {}
    assert bearer_for(image, service, None) == {}

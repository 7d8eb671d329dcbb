"""Training rounds end to end: certificates sent from Slack and Teams, kept as evidence.

The same world as test_campaign_flows.py: one app serving both platforms over HTTP, the
outbox delivered by the real sender through both chat ports, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from sqlmodel import col, select

from bot.campaigns.rounds import start_training_round
from bot.core.actor import Actor
from models import CampaignItem, ChatMessage, Evidence, EvidenceKind, ItemDecision
from tests.handlers.campaign_world import World


def test_a_training_round_with_certificates_from_slack_and_teams(world: World) -> None:
    with world.db.transaction() as session:
        started = start_training_round(
            session=session, actor=Actor.cli(), title="Security awareness training",
            now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    campaign = started.campaign.id or 0
    world.deliver()

    # Slack: a certificate posted in the thread of the training DM.
    pdf = b"%PDF-1.7\nCertificate: Person 4, security awareness\n" * 30
    with world.db.session() as session:
        dm = session.exec(
            select(ChatMessage).where(
                ChatMessage.campaign_id == campaign, ChatMessage.channel == "DUP4"
            )  # fmt: skip
        ).one()
    file = world.slack.add_file(pdf, name="certificate.pdf", user="UP4")
    event = {"type": "message", "subtype": "file_share", "user": "UP4", "channel": "DUP4",
             "channel_type": "im", "text": "", "ts": "1700000999.000100",
             "thread_ts": dm.message_id, "files": [file]}  # fmt: skip
    assert world.slack_event(event, "EvCert1").status_code == 200
    digest = hashlib.sha256(pdf).hexdigest()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(
        digest in str(c.args.get("text")) for c in world.slack.calls_to("chat.postMessage")
    ):
        time.sleep(0.02)
    # Slack: a file sent in the DM with the round's reference.
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    file = world.slack.add_file(png, name="badge.png", mimetype="image/png", user="UP5")
    event = {"type": "message", "subtype": "file_share", "user": "UP5", "channel": "DUP5",
             "channel_type": "im", "text": f"my certificate camp-{campaign}",
             "ts": "1700001000.000100", "files": [file]}  # fmt: skip
    world.slack_event(event, "EvCert2")

    # Teams: "Attach certificate", then the file in the chat.
    button = world.teams_card_button(33, "camp_cert:")
    world.teams_submit(33, button)
    assert "Send your certificate" in world.last_teams_text(33)
    teams_pdf = b"%PDF-1.4\nCertificate: Person 33\n" * 20
    world.teams_say(33, "", attachments=[world.teams.add_file(teams_pdf, name="cert.pdf")])
    assert hashlib.sha256(teams_pdf).hexdigest() in world.last_teams_text(33)
    # Teams: the button alone.
    world.teams_submit(34, world.teams_card_button(34, "camp_done:"))

    store = world.client.app.state.evidence_store  # type: ignore[attr-defined]
    expected = {"p4@acme.test": pdf, "p5@acme.test": png, "p33@acme.test": teams_pdf}
    _wait_for_files(world, campaign, len(expected))
    with world.db.session() as session:
        rows = session.exec(
            select(Evidence, CampaignItem)
            .join(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
            .where(CampaignItem.campaign_id == campaign)
        ).all()
    files = {i.subject_email: e for e, i in rows if e.kind is EvidenceKind.FILE}
    assert files.keys() == expected.keys()
    for email, evidence in files.items():
        served = b"".join(store.open(evidence.storage_key))
        assert served == expected[email]
        assert evidence.sha256 == hashlib.sha256(served).hexdigest()
    done = {i.subject_email for _, i in rows if i.decision is ItemDecision.COMPLETED}
    assert done == {*expected, "p34@acme.test"}
    assert "Training completion by team (manager)" in world.digest_details("UANA")


def _wait_for_files(world: World, campaign: int, count: int) -> None:
    """Slack file events are handled lazily, after the HTTP answer."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with world.db.session() as session:
            found = session.exec(
                select(Evidence)
                .join(CampaignItem, col(CampaignItem.id) == Evidence.campaign_item_id)
                .where(CampaignItem.campaign_id == campaign, Evidence.kind == EvidenceKind.FILE)
            ).all()
        if len(found) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {len(found)} of {count} certificates were stored")

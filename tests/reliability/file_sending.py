"""Files sent as evidence from Slack and Teams in the world, and the objects the store kept."""

from __future__ import annotations

import time
from pathlib import Path

from tests.handlers.teams.activities import message_activity
from tests.reliability.world import PEOPLE, World

PDF = b"%PDF-1.7\n" + b"quarterly restore test: passed\n" * 30


def stored_objects(world: World) -> list[Path]:
    root = Path(world.store.root)
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]


def slack_dm_file(world: World, content: bytes, name: str, mimetype: str, ref: int) -> str:
    """Raj sends a file to the bot with the task's reference; returns what the bot answered."""
    file = world.fake.add_file(content, name=name, mimetype=mimetype, user="URAJ")
    event = {"type": "message", "subtype": "file_share", "user": "URAJ", "channel": "DURAJ",
             "channel_type": "im", "text": f"#{ref}", "ts": f"{time.time():.6f}",
             "files": [file]}  # fmt: skip
    world.fake.clear()
    assert world.slack.event(event, event_id=f"EvFile{time.monotonic_ns()}").status_code == 200
    [reply] = world.slack.wait_for("chat.postMessage")
    return str(reply.args["text"])


def teams_file(world: World, content: bytes, name: str, file_type: str, ref: int) -> str:
    who = PEOPLE["owner"]
    attachment = world.connector.add_file(content, name=name, file_type=file_type)
    activity = message_activity(
        f"#{ref}", service_url=world.connector.service_url, user_id=who.teams_id,
        aad_object_id=who.aad, name=who.name, conversation_id="a:personal-raj",
        attachments=[attachment],
    )  # fmt: skip
    world.connector.clear()
    assert world.teams_post(activity).status_code in (200, 201)
    return world.teams_texts()


def send(world: World, platform: str, content: bytes, name: str, mimetype: str, ref: int) -> str:
    if platform == "slack":
        return slack_dm_file(world, content, name, mimetype, ref)
    return teams_file(world, content, name, name.rpartition(".")[2] or "bin", ref)

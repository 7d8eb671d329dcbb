"""Download files people share in Slack (bot token, streamed) and record them as evidence."""

from __future__ import annotations

from typing import IO, Any

from bot.actor import Actor
from bot.evidence_store import EvidenceRejected, check_allowed, check_size, resolve_media_type
from bot.intake import download_to_spool, ensure_can_attach, record_file
from bot.runtime import Runtime, in_thread
from bot.settings import Settings
from models import Evidence


def precheck(deps: Runtime, file: dict[str, Any]) -> None:
    """Refuse by Slack's own metadata before downloading anything."""
    name = str(file.get("name") or "file")
    check_size(name, int(file.get("size") or 0), deps.settings.evidence_max_bytes)
    media_type = resolve_media_type(file.get("mimetype"), name)
    check_allowed(name, media_type, deps.settings.evidence_allowed_types)


async def download(deps: Runtime, file: dict[str, Any]) -> IO[bytes]:
    """The file's bytes, fetched with the bot token; Slack's HTML sign-in page is refused."""
    name = str(file.get("name") or "file")
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise EvidenceRejected(f"{name}: Slack gave no download link for this file.")
    headers = {"Authorization": f"Bearer {slack_token(deps.settings)}"}
    limit = deps.settings.evidence_max_bytes
    return await download_to_spool(url, name=name, limit=limit, platform="Slack", headers=headers)


async def attach_slack_file(
    deps: Runtime, actor: Actor, occurrence_id: int, file: dict[str, Any], note: str | None
) -> Evidence:
    """Check, download, store, hash and record one Slack file for an occurrence."""
    await in_thread(ensure_can_attach, deps, actor, occurrence_id)  # before any download
    precheck(deps, file)
    stream = await download(deps, file)
    try:
        return await in_thread(
            record_file,
            deps,
            actor,
            occurrence_id,
            stream,
            name=str(file.get("name") or "file"),
            media_type=file.get("mimetype"),
            note=note,
        )
    finally:
        stream.close()


def slack_token(settings: Settings) -> str:
    """The bot token (empty when Slack is off)."""
    token = settings.slack_bot_token
    return token.get_secret_value() if token else ""

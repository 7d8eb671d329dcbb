"""Download files people share in Slack (bot token, streamed) and record them as evidence."""

from __future__ import annotations

import tempfile
from typing import IO, Any

import aiohttp

from bot.actor import Actor
from bot.evidence_store import EvidenceRejected, check_allowed, check_size, resolve_media_type
from bot.runtime import Runtime, in_thread
from bot.services.evidence import attach_file_evidence
from bot.services.occurrences import check_can_complete, get_occurrence_or_raise
from bot.settings import Settings
from models import Evidence

CHUNK = 1024 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)


def precheck(deps: Runtime, file: dict[str, Any]) -> None:
    """Refuse by Slack's own metadata before downloading anything."""
    name = str(file.get("name") or "file")
    check_size(name, int(file.get("size") or 0), deps.settings.evidence_max_bytes)
    media_type = resolve_media_type(file.get("mimetype"), name)
    check_allowed(name, media_type, deps.settings.evidence_allowed_types)


async def download(deps: Runtime, file: dict[str, Any]) -> IO[bytes]:
    """The file's bytes in a spooled temp file; Slack's HTML login page is refused."""
    name = str(file.get("name") or "file")
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise EvidenceRejected(f"{name}: Slack gave no download link for this file.")
    sink = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 (returned open)
    headers = {"Authorization": f"Bearer {slack_token(deps.settings)}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.get(url, headers=headers) as response,
        ):
            _check_response(name, response)
            await _copy(name, response, sink, deps.settings.evidence_max_bytes)
    except BaseException:
        sink.close()
        raise
    sink.seek(0)
    return sink


def _check_response(name: str, response: aiohttp.ClientResponse) -> None:
    if response.status != 200:
        raise EvidenceRejected(f"{name}: Slack refused the download (HTTP {response.status}).")
    if response.content_type == "text/html":
        # Without files:read or the bot token Slack answers 200 with its login page.
        raise EvidenceRejected(
            f"{name}: Slack sent a login page instead of the file; "
            "check that the app has the files:read scope."
        )


async def _copy(name: str, response: aiohttp.ClientResponse, sink: IO[bytes], limit: int) -> None:
    size = 0
    async for chunk in response.content.iter_chunked(CHUNK):
        size += len(chunk)
        check_size(name, size, limit)
        sink.write(chunk)


async def attach_slack_file(
    deps: Runtime, actor: Actor, occurrence_id: int, file: dict[str, Any], note: str | None
) -> Evidence:
    """Check, download, store, hash and record one Slack file for an occurrence."""
    await in_thread(_may_complete, deps, actor, occurrence_id)  # before any download
    precheck(deps, file)
    stream = await download(deps, file)
    try:
        return await in_thread(_record, deps, actor, occurrence_id, file, stream, note)
    finally:
        stream.close()


def _may_complete(deps: Runtime, actor: Actor, occurrence_id: int) -> None:
    with deps.db.session() as session:
        occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
        check_can_complete(session, actor, occ, now=deps.clock())


def _record(
    deps: Runtime,
    actor: Actor,
    occurrence_id: int,
    file: dict[str, Any],
    stream: IO[bytes],
    note: str | None,
) -> Evidence:
    with deps.db.transaction() as session:
        return attach_file_evidence(
            session=session,
            store=deps.store,
            actor=actor,
            occurrence_id=occurrence_id,
            stream=stream,  # type: ignore[arg-type]
            original_name=str(file.get("name") or "file"),
            media_type=file.get("mimetype"),
            note=note,
            now=deps.clock(),
        )


def slack_token(settings: Settings) -> str:
    """The bot token (empty when Slack is off)."""
    token = settings.slack_bot_token
    return token.get_secret_value() if token else ""

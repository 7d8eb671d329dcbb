"""Evidence files arriving from chat: download (streamed, size-capped), check, store, record."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO

import aiohttp

from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.net_policy import FetchPolicy, UnsafeUrl, guarded_get
from bot.core.settings import Settings
from bot.evidence.services import attach_file_evidence
from bot.evidence.store import EvidenceRejected as EvidenceRejected  # adapters refuse files with it
from bot.evidence.store import check_allowed, check_size, resolve_media_type
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise
from bot.work.policy_reviews import refuse_policy_review
from models import Evidence

CHUNK = 1024 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)


async def download_to_spool(
    url: str,
    *,
    name: str,
    limit: int,
    platform: str,
    headers: dict[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> IO[bytes]:
    """The bytes at `url` in a spooled temp file; an error status or an HTML page is refused.

    With a `policy`, every hop is checked first (bot/core/net_policy.py) and a refused link becomes
    a friendly `EvidenceRejected` naming the file.
    """
    sink = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 (returned open)
    try:
        async with _get(url, headers or {}, policy) as response:
            _check_response(name, platform, response)
            size = 0
            async for chunk in response.content.iter_chunked(CHUNK):
                size += len(chunk)
                check_size(name, size, limit)  # stop reading as soon as it is too big
                sink.write(chunk)
    except UnsafeUrl as exc:
        sink.close()
        raise EvidenceRejected(f"{name}: {exc.message}") from None
    except BaseException:
        sink.close()
        raise
    sink.seek(0)
    return sink


@asynccontextmanager
async def _get(
    url: str, headers: dict[str, str], policy: FetchPolicy | None
) -> AsyncIterator[aiohttp.ClientResponse]:
    if policy is not None:
        async with guarded_get(url, policy=policy, headers=headers, timeout=TIMEOUT) as response:
            yield response
        return
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http, http.get(url, headers=headers) as r:
        yield r


def _check_response(name: str, platform: str, response: aiohttp.ClientResponse) -> None:
    if response.status != 200:
        raise EvidenceRejected(f"{name}: {platform} refused the download (HTTP {response.status}).")
    if response.content_type == "text/html":
        # Without the right token or scope Slack answers 200 with its sign-in page.
        raise EvidenceRejected(
            f"{name}: {platform} sent a login page instead of the file; "
            "check that the app has the files:read scope."
        )


def check_declared(settings: Settings, *, name: str, size: int, media_type: str | None) -> None:
    """Refuse a file by what its platform says of it (size, type) before downloading anything."""
    check_size(name, size, settings.evidence_max_bytes)
    check_allowed(name, resolve_media_type(media_type, name), settings.evidence_allowed_types)


def ensure_can_attach(runtime: Runtime, actor: Actor, occurrence_id: int) -> None:
    """Permission and state checks, run before anything is downloaded."""
    with runtime.db.session() as session:
        occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
        check_can_complete(session, actor, occ, now=runtime.clock())
        refuse_policy_review(session=session, occurrence=occ)  # its files come as versions


def record_file(
    runtime: Runtime,
    actor: Actor,
    occurrence_id: int,
    stream: IO[bytes],
    *,
    name: str,
    media_type: str | None,
    note: str | None = None,
) -> Evidence:
    """Store, hash and record a downloaded file in one transaction."""
    with runtime.db.transaction() as session:
        return attach_file_evidence(
            session=session,
            store=runtime.store,
            actor=actor,
            occurrence_id=occurrence_id,
            stream=stream,  # type: ignore[arg-type]
            original_name=name,
            media_type=media_type,
            note=note,
            now=runtime.clock(),
        )

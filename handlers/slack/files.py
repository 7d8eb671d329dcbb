"""Download files people share in Slack (bot token, streamed) and record them as evidence."""

from __future__ import annotations

import logging
from typing import IO, Any
from urllib.parse import urlsplit

from bot.chat.intake import (
    EvidenceRejected,
    check_declared,
    download_to_spool,
    ensure_can_attach,
    record_file,
)
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.net_policy import FetchPolicy, UnsafeUrl, origin_of
from bot.core.settings import Settings
from models import Evidence

log = logging.getLogger("soc2bot.slack")
# Slack's own file hosts (commercial and GovSlack): the only places the bot token goes, by https.
SLACK_FILE_HOSTS = (
    "files.slack.com",
    "files-edge.slack.com",
    "files-origin.slack.com",
    "files.slack-gov.com",
)
SERVICES = {"gdrive": "Google Drive", "dropbox": "Dropbox", "box": "Box", "onedrive": "OneDrive"}


def precheck(deps: Runtime, file: dict[str, Any]) -> None:
    """Refuse by Slack's own metadata before downloading anything."""
    name = str(file.get("name") or "file")
    download_url(deps.settings, file)
    size = int(file.get("size") or 0)
    check_declared(deps.settings, name=name, size=size, media_type=file.get("mimetype"))


async def download(deps: Runtime, file: dict[str, Any]) -> IO[bytes]:
    """The file's bytes, fetched with the bot token; Slack's HTML sign-in page is refused.

    The token goes only to Slack's file hosts (`fetch_policy`); redirects are followed by hand,
    each hop checked, and the token is sent to the first origin only.
    """
    name = str(file.get("name") or "file")
    url = download_url(deps.settings, file)
    headers = {"Authorization": f"Bearer {slack_token(deps.settings)}"}
    limit = deps.settings.evidence_max_bytes
    return await download_to_spool(
        url,
        name=name,
        limit=limit,
        platform="Slack",
        headers=headers,
        policy=fetch_policy(deps.settings),
    )


def download_url(settings: Settings, file: dict[str, Any]) -> str:
    """The link the bot token may be sent to; external files and any other host are refused."""
    name = str(file.get("name") or "file")
    if file.get("is_external") or file.get("external_type") or file.get("mode") == "external":
        service = SERVICES.get(str(file.get("external_type") or "").lower(), "another service")
        raise EvidenceRejected(
            f"{name} is stored outside Slack ({service}), so I can't fetch it. "
            "Upload the file itself."
        )
    url = file.get("url_private_download") or file.get("url_private")
    if not url:
        raise EvidenceRejected(f"{name}: Slack gave no download link for this file.")
    try:
        fetch_policy(settings).check(str(url))
    except UnsafeUrl:
        log.warning("Refused to fetch a Slack file from %r: not a Slack file host", _host(url))
        raise EvidenceRejected(
            f"{name} is stored outside Slack, so I can't fetch it. Upload the file itself."
        ) from None
    return str(url)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """https on Slack's file hosts, or exactly the configured API origin (a fake Slack in tests).

    Every redirect hop is checked against it too, and every address the names resolve to must
    be public (bot/core/net_policy.py), so the token never reaches anything else.
    """
    api = origin_of(settings.slack_api_url)
    return FetchPolicy(hosts=SLACK_FILE_HOSTS, local_origins=frozenset({api} if api else ()))


def _host(url: Any) -> str:
    try:
        return urlsplit(str(url)).hostname or "?"
    except ValueError:
        return "?"


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

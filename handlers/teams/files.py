"""Files sent to the bot in Teams: find their task, then download, store and record them."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import urlsplit

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, Attachment

from bot.chat.conversations import occurrence_for_chat_file
from bot.chat.intake import EvidenceRejected, download_to_spool, ensure_can_attach, record_file
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.net_policy import FetchPolicy, origin_of
from handlers.teams.errors import user_text

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
# Where a file sent to the bot lives: the sender's OneDrive for Business (`<tenant>-my.`) or a
# SharePoint site; its downloadUrl is pre-authenticated there. Inline images stay on the
# conversation's own service host.
FILE_HOSTS = ("*.sharepoint.com",)


def file_attachments(activity: Activity) -> list[Attachment]:
    """Files (download info) and inline images; cards and other attachments are not evidence."""
    return [
        a
        for a in activity.attachments or []
        if a.content_type == FILE_INFO or (a.content_type or "").startswith("image/")
    ]


async def handle_files(runtime: Runtime, context: TurnContext, actor: Actor) -> None:
    occurrence_id = await in_thread(
        occurrence_for_chat_file,
        runtime,
        actor,
        conversation=str(context.activity.conversation.id),
        text=context.activity.text,
    )
    if occurrence_id is None:
        await context.send_activity(
            "Which task is this file for? Press *Attach evidence* on it first, or send the file "
            "again with the task's number in the message (e.g. #123 — `mine` lists them)."
        )
        return
    lines = []
    for attachment in file_attachments(context.activity):
        try:
            lines.append(await _store(runtime, context, actor, occurrence_id, attachment))
        except Exception as exc:  # each file gets its own answer; the funnel words it
            lines.append(user_text(exc))
    await context.send_activity("\n\n".join(lines))


def _describe(attachment: Attachment) -> tuple[str, str | None, str | None]:
    content: Any = attachment.content or {}
    if attachment.content_type == FILE_INFO:
        return str(attachment.name or "file"), None, content.get("downloadUrl")
    return str(attachment.name or "image.png"), attachment.content_type, attachment.content_url


async def _store(
    runtime: Runtime, context: TurnContext, actor: Actor, occurrence_id: int, attachment: Attachment
) -> str:
    await in_thread(ensure_can_attach, runtime, actor, occurrence_id)  # before any download
    name, media_type, stream = await download_attachment(runtime, context, attachment)
    try:
        evidence = await in_thread(
            record_file, runtime, actor, occurrence_id, stream, name=name, media_type=media_type
        )
    finally:
        stream.close()
    return f"Stored {evidence.original_name} for #{occurrence_id}. SHA-256: {evidence.sha256}"


async def download_attachment(
    runtime: Runtime, context: TurnContext, attachment: Attachment
) -> tuple[str, str | None, IO[bytes]]:
    """(name, declared media type, the bytes in a spooled file) of a file sent to the bot."""
    name, media_type, url = _describe(attachment)
    if not url:
        raise EvidenceRejected(f"{name}: Teams gave no download link for this file.")
    limit = runtime.settings.evidence_max_bytes
    service_url = str(context.activity.service_url or "")
    policy = fetch_policy(service_url, inline=media_type is not None, local=_emulator(runtime))
    headers = await _download_headers(context, url) if media_type else {}
    stream = await download_to_spool(
        url, name=name, limit=limit, platform="Teams", headers=headers, policy=policy
    )
    return name, media_type, stream


def fetch_policy(service_url: str, *, inline: bool, local: bool) -> FetchPolicy:
    """Inline images come from the conversation's service host, files from SharePoint.

    `local` (the emulator and tests, never production) also lets the conversation's own
    service be a plain-http loopback address, as the Bot Framework Emulator's is.
    """
    service = origin_of(service_url)
    hosts = ((service[1],) if service else ()) if inline else FILE_HOSTS
    local_origins = frozenset({service}) if local and service else frozenset()
    return FetchPolicy(hosts=hosts, local_origins=local_origins)


def _emulator(runtime: Runtime) -> bool:
    """Unauthenticated Teams (refused in production) talks to a local emulator or a fake."""
    settings = runtime.settings
    return settings.teams_allow_unauthenticated and settings.environment != "production"


async def _download_headers(context: TurnContext, url: str) -> dict[str, str]:
    """The bot's token for an inline image, sent only to the conversation's own service."""
    token = await _bot_token(context)
    return bearer_for(url, str(context.activity.service_url or ""), token)


def bearer_for(url: str, service_url: str, token: str | None) -> dict[str, str]:
    """An Authorization header for `url` when it is on the service's host (never elsewhere)."""
    target, service = urlsplit(url), urlsplit(service_url)
    same_origin = (target.scheme, target.netloc) == (service.scheme, service.netloc)
    return {"Authorization": f"Bearer {token}"} if token and same_origin else {}


async def _bot_token(context: TurnContext) -> str | None:
    """The token the bot's connector client uses; none when running without credentials."""
    connector = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    credentials = getattr(getattr(connector, "config", None), "credentials", None)
    if not getattr(credentials, "microsoft_app_id", None):
        return None
    # MSAL's token call is blocking (it may refresh over HTTP).
    return str(await in_thread(credentials.get_access_token))  # type: ignore[union-attr]

"""A policy's new document shared in Slack: after "New version", in its review DM's thread, or
in a DM with `policy submit <id> <version>`."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.policy_files import (
    PolicyFile,
    check_policy_file,
    might_be_policy_file,
    policy_for_chat_file,
    record_policy_file,
)
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from handlers.slack.files import download, precheck
from handlers.slack.identity import resolve_actor
from models import Platform

SLACK = Platform.SLACK.value


async def policy_file_target(
    deps: Runtime, client: AsyncWebClient, event: dict[str, Any]
) -> tuple[Actor, PolicyFile] | None:
    """(sender, policy) when a shared file is a policy's new document, else None.

    In a channel only a thread counts (as for evidence); in a DM, the typed command too, and
    a file awaited there since "New version" was pressed.
    """
    direct, thread = event.get("channel_type") == "im", event.get("thread_ts")
    if not direct and not thread:
        return None
    text = event.get("text") if direct else None
    where = {"platform": SLACK, "conversation": event["channel"], "text": text}
    if not await in_thread(might_be_policy_file, deps, thread=thread, **where):
        return None
    actor = await resolve_actor(deps, client, event["user"])
    target = await in_thread(policy_for_chat_file, deps, actor, thread=thread, **where)
    return (actor, target) if target is not None else None


async def store_policy_file(
    deps: Runtime, actor: Actor, target: PolicyFile, files: list[dict[str, Any]]
) -> Message:
    """Check, download, store and submit the one file; the answer says who approves next."""
    if len(files) != 1:
        raise InvalidInput("Send the new document as one file (it is one version).")
    await in_thread(check_policy_file, deps, actor, target)  # before any download
    [file] = files
    precheck(deps, file)
    stream = await download(deps, file)
    try:
        return await in_thread(
            record_policy_file, deps, actor, target, stream,
            name=str(file.get("name") or "document"), media_type=file.get("mimetype"),
        )  # fmt: skip
    finally:
        stream.close()

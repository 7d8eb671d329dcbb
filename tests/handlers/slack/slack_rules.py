"""What real Slack refuses before doing anything: missing scopes, names where ids are needed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

# The bot scope each Web API method needs (Slack's method reference); unlisted methods need none.
NEEDS_SCOPE = {
    **dict.fromkeys(["chat.postMessage", "chat.postEphemeral", "chat.update"], "chat:write"),
    "conversations.open": "im:write",
    "users.info": "users:read",
    "users.list": "users:read",
    "users.lookupByEmail": "users:read.email",
    "files.info": "files:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
# conversations.history needs the read scope of the conversation's kind (by its id's prefix;
# a private channel has a `C…` id too nowadays, so the caller says which ids are private).
HISTORY_SCOPE = {"C": "channels:history", "G": "groups:history", "D": "im:history"}
# conversations.list needs the read scope of each conversation type asked for.
LIST_SCOPE = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
# Methods that take a conversation id only (never a `#name` or a user id), and its argument.
ID_ONLY = {
    "conversations.history": "channel",
    "chat.update": "channel",
    "files.completeUploadExternal": "channel_id",
}


def refusal(
    method: str, args: dict[str, Any], scopes: frozenset[str], private: Collection[str] = ()
) -> dict[str, Any] | None:
    """Slack's answer to a call these scopes or arguments do not allow; None when allowed.

    `private`: the ids of private channels (their history needs groups:history).
    """
    channel = str(args.get(ID_ONLY.get(method, "channel")) or "")
    if method in ID_ONLY and channel[:1] not in ("C", "G", "D"):
        return {"ok": False, "error": "channel_not_found"}  # a name or a user id
    users = str(args.get("users") or "").split(",")
    if method == "conversations.open" and any(u[:1] not in ("U", "W") for u in users):
        return {"ok": False, "error": "user_not_found"}
    needed = NEEDS_SCOPE.get(method)
    if method == "conversations.history":
        needed = "groups:history" if channel in private else HISTORY_SCOPE.get(channel[:1])
    if method == "conversations.list":
        kinds = str(args.get("types") or "public_channel").split(",")
        wanted = [LIST_SCOPE[k] for k in kinds if k in LIST_SCOPE]
        needed = next((scope for scope in wanted if scope not in scopes), None)
    if needed is None or needed in scopes:
        return None
    provided = ",".join(sorted(scopes))
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": provided}

"""`policies`, `policy <id>` and the owners' and approvers' typed forms, in chat and `ask`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlmodel import Session

from bot.chat.refs import Args, UsageError, is_keyword, shown
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput
from bot.core.messages import Message
from bot.core.permissions import Action, require
from bot.policies import records
from bot.policies.approvals import decide_version
from bot.policies.intake import receive_document
from bot.policies.messages import decided_view, submitted_view
from bot.policies.notices import asked
from bot.policies.reading import list_policies, policy_detail
from bot.policies.views import policies_view, policy_view

PolicyVerb = Literal["list", "show", "submit", "approve", "changes"]
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.A)
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class PolicyCommand:
    """`policies` / `policy` (the list), `policy <id>`, `policy submit <id> <version>
    [link <url> sha256 <hex>]`, `policy approve <id> [comment]`, `policy changes <id> <comment>`."""

    verb: PolicyVerb
    key: str | None = None
    version: str | None = None
    link: str | None = None
    sha256: str | None = None
    comment: str | None = None


def _key(text: str) -> str:
    if not _KEY.fullmatch(text.strip()):
        raise UsageError(f"{shown(text)} is not a policy id — `policies` lists them.")
    return text.strip().lower()


def parse_policy(args: Args) -> PolicyCommand:
    """The words after `policy` (or `policies`)."""
    toks = list(args.tokens)
    if not toks:
        return PolicyCommand("list")
    rest = Args(args.text, toks[1:])
    if is_keyword(toks[0], "submit"):
        return _submit(rest)
    if is_keyword(toks[0], "approve", "changes"):
        verb: PolicyVerb = "approve" if is_keyword(toks[0], "approve") else "changes"
        if not rest.tokens:
            raise UsageError("Which policy? Name it, like `policy approve access-control`.")
        comment = rest.rest(1) or None
        if verb == "changes" and comment is None:
            raise UsageError("Say what should change, after the policy's id.")
        return PolicyCommand(verb, _key(rest.tokens[0].text), comment=comment)
    (key,) = args.exactly(1, ["the policy id"])
    return PolicyCommand("show", _key(key))


def _submit(args: Args) -> PolicyCommand:
    toks = [t.text for t in args.tokens]
    if len(toks) < 2:
        raise UsageError("Name the policy and the new version, like `policy submit access 1.1`.")
    key, version, options = _key(toks[0]), toks[1], toks[2:]
    link = sha = None
    while options:
        word = options.pop(0)
        if word.casefold() not in ("link", "sha256") or not options:
            raise UsageError(f"I didn't expect {shown(word)} there: `link <url> sha256 <hex>`.")
        value = options.pop(0)
        if word.casefold() == "link":
            found = _SLACK_LINK.fullmatch(value)
            link = found.group(1) if found else value
        else:
            sha = value
    if (link is None) != (sha is None):
        raise UsageError("A linked document needs both `link <url>` and `sha256 <hex>`.")
    return PolicyCommand("submit", key, version=version, link=link, sha256=sha)


class Context(Protocol):
    """What `policy` needs of the dispatcher's command context."""

    @property
    def db(self) -> Database: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def now(self) -> dt.datetime: ...
    def zone(self, session: Session) -> dt.tzinfo: ...


def answer_policy(intent: PolicyCommand, ctx: Context) -> Message:
    """Read a policy or the list (anyone), or act as its owner or approver (one transaction:
    a refusal records nothing)."""
    if intent.verb in ("list", "show"):
        require(ctx.actor, Action.VIEW)
        with ctx.db.session() as session:
            if intent.verb == "list":
                return policies_view(list_policies(session=session, now=ctx.now))
            detail = policy_detail(session=session, key=intent.key or "", now=ctx.now)
            return policy_view(detail, zone=ctx.zone(session))
    if intent.verb == "submit":
        return _submit_typed(intent, ctx)
    with ctx.db.transaction() as session:
        policy = records.get_policy_or_raise(session=session, key=intent.key or "")
        pending = records.in_flight(session=session, policy=policy)
        if pending is None:
            raise Conflict(f"No version of {policy.title} is waiting for approval.")
        decided = decide_version(
            session=session, actor=ctx.actor, version_id=pending.id or 0,
            approve=intent.verb == "approve", now=ctx.now, comment=intent.comment,
        )  # fmt: skip
    return decided_view(decided)


def _submit_typed(intent: PolicyCommand, ctx: Context) -> Message:
    if intent.link is None:
        raise InvalidInput(
            "Attach the document: send it to me as a file with "
            f"`policy submit {intent.key} {intent.version}` in the message, "
            "or add `link <url> sha256 <hex>` for a document kept elsewhere."
        )
    with ctx.db.transaction() as session:
        version = receive_document(
            session=session, actor=ctx.actor, policy_key=intent.key or "",
            version=intent.version, now=ctx.now, link=intent.link, sha256=intent.sha256,
        )  # fmt: skip
        policy = records.get_policy_or_raise(session=session, key=intent.key or "")
        request, approver, reached = asked(session=session, policy=policy, version=version)
    return submitted_view(request, approver=approver, reachable=reached)

"""One listener shape for every button: commit, acknowledge, then call Slack in the background."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import SoC2BotError
from bot.people.linking import ChatUser, NotLinked, linked_actor
from handlers.slack.background import FollowUps, Step, checked
from handlers.slack.errors import tell_clicker
from handlers.slack.identity import resolve_actor
from models import Platform

Handler = Callable[..., Awaitable[None]]


@dataclass
class Click:
    """A button press, with what the decision step may need.

    `known` is the clicker when already resolved. A one-trip decision has the core resolve
    them in its own transaction (`actor_in`): one session and one worker-thread trip per click.
    """

    deps: Runtime
    known: Actor | None
    body: dict[str, Any]
    action: dict[str, Any]
    client: AsyncWebClient
    respond: Any  # Bolt's respond; it needs the click's response_url (none on App Home)
    follow_ups: FollowUps
    clicker: ChatUser = field(init=False)

    def __post_init__(self) -> None:
        self.clicker = ChatUser(Platform.SLACK, self.user_id, self.known)

    @property
    def actor(self) -> Actor:
        """The clicker (resolved before the decision, or by `actor_in` during it)."""
        if self.clicker.actor is None:
            raise NotLinked(self.user_id)
        return self.clicker.actor

    @property
    def actor_in(self) -> ChatUser:
        """The clicker as the core looks them up in the decision's own session (`NotLinked`
        when not linked: nothing was done, they are linked after the ack)."""
        return self.clicker

    @property
    def user_id(self) -> str:
        return str(self.body["user"]["id"])

    @property
    def container(self) -> dict[str, Any]:
        return self.body.get("container") or {}

    @property
    def message_key(self) -> str:
        """Which message carried the button (for one redraw at a time)."""
        return f"{self.container.get('channel_id')}:{self.container.get('message_ts')}"

    def number(self, position: int = 1) -> int:
        """The numeric part of an action id such as `occ_done:12#3` (position 1 → 12)."""
        return int(self.action["action_id"].split("#", 1)[0].split(":")[position])

    def reply(self, **fields: Any) -> Step:
        """A follow-up that posts to the click's response_url (429/5xx are retried)."""

        async def post() -> None:
            url = self.body.get("response_url")
            if not isinstance(url, str):
                checked(await self.respond(**fields))  # raises: no response_url here
                return
            hook = AsyncWebhookClient(url, session=self.follow_ups.session())
            checked(await hook.send(**fields))

        return post


# Runs before the ack: checks, commits the state change, and returns the Slack calls to make
# afterwards. It must not call Slack itself.
Decide = Callable[[Click], Awaitable[list[Step]]]


def on_click(
    deps: Runtime, follow_ups: FollowUps, decide: Decide, *, one_trip: bool = False
) -> Handler:
    """A Bolt action listener: the decision is committed, Slack gets its answer, then the rest.

    With `process_before_response=True` Bolt answers Slack only when the listener returns, so
    every Slack call is started as a follow-up and none is awaited here. `one_trip`: the
    decision resolves the clicker in its own transaction (`Click.actor_in`), the hot buttons'
    path; otherwise the clicker is looked up first.
    """

    async def listener(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        def click(actor: Actor | None) -> Click:
            return Click(deps, actor, body, action, client, respond, follow_ups)

        async def tell(refused: SoC2BotError) -> None:
            await tell_clicker(client, body, respond, refused.user_text())

        steps: list[Step] | None = None  # None: not linked yet
        user_id = str(body["user"]["id"])
        try:
            actor = None if one_trip else await in_thread(_linked, deps, user_id)
            if actor is not None or one_trip:
                steps = await decide(click(actor))
        except NotLinked:  # raised before anything was recorded (its transaction rolled back)
            pass
        except Exception:
            await ack()  # Slack's answer stays empty; the error handler tells them after it
            raise
        await ack()
        if steps is None:
            # Linking a newcomer asks Slack (users.info): after the ack, decision included.
            async def first_contact() -> None:
                steps = await decide(click(await resolve_actor(deps, client, user_id)))
                follow_ups.start(steps, tell=tell)

            follow_ups.start([first_contact], tell=tell, once=True)
            return
        follow_ups.start(steps, tell=tell)

    return listener


def _linked(deps: Runtime, user_id: str) -> Actor | None:
    return linked_actor(deps.db, platform=Platform.SLACK, external_id=user_id)

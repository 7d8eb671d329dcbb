"""`export` in Teams: answer at once, build the bundle in the background, then say where it is.

Teams lets a bot hand over a file only through a consent card and the person's OneDrive, so
the answer is the bundle's summary with a signed download link (when SOC2BOT_PUBLIC_URL and
SOC2BOT_SECRET_KEY are set) and its place on the server; Slack gets the file itself.
"""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot import commands as c
from bot.actor import Actor
from bot.export_jobs import build_requested_bundle, run_in_background
from bot.export_links import bundle_link
from bot.permissions import Action, require
from bot.runtime import Runtime
from bot.views_export import export_view
from handlers.teams.errors import user_text
from handlers.teams.replies import card_activity


async def start_export(
    runtime: Runtime, context: TurnContext, actor: Actor, intent: c.Export
) -> None:
    """Refuse at once without the permission; else acknowledge and build in the background."""
    require(actor, Action.EXPORT)
    await context.send_activity(
        f"Building the evidence bundle for {intent.start} to {intent.end}; "
        "I will post it here when it is ready."
    )
    reference = TurnContext.get_conversation_reference(context.activity)
    app_id = runtime.settings.microsoft_app_id or ""

    async def deliver() -> None:
        try:
            summary = await build_requested_bundle(runtime, actor, intent)
            link = bundle_link(runtime.settings, summary.path, runtime.clock())
            activity = card_activity(export_view(summary, link=link))
        except Exception as error:  # the person waits for an answer: the funnel's words
            text = user_text(error)

            async def tell(turn: TurnContext) -> None:
                await turn.send_activity(text)

            await context.adapter.continue_conversation(reference, tell, app_id)
            return

        async def post(turn: TurnContext) -> None:
            await turn.send_activity(activity)

        await context.adapter.continue_conversation(reference, post, app_id)

    run_in_background(deliver())

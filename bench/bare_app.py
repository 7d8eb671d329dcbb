"""The ceiling for slash commands: a bare FastAPI endpoint that checks Slack's signature.

Served by `bench/slash_load.py` through uvicorn with the settings `soc2bot serve` uses
(factory, `log_config=None`, `proxy_headers=True`, uvloop and httptools when installed):

    SLACK_SIGNING_SECRET=… .venv/bin/python bench/bare_app.py --port 8100

With `--bolt` (and `SLACK_API_URL` at a fake Slack for Bolt's one `auth.test`) the endpoint
is a Slack Bolt app configured as soc2bot's, whose `/soc2` listener only acknowledges with a
fixed text, and whose button listener only acknowledges: the floor that the Slack framework
alone sets, before any soc2bot code runs.
"""

from __future__ import annotations

import argparse
import os
import re

import uvicorn
from fastapi import FastAPI, Request, Response
from slack_sdk.signature import SignatureVerifier


def create_app() -> FastAPI:
    """POST /slack/events: 200 for a request Slack signed, 401 otherwise; nothing else."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    verifier = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"])

    @app.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return Response(status_code=401)
        return Response(status_code=200)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def create_bolt_app() -> FastAPI:
    """POST /slack/events through Bolt (signature, authorization, routing), `/soc2` answers "ok"."""
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token="xoxb-bench-token", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )

    @bolt.command("/soc2")
    async def soc2(ack: AsyncAck) -> None:
        await ack(response_type="ephemeral", text="ok")

    @bolt.action(re.compile(".*"))  # a button click: acknowledged, nothing else
    async def click(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSlackRequestHandler(bolt)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--bolt", action="store_true", help="through Slack Bolt, a no-op listener")
    args = parser.parse_args()
    uvicorn.run(
        "bare_app:create_bolt_app" if args.bolt else "bare_app:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()

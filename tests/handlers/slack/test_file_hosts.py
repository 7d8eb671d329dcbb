"""The bot token goes only to Slack's file host: other links and external files are refused."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.test_files import dm_file, evidence_of, my_refs

PDF = b"%PDF-1.7\nscan\n"


@contextlib.contextmanager
def recorder(host: str) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A web server on `host` that serves a PDF to anyone and records each request's headers."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def share(slack: SlackScenario, file: dict[str, Any], event_id: str) -> tuple[int, str]:
    """Raj shares `file` in his DM for his first task; the occurrence and the bot's reply."""
    ref = my_refs(slack, "URAJ")[0]
    dm_file(slack, file, f"scan for #{ref}", event_id=event_id)
    return ref, str(slack.wait_for("chat.postMessage")[-1].args["text"])


@pytest.mark.parametrize("where", ["other_address", "other_port", "https_elsewhere", "lookalike"])
def test_a_download_link_off_slacks_file_host_never_gets_the_token(
    slack: SlackScenario, where: str
) -> None:
    with recorder("127.0.0.2") as (far, far_seen), recorder("127.0.0.1") as (near, near_seen):
        url = {
            "other_address": f"{far}/files-pri/T1-F1/download/scan.pdf",
            "other_port": f"{near}/files-pri/T1-F1/download/scan.pdf",  # API host, other port
            "https_elsewhere": "https://evil.test/files-pri/T1-F1/download/scan.pdf",
            "lookalike": "https://files.slack.com.evil.test/files-pri/T1-F1/scan.pdf",
        }[where]
        file = {**slack.fake.add_file(PDF, name="scan.pdf"), "url_private_download": url}
        ref, reply = share(slack, file, f"EvHost-{where}")
    assert "scan.pdf is stored outside Slack" in reply and "Upload the file itself" in reply
    assert far_seen == [] and near_seen == []  # nothing fetched, so no token sent anywhere
    assert evidence_of(slack, ref) == []


def test_a_file_kept_on_google_drive_is_refused_with_a_message(slack: SlackScenario) -> None:
    with recorder("127.0.0.2") as (far, seen):
        file = slack.fake.add_remote_file("plan.pdf", f"{far}/document/d/1abc/plan.pdf")
        ref, reply = share(slack, file, "EvRemote")
    assert "plan.pdf is stored outside Slack (Google Drive)" in reply
    assert "Upload the file itself" in reply
    assert seen == [] and evidence_of(slack, ref) == []


def test_a_redirect_from_slacks_file_host_to_another_host_is_not_followed(
    slack: SlackScenario,
) -> None:
    # Each hop is checked against Slack's file hosts (bot/net_policy.guarded_get): a redirect
    # elsewhere is refused before any connection, so neither the token nor the request leaves.
    with recorder("127.0.0.2") as (far, seen):
        file = slack.fake.add_file(PDF, name="moved.pdf")
        slack.fake.redirects[file["id"]] = f"{far}/elsewhere/moved.pdf"
        ref, reply = share(slack, file, "EvRedirect")
    assert seen == []
    assert "moved.pdf" in reply and evidence_of(slack, ref) == []

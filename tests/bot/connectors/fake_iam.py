"""moto's IAM on a real HTTP server on 127.0.0.1, made as strict as AWS where moto is not.

moto checks SigV4 signatures, access keys and IAM policies once `require_auth` is called
(InvalidClientTokenId, SignatureDoesNotMatch, AccessDenied). On top of it this fake adds what
real IAM does and moto does not: GetAccountAuthorizationDetails pages by MaxItems (default
100, at most 1000) and an opaque Marker; the credential report's first row is the root
account; a report can stay INPROGRESS; Throttling answers (400) and outages (503).
"""

from __future__ import annotations

import base64
import contextlib
import io
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import boto3
import httpx
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

ACCOUNT = "123456789012"  # moto's default account
_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
_NS = "{" + _XMLNS + "}"
_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
ET.register_namespace("", _XMLNS)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _Quiet(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _error(status: str, code: str, message: str) -> tuple[str, bytes]:
    body = (
        f'<ErrorResponse xmlns="{_XMLNS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
    )
    return status, body.encode()


class FakeIam(contextlib.AbstractContextManager["FakeIam"]):
    """IAM at `url`; seed it with `admin()` before `require_auth()`, then pull."""

    def __init__(self) -> None:
        self.throttles: dict[str, int] = {}  # action → Throttling answers before serving it
        self.outage = False  # answer every request 503 ServiceUnavailable
        self.report_stuck = False  # GenerateCredentialReport never gets past INPROGRESS
        self.root = {"mfa_active": "true", "password_last_used": "no_information"}
        self.not_in_report: set[str] = set()  # users created after the report was made
        self.actions: list[dict[str, str]] = []  # every IAM request's parameters
        self._lock = threading.Lock()
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", 0, self._app, True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeIam:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        httpx.post(f"{self.url}/moto-api/reset-auth", content=b"inf")
        httpx.post(f"{self.url}/moto-api/reset")  # moto's state is the process's
        self._server.shutdown()
        self._server.server_close()

    def admin(self) -> Any:
        """A boto3 IAM client for seeding (any key works until `require_auth`)."""
        return boto3.client(
            "iam",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="AKIASEEDSEEDSEEDSEED",
            aws_secret_access_key="seed",
        )

    def require_auth(self) -> None:
        """From now on moto checks every request's signature, key and IAM permissions."""
        httpx.post(f"{self.url}/moto-api/reset-auth", content=b"0").raise_for_status()

    def called(self, action: str) -> list[dict[str, str]]:
        return [params for params in self.actions if params.get("Action") == action]

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._moto(environ, start_response)  # type: ignore[no-any-return]
        params = dict(parse_qsl(body.decode()))
        action = params.get("Action", "")
        with self._lock:
            self.actions.append(params)
            throttled = self.throttles.get(action, 0) > 0
            if throttled:
                self.throttles[action] -= 1
        if self.outage or throttled:
            status, reply = (
                _error("503 Service Unavailable", "ServiceUnavailable", "Service unavailable")
                if self.outage
                else _error("400 Bad Request", "Throttling", "Rate exceeded")
            )
            return self._send(start_response, status, [("Content-Type", "text/xml")], reply)
        if action == "GetAccountAuthorizationDetails" and params.get("MaxItems", "100") not in {
            str(n) for n in range(1, 1001)
        }:
            status, reply = _error("400 Bad Request", "ValidationError", "MaxItems is 1 to 1000")
            return self._send(start_response, status, [("Content-Type", "text/xml")], reply)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
            captured.update(status=status, headers=headers)

        reply = b"".join(self._moto(environ, capture))
        if captured["status"].startswith("200"):
            reply = self._amend(action, params, reply)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        return self._send(start_response, captured["status"], headers, reply)

    def _send(
        self, start: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> list[bytes]:
        start(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _amend(self, action: str, params: dict[str, str], reply: bytes) -> bytes:
        root = ET.fromstring(reply)
        result = root.find(f"{_NS}{action}Result")
        if result is None:
            return reply
        if action == "GetAccountAuthorizationDetails":
            self._page(result, params)
        elif action == "GetCredentialReport":
            content = result.find(f"{_NS}Content")
            assert content is not None and content.text
            report = self._report(base64.b64decode(content.text).decode())
            content.text = base64.b64encode(report.encode()).decode()
        elif action == "GenerateCredentialReport" and self.report_stuck:
            state = result.find(f"{_NS}State")
            assert state is not None
            state.text = "INPROGRESS"
        return ET.tostring(root)

    def _page(self, result: ET.Element, params: dict[str, str]) -> None:
        """Keep MaxItems entities from Marker on, across the four lists, as IAM pages them."""
        lists = [found for name in _LISTS if (found := result.find(_NS + name)) is not None]
        entries = [(holder, member) for holder in lists for member in list(holder)]
        marker = params.get("Marker")
        start = int(base64.b64decode(marker).decode().removeprefix("at:")) if marker else 0
        end = start + int(params.get("MaxItems", "100"))
        for holder, member in entries[:start] + entries[end:]:
            holder.remove(member)
        truncated = result.find(f"{_NS}IsTruncated")
        assert truncated is not None
        truncated.text = "true" if end < len(entries) else "false"
        if end < len(entries):
            ET.SubElement(result, f"{_NS}Marker").text = base64.b64encode(
                f"at:{end}".encode()
            ).decode()

    def _report(self, text: str) -> str:
        """moto's report with the root row first, as AWS writes it, and late users left out."""
        header, *rows = text.strip().split("\n")
        columns = header.split(",")
        defaults = {"user": "<root_account>", "arn": f"arn:aws:iam::{ACCOUNT}:root"}
        defaults |= {"password_enabled": "not_supported", "password_next_rotation": "not_supported"}
        values = {**defaults, **self.root}
        root = ",".join(values.get(c, "false" if c.endswith("_active") else "N/A") for c in columns)
        kept = [row for row in rows if row.split(",")[0] not in self.not_in_report]
        return "\n".join([header, root, *kept]) + "\n"

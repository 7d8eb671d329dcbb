"""A local Bot Framework token issuer: OpenID metadata, its signing keys, and signed tokens."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


class FakeOpenId:
    """Serves `/.well-known/openidconfiguration` and `/keys` like login.botframework.com."""

    def __init__(self, *, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "endorsements": list(endorsements)}]}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/.well-known/openidconfiguration":
                    body = {"issuer": ISSUER, "jwks_uri": f"{fake.url}/keys"}
                elif self.path == "/keys":
                    body = fake.jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.metadata_url = f"{self.url}/.well-known/openidconfiguration"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def token(
        self,
        *,
        app_id: str,
        service_url: str,
        issuer: str = ISSUER,
        expires_in: dt.timedelta = dt.timedelta(minutes=30),
        key: Any = None,
    ) -> str:
        """A channel token as the Bot Framework signs it (RS256, kid, serviceurl claim)."""
        now = dt.datetime.now(dt.UTC)
        claims = {
            "iss": issuer,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - dt.timedelta(minutes=1),
            "exp": now + expires_in,
        }
        signing_key = key or self.key
        return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": self.kid})

    def __enter__(self) -> FakeOpenId:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

"""What `GET /` says: the service, its version and where its probes are (nothing secret)."""

from __future__ import annotations

from html import escape
from typing import Any

from bot import __version__

ABOUT = (
    "soc2bot runs a SOC 2 program from Slack and Microsoft Teams. People use it from chat; "
    "this address serves the chat platforms and the probes listed here."
)
PROBES = (
    ("health", "/healthz", "the process is up"),
    ("readiness", "/readyz", "the database answers"),
    ("metrics", "/metrics", "Prometheus metrics"),
)


def service_summary(*, root_path: str = "", metrics_token: bool = False) -> dict[str, Any]:
    """The front page as data; paths carry the proxy's prefix, if the service sits under one."""
    return {
        "service": "soc2bot",
        "version": __version__,
        "about": ABOUT,
        "endpoints": {name: f"{root_path}{path}" for name, path, _ in PROBES},
        # Said so a scraper's 401 is no surprise; the token itself is never shown.
        "metrics_need_token": metrics_token,
    }


def home_page(summary: dict[str, Any]) -> str:
    """The same, as a small HTML page for someone who opened the address in a browser."""
    rows = []
    for name, _, says in PROBES:
        path = escape(summary["endpoints"][name])
        if name == "metrics" and summary["metrics_need_token"]:
            says += " (needs a bearer token)"
        rows.append(f'<li><a href="{path}"><code>{path}</code></a>: {escape(says)}</li>')
    items = "\n".join(rows)
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>soc2bot</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>soc2bot <small>{escape(summary["version"])}</small></h1>
<p>{escape(summary["about"])}</p>
<ul>
{items}
</ul>
</body>
</html>
"""

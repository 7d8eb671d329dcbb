"""The Teams app package: manifest.json (schema 1.17) with the color and outline icons."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from bot import __version__

ICONS = Path(__file__).resolve().parents[2] / "manifests" / "teams"
PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"
COMMANDS = [
    ("help", "What I can do, with examples"),
    ("status", "Program posture: readiness, overdue, window coverage"),
    ("mine", "Your open and upcoming work, with buttons"),
    ("controls", "The controls, filtered: controls access"),
    ("control", "One control: control CC6.1-AR"),
    ("evidence", "Attach evidence: evidence #123"),
    ("audit", "Who did what, when: audit CC6.1-AR"),
    ("whoami", "Your identity and role"),
]


def teams_manifest(
    app_id: str = PLACEHOLDER_APP_ID, *, domain: str | None = None
) -> dict[str, Any]:
    """The manifest for a bot registered as `app_id` (personal chat and team channels)."""
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    return {
        "$schema": "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json",
        "manifestVersion": "1.17",
        "version": __version__,
        "id": app_id,
        "developer": {
            "name": "soc2bot",
            "websiteUrl": "https://github.com/soc2bot/soc2bot",
            "privacyUrl": "https://github.com/soc2bot/soc2bot#privacy",
            "termsOfUseUrl": "https://github.com/soc2bot/soc2bot#license",
        },
        "name": {"short": "soc2bot", "full": "soc2bot: your SOC 2 program in Teams"},
        "description": {
            "short": "Runs your SOC 2 program from chat",
            "full": "Reminds control owners of recurring SOC 2 work, collects evidence as files "
            "or confirmations, runs access reviews and keeps a tamper-evident audit trail.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#1D3557",
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": commands},
                    {"scopes": ["team"], "commands": commands},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain] if domain else [],
    }


def write_package(app_id: str, out: Path, *, domain: str | None = None) -> Path:
    """Zip manifest.json and both icons into an uploadable app package."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "manifest.json", json.dumps(teams_manifest(app_id, domain=domain), indent=2)
        )
        for icon in ("color.png", "outline.png"):
            package.write(ICONS / icon, icon)
    return out

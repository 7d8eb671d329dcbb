"""The Teams app package: manifest fields, icon sizes, and the CLI that writes it."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from bot.chat.usage import USAGE
from handlers.cli import app
from handlers.teams.manifest import teams_manifest

APP_ID = "11111111-2222-3333-4444-555555555555"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_cli_writes_an_uploadable_package(tmp_path: Path) -> None:
    out = tmp_path / "pkg" / "app.zip"
    result = CliRunner().invoke(app, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["manifestVersion"] == "1.17"


def test_bot_is_personal_and_team_with_files_and_real_commands() -> None:
    [bot] = teams_manifest(APP_ID)["bots"]
    assert bot["scopes"] == ["personal", "team"] and bot["supportsFiles"] is True
    for command_list in bot["commandLists"]:
        assert len(command_list["commands"]) <= 10
        assert all(c["title"] in USAGE for c in command_list["commands"])
    assert "help" in [c["title"] for c in bot["commandLists"][0]["commands"]]


def test_bad_app_id_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["manifest", "teams", "--app-id", "nope", "--out", str(tmp_path / "a.zip")]
    )
    assert result.exit_code == 2 and not (tmp_path / "a.zip").exists()


def test_checked_in_manifest_is_the_generated_one() -> None:
    root = Path(__file__).resolve().parents[3]
    checked_in = json.loads((root / "manifests/teams/manifest.json").read_text())
    assert checked_in == teams_manifest()

"""`soc2bot manifest teams`: where --out puts the package, and what --domain accepts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from handlers.cli import app
from handlers.cli_manifest import PACKAGE_NAME, OptionError, public_host_name

APP_ID = "11111111-2222-3333-4444-555555555555"


def teams(*args: str) -> Result:
    return CliRunner().invoke(app, ["manifest", "teams", "--app-id", APP_ID, *args])


def manifest_in(package: Path) -> dict[str, object]:
    with zipfile.ZipFile(package) as opened:
        assert sorted(opened.namelist()) == ["color.png", "manifest.json", "outline.png"]
        loaded: dict[str, object] = json.loads(opened.read("manifest.json"))
        return loaded


def refused(result: Result, starts: str) -> str:
    """A refusal: exit 2, one line on stderr, no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(starts), line
    return line


# --- --out ------------------------------------------------------------------------------------


def test_an_existing_folder_gets_the_package_inside(tmp_path: Path) -> None:
    result = teams("--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert manifest_in(tmp_path / PACKAGE_NAME)["id"] == APP_ID
    assert f"Wrote {tmp_path / PACKAGE_NAME}" in result.stdout


def test_a_new_path_without_zip_is_a_folder_to_create(tmp_path: Path) -> None:
    assert teams("--out", str(tmp_path / "build" / "teams")).exit_code == 0
    assert (tmp_path / "build" / "teams" / PACKAGE_NAME).is_file()


def test_a_zip_path_is_the_file_itself_with_its_folders_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "ours.ZIP"
    assert teams("--out", str(out)).exit_code == 0
    assert zipfile.is_zipfile(out) and sorted(p.name for p in out.parent.iterdir()) == ["ours.ZIP"]


def test_a_folder_named_like_a_zip_is_still_written_into(tmp_path: Path) -> None:
    (tmp_path / "odd.zip").mkdir()
    assert teams("--out", str(tmp_path / "odd.zip")).exit_code == 0
    assert (tmp_path / "odd.zip" / PACKAGE_NAME).is_file()


def test_without_out_it_lands_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert teams().exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == [PACKAGE_NAME]


def test_an_existing_file_that_is_not_a_zip_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    refused(teams("--out", str(notes)), f"--out {notes} is a file")
    assert notes.read_text() == "mine" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("under", ["notes.txt/app.zip", "notes.txt/deeper/app.zip"])
def test_a_file_in_the_way_of_a_folder_is_one_line(tmp_path: Path, under: str) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    line = refused(teams("--out", str(tmp_path / under)), "--out ")
    assert "a file is in the way" in line or "Not a directory" in line


def test_a_failed_write_keeps_the_earlier_package_and_leaves_no_scrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert teams("--out", str(tmp_path)).exit_code == 0
    before = (tmp_path / PACKAGE_NAME).read_bytes()

    def disk_full(app_id: str, out: Path, *, domain: str | None = None) -> Path:
        out.write_bytes(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("handlers.teams.manifest.write_package", disk_full)
    line = refused(teams("--out", str(tmp_path)), f"--out {tmp_path}: cannot write there")
    assert "No space left on device" in line
    assert (tmp_path / PACKAGE_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [PACKAGE_NAME]


# --- --domain ---------------------------------------------------------------------------------

GOOD = [
    ("soc2bot.acme.com", "soc2bot.acme.com"),
    ("SOC2BOT.Acme.COM.", "soc2bot.acme.com"),  # case and the rooted form's dot do not matter
    ("bücher.acme.de", "xn--bcher-kva.acme.de"),  # IDNA: written as Teams and DNS see it
    ("xn--bcher-kva.acme.de", "xn--bcher-kva.acme.de"),
    ("a-b.c0.io", "a-b.c0.io"),
    (".".join(["a" * 63] * 3) + ".com", ".".join(["a" * 63] * 3) + ".com"),  # 196 characters
]
BAD = {
    "https://soc2bot.acme.com": "not a URL: try --domain soc2bot.acme.com",
    "soc2bot.acme.com/api": "no path",
    "soc2bot.acme.com?x=1": "no path, query",
    "me@soc2bot.acme.com": "user part",
    "soc2bot.acme.com:8443": "without a port",
    "10.0.0.1": "IP address",
    "[2001:db8::1]": "IP address",
    "localhost": "public host name",
    "intranet": "public host name",
    "soc2bot.acme.test": ".test names are not public",
    "printer.local": ".local names are not public",
    "soc2bot.internal": ".internal names are not public",
    "1.in-addr.arpa": ".arpa names are not public",
    "-soc2bot.acme.com": "not a valid host name",
    "soc2bot-.acme.com": "not a valid host name",
    "soc2bot..acme.com": "not a valid host name",
    "under_score.acme.com": "not a valid host name",
    "*.acme.com": "not a valid host name",
    "two words.acme.com": "not a valid host name",
    "a" * 64 + ".acme.com": "not a valid host name",
    ".".join(["a" * 63] * 4) + ".com": "not a valid host name",  # over 253
    "": "not a valid host name",
    ".": "not a valid host name",
}


@pytest.mark.parametrize(("given", "written"), GOOD)
def test_a_public_host_name_is_written_to_valid_domains(
    tmp_path: Path, given: str, written: str
) -> None:
    assert public_host_name(given) == written
    result = teams("--domain", given, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert manifest_in(tmp_path / PACKAGE_NAME)["validDomains"] == [written]


@pytest.mark.parametrize("given", list(BAD))
def test_anything_else_is_refused_in_one_line(tmp_path: Path, given: str) -> None:
    with pytest.raises(OptionError, match=BAD[given].replace("?", r"\?").replace("*", r"\*")):
        public_host_name(given)
    line = refused(teams("--domain", given, "--out", str(tmp_path)), "--domain ")
    assert BAD[given] in line
    assert list(tmp_path.iterdir()) == []


def test_no_domain_means_no_valid_domains(tmp_path: Path) -> None:
    assert teams("--out", str(tmp_path)).exit_code == 0
    assert manifest_in(tmp_path / PACKAGE_NAME)["validDomains"] == []

"""What `make run` installs: soc2bot and its runtime dependencies, all the code needs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("bot", "handlers", "models", "schedules")


def _make_dry_run(target: str, venv: Path) -> str:
    """The commands `make TARGET` would run for a new user, whose venv does not exist yet."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("target", ["run", "demo"])
def test_run_and_demo_install_soc2bot_without_the_dev_tools(target: str, tmp_path: Path) -> None:
    commands = _make_dry_run(target, tmp_path / "venv")
    assert f"-m venv {tmp_path / 'venv'}" in commands
    assert "pip install --quiet -e .\n" in commands
    assert "[dev]" not in commands


@pytest.mark.parametrize("target", ["setup", "test"])
def test_setup_and_test_still_install_the_dev_tools(target: str, tmp_path: Path) -> None:
    assert "pip install --quiet -e '.[dev]'" in _make_dry_run(target, tmp_path / "venv")


def _runtime_distributions() -> set[str]:
    """soc2bot's dependencies (no extras of its own) and everything they pull in, by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    todo = [Requirement(line) for line in project["dependencies"]]
    seen: set[tuple[str, str]] = set()
    for requirement in todo:  # grows while it is walked
        name = canonicalize_name(requirement.name)
        for extra in ("", *sorted(requirement.extras)):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for line in metadata.requires(name) or []:
                needed = Requirement(line)
                if needed.marker is None or needed.marker.evaluate({"extra": extra}):
                    todo.append(needed)
    return {name for name, _ in seen}


def _third_party_imports() -> dict[str, str]:
    """Top-level module → a file of ours that imports it, for every non-standard import."""
    found: dict[str, str] = {}
    for package in FIRST_PARTY:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_the_code_imports_nothing_that_only_the_dev_tools_bring() -> None:
    """So the lighter install of `make run` is enough for every command and the service."""
    runtime = _runtime_distributions()
    providers = metadata.packages_distributions()
    outside = {
        module: where
        for module, where in _third_party_imports().items()
        if not {canonicalize_name(d) for d in providers.get(module, [])} & runtime
    }
    assert outside == {}
    assert {"fastapi", "typer", "idna"} <= set(_third_party_imports())

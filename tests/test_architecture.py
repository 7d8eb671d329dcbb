"""The shape of the code: one package per domain, no import cycles, docs and contracts in step."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "schedules", "models")
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:  # Alembic revisions: generated, never imported
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(path: Path, name: str, modules: dict[str, Path]) -> Iterator[str]:
    """Every project module `path` imports, wherever the import stands: at the top, in a
    function, or under `if TYPE_CHECKING:` (a cycle held open by a guard is still a cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other (each group is one cycle or more)."""
    reach = {node: _reachable(graph, node) for node in graph}
    groups = {
        frozenset({node} | {other for other in reach[node] if node in reach[other]})
        for node in graph
        if node in reach[node]
    }
    return sorted(sorted(group) for group in groups)


def test_no_import_cycle_among_the_projects_modules_type_checking_imports_included() -> None:
    modules = _modules()
    graph = {name: set(_imported(path, name, modules)) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_held_open_by_a_type_checking_guard() -> None:
    graph = {"a.facts": set(), "a.messages": {"a.services"}, "a.services": {"a.messages"}}
    assert _cycles(graph) == [["a.messages", "a.services"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def _bot_packages() -> set[str]:
    return {p.parent.name for p in (ROOT / "bot").glob("*/__init__.py")} - {"migrations"}


def test_bot_holds_only_the_composition_root_and_domain_packages() -> None:
    assert sorted(p.name for p in (ROOT / "bot").glob("*.py")) == ["__init__.py", "app.py"]


def test_every_package_of_bot_is_described_in_the_architecture_doc() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    missing = sorted(p for p in _bot_packages() if f"`bot/{p}/`" not in text)
    assert missing == []


def test_every_package_of_bot_is_in_the_layers_and_the_platform_agnostic_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}
    layered = {
        part.strip()
        for layer in contracts["Layers: app, adapters and schedules, chat, domains, core, models"][
            "layers"
        ]
        for part in layer.split("|")
    }
    agnostic = set(contracts["Core is platform-agnostic"]["source_modules"])
    for package in _bot_packages():
        assert f"bot.{package}" in layered, package
        assert f"bot.{package}" in agnostic, package


def test_no_module_is_longer_than_300_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules().values()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}

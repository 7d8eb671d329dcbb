"""The bundle's verify.py: bot/export/verify.py with the soc2bot modules it imports pasted in."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

_FUTURE = "from __future__ import annotations"
_ROOT = Path(bot.__file__).resolve().parent.parent


def verifier_source(root: str = "bot.export.verify") -> str:
    """One file, standard library only: verify.py with each `from bot… import` replaced by
    that module's code (its docstring and future import dropped), depth first, once each.

    Built from the modules' own source at export time, so the rules in the bundle are always
    the rules the chain was written with and the tables were checked with.
    """
    seen: set[str] = set()
    source = _expanded(root, seen, top=True)  # a sample bundle's: bot.export.sample_verify
    _check_unique_names(seen)
    return source


def _path(module: str) -> Path:
    return _ROOT.joinpath(*module.split(".")).with_suffix(".py")


def _expanded(module: str, seen: set[str], *, top: bool = False) -> str:
    seen.add(module)
    source = _path(module).read_text("utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    imports = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.")
    ]
    # Expanded top-down, so a module lands at its first import, above every module that
    # builds on it (a class's base must be defined first); spliced in bottom-up, so earlier
    # line numbers stay valid.
    pasted = ["" if n.module in seen else _expanded(n.module or "", seen) for n in imports]
    for node, code in reversed(list(zip(imports, pasted, strict=True))):
        lines[node.lineno - 1 : node.end_lineno or node.lineno] = [code]
    text = "".join(lines)
    if top:
        return text
    if _FUTURE not in text:
        raise RuntimeError(f"{module} lacks `{_FUTURE}`; it cannot be pasted into verify.py")
    body = text.split(_FUTURE, 1)[1].strip("\n")
    return f"# --- copied from soc2bot's {module} ---\n{body}\n# --- end of {module} ---\n"


def _check_unique_names(modules: set[str]) -> None:
    """Pasted modules share one namespace: a name defined twice would silently shadow."""
    owner: dict[str, str] = {}
    for module in sorted(modules):
        for node in ast.parse(_path(module).read_text("utf-8")).body:
            for name in _defined(node):
                if owner.setdefault(name, module) != module:
                    raise RuntimeError(f"{name} is defined in both {owner[name]} and {module}")


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    names: list[str] = []
    for target in targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        names += [e.id for e in elements if isinstance(e, ast.Name)]
    return [n for n in names if n not in ("__all__",)]

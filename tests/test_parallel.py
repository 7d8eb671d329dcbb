"""tests/parallel.py names real tests: a renamed module or test would quietly lose its group."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.parallel import SERIAL

ROOT = Path(__file__).resolve().parents[1]


def test_every_serial_entry_names_an_existing_module_and_test() -> None:
    for entry in SERIAL:
        module, _, test = entry.partition("::")
        path = ROOT / module
        assert path.is_file(), entry
        if test:
            tree = ast.parse(path.read_text("utf-8"))
            names = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
            assert any(name.startswith(test) for name in names), entry

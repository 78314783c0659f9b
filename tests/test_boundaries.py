"""The package's shape: the import contracts in pyproject.toml hold (make test runs them too),
and no module imports another module's _private name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sitemaker"


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Divisions are independent of each other KEPT" in result.stdout


def private_imports(path: Path) -> list[str]:
    """`from x import _name` lines of one module, for names of the sitemaker package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        ours = isinstance(node, ast.ImportFrom) and (
            node.level > 0 or (node.module or "").startswith("sitemaker")
        )
        if ours:
            found += [
                f"{path.name}:{node.lineno} {alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_no_module_imports_a_private_name_of_another():
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in private_imports(path)]
    assert found == []


def test_the_private_import_check_sees_one(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("from .pages import _hidden, public\nfrom flask import _private_ok\n")
    assert private_imports(sample) == ["probe.py:1 _hidden"]

"""Accredited education never imports industry (ACCME independence is also a rule of the code):
industry may read the CME domain's queries, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

import conference


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_cme_never_imports_industry():
    cme = Path(conference.__file__).parent / "cme"
    offenders = {
        path.name: sorted(n for n in _imports(path) if n.startswith("conference.industry"))
        for path in cme.rglob("*.py")
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    assert _imports(cme / "attendance.py")  # the walk reads real files

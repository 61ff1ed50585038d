"""Views of the referral directory, notifications, admin pages, plans, the second sign-in step
and passkeys translate only: their queries, decisions and writes live in services."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "portal"
VIEWS = ["resources/views.py", "notices/views.py", "admin/views.py", "admin/list_views.py",
         "admin/staff_views.py", "planning/views.py", "auth/mfa_views.py",
         "auth/passkey_views.py"]
# Reading or writing rows, and writing audit events, is for services.
QUERYING = {"db.session.execute", "db.session.get", "db.session.add", "db.session.add_all",
            "db.session.delete", "db.session.scalar", "db.session.scalars", "db.session.query",
            "audit.record"}


def called(tree: ast.AST) -> set[str]:
    """The dotted names of everything called, e.g. ``db.session.get``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts, func = [], node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                names.add(".".join([func.id, *reversed(parts)]))
    return names


def imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", VIEWS)
def test_the_view_module_neither_queries_nor_writes(module):
    tree = ast.parse((ROOT / module).read_text())
    assert "sqlalchemy" not in imported(tree)
    assert {name for name in called(tree) if name in QUERYING or name.startswith("sa.")} == set()

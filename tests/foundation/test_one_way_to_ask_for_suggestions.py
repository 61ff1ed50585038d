"""Suggestions are asked for in one place (``services/matching.ask_for_suggestions``): no other
code queues the ``suggest_for_intake`` job itself."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def queues_suggestions(tree: ast.AST) -> list[int]:
    """Lines of a call ``....enqueue(session, "suggest_for_intake", ...)``."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "enqueue"
            and any(isinstance(arg, ast.Constant) and arg.value == "suggest_for_intake"
                    for arg in node.args)]


def test_only_ask_for_suggestions_queues_the_suggestion_job():
    found = {path.relative_to(ROOT).as_posix(): lines
             for path in sorted([*(ROOT / "portal").rglob("*.py"), *(ROOT / "workers").rglob("*.py")])
             if (lines := queues_suggestions(ast.parse(path.read_text())))}
    assert found == {"portal/services/matching.py": found.get("portal/services/matching.py")}
    assert len(found["portal/services/matching.py"]) == 1


def test_the_check_sees_a_second_way():
    assert queues_suggestions(ast.parse('outbox.enqueue(s, "suggest_for_intake", i.id)')) == [1]

"""Every state column of a request, a match or a volunteer changes through
``services/states.transition``: no other code assigns ``.state`` or updates it in bulk."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The few places that may write a state column, each with why.
ALLOWED = {
    "portal/services/states.py": "the one function: checks the state machine, stamps, audits",
    "portal/services/erasure.py": "an erased request's outcome blurred for the reports, not moved",
    "portal/services/outbox/dispatch.py": "an outbox job's delivery state, not a request's",
}


def state_writes(tree: ast.AST) -> list[int]:
    """Lines that assign an attribute named ``state`` or set ``state`` in ``.values(...)``."""
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "state":
                    lines.append(node.lineno)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"):
            keys = [k.arg for k in node.keywords] + [
                k.value for arg in node.args if isinstance(arg, ast.Dict)
                for k in arg.keys if isinstance(k, ast.Constant)]
            if "state" in keys:
                lines.append(node.lineno)
    return lines


def test_no_code_but_the_transition_writes_a_state_column():
    found = {}
    for path in sorted([*(ROOT / "portal").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith("portal/models/") or name in ALLOWED:
            continue
        if lines := state_writes(ast.parse(path.read_text())):
            found[name] = lines
    assert found == {}


def test_the_check_sees_an_assignment_and_a_bulk_update():
    code = "match.state = MatchState.CLOSED\nsa.update(Match).values(state='closed')\n"
    assert state_writes(ast.parse(code)) == [1, 2]

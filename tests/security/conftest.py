"""Print the hostile-input walk's figures at the end of the run (SECURITY.md quotes them)."""

from tests.security import FIGURES


def pytest_terminal_summary(terminalreporter, config):
    figures = config.stash.get(FIGURES, None)
    if not figures:
        return
    terminalreporter.section("hostile inputs: figures")
    for name, value in figures.items():
        terminalreporter.write_line(f"{name}: {value}")

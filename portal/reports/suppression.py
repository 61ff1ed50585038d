"""Small-cell suppression for aggregate reports.

A count from 1 to k-1 could point at a person, so it is shown as "<k". Suppressing one
cell is not enough when its row or column total is shown: subtraction would recover it.
Such a complement is shown as "suppressed" (it may be any size).
So whenever a line (a row or column, its total included) has exactly one suppressed entry,
the next smallest cell of that line is suppressed too, until every line has none or at
least two. Zeros are shown as they are (an empty cell identifies nobody) unless chosen as
a complement.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    """One displayed number: its value, or hidden when suppressed.

    A small count says so ("<k"); a cell hidden only so that a small one cannot be worked out
    by subtraction says "suppressed": it may be any size, and "<k" would be untrue.
    """

    value: int
    hidden: bool
    threshold: int
    small: bool = False

    def __str__(self) -> str:
        if not self.hidden:
            return str(self.value)
        return f"<{self.threshold}" if self.small else "suppressed"


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell


def effective_threshold(k: int) -> int:
    """The threshold in force: never below MIN_THRESHOLD, whatever the settings say."""
    return max(MIN_THRESHOLD, int(k))


def _small(value: int, k: int) -> bool:
    return 0 < value < k


def _complete_line(values: list[int], hidden: list[bool], totals_at: int) -> bool:
    """Hide one more entry if exactly one of the line is hidden; True when something changed.

    ``totals_at`` is the index of the line's total: a plain cell is preferred as the
    complement, and the smallest non-zero one costs least information.
    """
    if sum(hidden) != 1:
        return False
    candidates = [i for i, h in enumerate(hidden) if not h]
    chosen = min(candidates, key=lambda i: (i == totals_at, values[i] == 0, values[i], i))
    hidden[chosen] = True
    return True


def _augmented(table: list[list[int]]) -> list[list[int]]:
    """The table with a totals column, a totals row and the grand total in the corner."""
    rows = [row + [sum(row)] for row in table]
    columns = len(rows[0])
    return rows + [[sum(row[c] for row in rows) for c in range(columns)]]


def suppress(table: list[list[int]], k: int) -> SuppressedTable:
    """Suppress small cells of ``table`` (rows × columns of counts), totals included.

    Each row and column of the table with its totals is one equation (cells add up to the
    total); an equation with exactly one hidden entry would give it away, so a complement is
    hidden until every line has none or at least two.
    """
    k = effective_threshold(k)
    if not table or not table[0]:
        return SuppressedTable([], [], [], Cell(0, False, k))
    grid = _augmented(table)
    height, width = len(grid), len(grid[0])
    hidden = [[_small(value, k) for value in row] for row in grid]
    changed = True
    while changed:
        changed = False
        for r in range(height):
            changed |= _complete_line(grid[r], hidden[r], width - 1)
        for c in range(width):
            line = [hidden[r][c] for r in range(height)]
            if _complete_line([grid[r][c] for r in range(height)], line, height - 1):
                for r in range(height):
                    hidden[r][c] = line[r]
                changed = True
    cell = [[Cell(grid[r][c], hidden[r][c], k, _small(grid[r][c], k)) for c in range(width)]
            for r in range(height)]
    return SuppressedTable(
        cells=[row[:-1] for row in cell[:-1]],
        row_totals=[row[-1] for row in cell[:-1]],
        column_totals=cell[-1][:-1],
        total=cell[-1][-1],
    )


def suppress_series(values: list[int], k: int) -> list[Cell]:
    """A single row of counts with a shown total (e.g. requests per month)."""
    return suppress([values], k).cells[0]

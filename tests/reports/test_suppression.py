"""Small-cell suppression: hand-built cases and a property over random tables."""

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.reports.suppression import effective_threshold, suppress, suppress_series


def shown(table):
    return [[str(cell) for cell in row] for row in table.cells]


def test_counts_below_the_threshold_are_shown_as_less_than_k():
    result = suppress([[3, 25, 40]], 10)
    assert str(result.cells[0][0]) == "<10"


def test_a_lone_small_cell_gets_a_complement_so_the_total_does_not_reveal_it():
    result = suppress([[3, 25, 40]], 10)
    assert shown(result) == [["<10", "suppressed", "40"]]  # 25 is no count below 10
    assert str(result.row_totals[0]) == "68"


def test_a_hidden_cell_never_claims_to_be_smaller_than_it_is():
    result = suppress([[3, 23, 0, 0], [0, 13, 0, 0]], 10)
    for row in result.cells + [result.row_totals, result.column_totals, [result.total]]:
        for cell in row:
            if str(cell) == "<10":
                assert cell.value < 10


def test_a_small_total_is_hidden_with_its_cells():
    result = suppress([[2, 3], [20, 30]], 10)
    assert str(result.row_totals[0]) == "<10"
    assert shown(result)[0] == ["<10", "<10"]


def test_a_hidden_total_is_not_left_recoverable_from_the_grand_total():
    result = suppress([[4], [30], [40]], 10)
    hidden_totals = [t for t in result.row_totals if t.hidden]
    assert len(hidden_totals) != 1


def test_zeros_are_shown_as_zero():
    assert shown(suppress([[0, 12, 15]], 10)) == [["0", "12", "15"]]


def test_counts_at_the_threshold_are_shown():
    assert shown(suppress([[10, 11]], 10)) == [["10", "11"]]


def test_the_threshold_is_never_below_five():
    assert effective_threshold(2) == 5
    assert str(suppress_series([4, 30, 30], 2)[0]) == "<5"


def lines(result):
    """Every row and column of the table, each with its total, as lists of cells."""
    rows = [cells + [total] for cells, total in zip(result.cells, result.row_totals, strict=False)]
    columns = [[row[c] for row in result.cells] + [result.column_totals[c]]
               for c in range(len(result.column_totals))]
    return rows + columns + [result.row_totals + [result.total], result.column_totals + [result.total]]


tables = st.integers(1, 5).flatmap(lambda width: st.lists(
    st.lists(st.integers(0, 40), min_size=width, max_size=width), min_size=1, max_size=6))


@settings(max_examples=500, deadline=None)
@given(table=tables, k=st.integers(5, 12))
def test_no_small_count_is_shown_and_no_hidden_cell_can_be_worked_out(table, k):
    result = suppress(table, k)
    everything = [cell for line in lines(result) for cell in line]
    assert all(cell.hidden or cell.value == 0 or cell.value >= k for cell in everything)
    for line in lines(result):
        assert sum(cell.hidden for cell in line) != 1

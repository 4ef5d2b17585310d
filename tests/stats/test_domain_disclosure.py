"""Disclosure control with fixed tables: the repair loop, tie-breaking, the audit (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from stats.domain.disclosure import (
    MIN_CELL,
    _classic_pass,
    _pick_complement,
    _rref,
    coarsen_mask,
    determined_entries,
    equations,
    protect,
    recoverable_by_subtraction,
    sensitive_counts,
    with_margins,
)


def _classic_only(table: np.ndarray) -> np.ndarray:
    mask = sensitive_counts(table)
    while _classic_pass(mask, table):
        pass
    return mask


# Tables where the classic rule (no equation with exactly one hidden entry) still leaves a
# hidden entry that follows from the published ones through several equations.
REPAIR_CASES = [
    (
        [[2, 0, 2], [6, 1, 20], [0, 0, 1]],
        [(0, 0)],
        [[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]],
        (7, 3),
    ),
]


@pytest.mark.parametrize(("inner", "leaks", "expected", "counts"), REPAIR_CASES)
def test_the_repair_loop_hides_what_the_classic_rule_leaves_determined(inner, leaks, expected, counts):
    table = with_margins(np.array(inner))
    classic = _classic_only(table)
    assert determined_entries(classic) == leaks  # the classic rule alone leaks
    result = protect(sensitive_counts(table), table)
    assert result.mask.astype(int).tolist() == expected
    assert (result.primary, result.secondary) == counts
    assert determined_entries(result.mask) == []
    assert recoverable_by_subtraction(table, result.mask) == []
    assert (result.mask & ~classic).any()  # the repair hid more than the classic pass


def test_protect_leaves_a_table_without_small_counts_alone():
    table = with_margins(np.array([[5, 0, 7], [9, 12, 30]]))
    result = protect(sensitive_counts(table), table)
    assert not result.mask.any() and (result.primary, result.secondary) == (0, 0)


def test_protect_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="^sensitive and weight must be 2-D arrays of one shape$"):
        protect(np.zeros((3, 3), dtype=bool), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="^sensitive and weight must be 2-D arrays of one shape$"):
        protect(np.zeros(3, dtype=bool), np.zeros(3))


def test_protect_does_not_change_its_inputs():
    table = with_margins(np.array([[2, 0, 2], [6, 1, 20], [0, 0, 1]]))
    sensitive = sensitive_counts(table)
    before = sensitive.copy()
    protect(sensitive, table)
    assert (sensitive == before).all()


@pytest.mark.parametrize(("count", "flag"), [(-1, False), (0, False), (1, True), (4, True), (5, False), (6, False)])
def test_sensitive_counts_boundaries(count, flag):
    assert bool(sensitive_counts(np.array([count]))[0]) is flag
    assert MIN_CELL == 5


def test_sensitive_counts_with_another_threshold():
    assert sensitive_counts(np.array([0, 1, 2, 3]), min_cell=3).tolist() == [False, True, True, False]
    assert sensitive_counts([0, 2]).tolist() == [False, True]


def test_with_margins_of_a_wide_table_and_fractions():
    table = with_margins(np.array([[1.5, 2, 0], [3, 4.25, 1]]))
    assert table.tolist() == [[1.5, 2, 0, 3.5], [3, 4.25, 1, 8.25], [4.5, 6.25, 1, 11.75]]
    assert table.dtype == np.float64


def test_equations_of_a_two_by_three_table():
    # Shape with margins (3, 4): three rows and four columns are equations.
    assert list(equations((3, 4))) == [
        [(0, 0), (0, 1), (0, 2), (0, 3)],
        [(1, 0), (1, 1), (1, 2), (1, 3)],
        [(2, 0), (2, 1), (2, 2), (2, 3)],
        [(0, 0), (1, 0), (2, 0)],
        [(0, 1), (1, 1), (2, 1)],
        [(0, 2), (1, 2), (2, 2)],
        [(0, 3), (1, 3), (2, 3)],
    ]


def test_complement_preference_order():
    weight = np.array([[0.0, 3.0, 9.0, 12.0], [0.0, 3.0, 7.0, 10.0], [0.0, 6.0, 16.0, 22.0]])
    mask = np.zeros((3, 4), dtype=bool)
    row = [(0, 0), (0, 1), (0, 2), (0, 3)]
    # A positive weight beats a zero one even though zero is cheaper.
    assert _pick_complement([(0, 0), (0, 2)], weight, mask, row) == (0, 2)
    # Among positive weights, the smaller one.
    assert _pick_complement([(0, 1), (0, 2), (0, 3)], weight, mask, row) == (0, 1)
    # An entry whose column already hides something is preferred over a cheaper one.
    mask[1, 2] = True
    assert _pick_complement([(0, 1), (0, 2), (0, 3)], weight, mask, row) == (0, 2)
    # In a column equation the crossing lines are rows.
    column = [(0, 1), (1, 1), (2, 1)]
    mask = np.zeros((3, 4), dtype=bool)
    assert _pick_complement([(1, 1), (2, 1)], weight, mask, column) == (1, 1)
    mask[2, 3] = True
    assert _pick_complement([(1, 1), (2, 1)], weight, mask, column) == (2, 1)
    # Ties break by position.
    even = np.ones((3, 4))
    assert _pick_complement([(0, 2), (0, 1)], even, np.zeros((3, 4), dtype=bool), row) == (0, 1)


def test_classic_pass_reports_whether_it_changed_anything():
    table = with_margins(np.array([[21, 2, 7], [6, 6, 1]]))
    mask = sensitive_counts(table)
    assert _classic_pass(mask, table) is True
    assert mask.sum() > 2
    while _classic_pass(mask, table):
        pass
    assert _classic_pass(mask, table) is False
    everything = np.ones((2, 2), dtype=bool)
    assert _classic_pass(everything, np.ones((2, 2))) is False


def test_rref_of_a_small_system():
    reduced, pivots = _rref(np.array([[0.0, 2.0, 4.0], [1.0, 1.0, 1.0], [1.0, 3.0, 5.0]]))
    assert pivots == [0, 1]
    assert np.allclose(reduced, [[1.0, 0.0, -1.0], [0.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    reduced, pivots = _rref(np.array([[1.0, -1.0], [1.0, 1.0]]))
    assert pivots == [0, 1] and np.allclose(reduced, np.eye(2))
    # More columns than rows: stops when every row has its pivot.
    reduced, pivots = _rref(np.array([[0.0, 0.0, 1.0, 1.0]]))
    assert pivots == [2] and reduced.tolist() == [[0.0, 0.0, 1.0, 1.0]]
    # Entries below the tolerance count as zero.
    reduced, pivots = _rref(np.array([[1e-12, 1.0], [0.0, 0.0]]))
    assert pivots == [1]


def test_determined_entries_of_simple_patterns():
    assert determined_entries(np.zeros((3, 3), dtype=bool)) == []
    square = np.zeros((3, 3), dtype=bool)
    square[0, 0] = square[0, 1] = square[1, 0] = square[1, 1] = True
    assert determined_entries(square) == []
    single = np.zeros((3, 3), dtype=bool)
    single[1, 1] = True
    assert determined_entries(single) == [(1, 1)]
    total = np.zeros((3, 3), dtype=bool)
    total[0, 2] = True  # a hidden row total follows from its published row
    assert determined_entries(total) == [(0, 2)]


def test_recoverable_by_subtraction_lists_lonely_hidden_entries():
    mask = np.zeros((3, 3), dtype=bool)
    mask[0, 0] = mask[0, 1] = True
    assert recoverable_by_subtraction(None, mask) == [(0, 0), (0, 1)]  # each alone in its column
    mask[1, 0] = mask[1, 1] = True
    assert recoverable_by_subtraction(None, mask) == []


def test_coarsen_mask_publishes_only_derivable_groups():
    fine = np.zeros((3, 5), dtype=bool)  # two rows, four vehicles, with margins
    fine[0, 0] = fine[0, 1] = True  # both hidden vehicles of row 0 are in group 0
    fine[1, 1] = fine[1, 2] = True  # row 1 hides one vehicle in each group
    groups = [[0, 1], [2, 3]]
    coarse = coarsen_mask(fine, groups)
    assert coarse.tolist() == [[False, False, False], [True, True, False], [False, False, False]]
    fine[1, 4] = True  # with the row total hidden nothing in that row is derivable
    assert coarsen_mask(fine, groups)[1].tolist() == [True, True, True]
    assert coarsen_mask(fine, [[0, 1], []])[:, 1].tolist() == [False, False, False]
    only_total = coarsen_mask(fine, None)
    assert only_total.tolist() == [[False, False], [True, True], [False, False]]

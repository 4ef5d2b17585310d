"""Disclosure control: primary and complementary suppression on tables with margins."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stats.domain.disclosure import (
    determined_entries,
    equations,
    protect,
    recoverable_by_subtraction,
    sensitive_counts,
    with_margins,
)
from stats.domain.tables import Ratio, TableSpec, anonymised_table


def test_sensitive_counts_flags_one_to_four_only():
    assert sensitive_counts(np.array([0, 1, 4, 5, 12])).tolist() == [False, True, True, False, False]


def test_with_margins_adds_row_column_and_grand_totals():
    table = with_margins(np.array([[1, 2], [3, 4]]))
    assert table.tolist() == [[1, 2, 3], [3, 4, 7], [4, 6, 10]]


def test_single_small_cell_gets_exactly_one_partner_per_row_and_column():
    table = with_margins(np.array([[21, 2, 7], [6, 6, 1]]))
    result = protect(sensitive_counts(table), table)
    # The two small cells (2 and 1) and their cheapest partners (7 and 6) form a rectangle.
    assert result.mask.astype(int).tolist() == [[0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    assert (result.primary, result.secondary) == (2, 2)
    assert recoverable_by_subtraction(table, result.mask) == []
    assert determined_entries(result.mask) == []


def test_small_total_is_suppressed_with_its_cell():
    # One column: the row total equals the cell; a small row hides both and a partner row.
    table = with_margins(np.array([[3], [9], [8]]))
    mask = protect(sensitive_counts(table), table).mask
    assert mask[0, 0] and mask[0, 1]
    assert mask[:3, 0].sum() == 2  # the cheapest other period (8) is hidden as well
    assert mask[2, 0] and not mask[1, 0]
    assert determined_entries(mask) == []


def test_complement_prefers_cells_that_count_somebody():
    table = with_margins(np.array([[2, 0, 9, 30]]))
    mask = protect(sensitive_counts(table), table).mask
    assert mask[0, 0] and mask[0, 2] and not mask[0, 1]


def test_linear_audit_finds_a_cell_recoverable_through_two_equations():
    # Hidden: (0,0), (0,1), (1,1). Row 1 hides only (1,1): recoverable, and the audit agrees.
    mask = np.zeros((3, 3), dtype=bool)
    mask[0, 0] = mask[0, 1] = mask[1, 1] = True
    assert (1, 1) in recoverable_by_subtraction(None, mask)
    assert set(determined_entries(mask)) == {(0, 0), (0, 1), (1, 1)}


counts = st.integers(min_value=1, max_value=6).flatmap(
    lambda rows: st.integers(min_value=1, max_value=6).flatmap(
        lambda cols: arrays(np.int64, (rows, cols), elements=st.one_of(st.integers(0, 6), st.integers(0, 60)))
    )
)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_no_suppressed_value_can_be_derived_from_published_totals(inner):
    table = with_margins(inner)
    mask = protect(sensitive_counts(table), table).mask
    # Every small entry (inner or total) is hidden.
    assert not (sensitive_counts(table) & ~mask).any()
    # No row or column has exactly one hidden entry ...
    for eq in equations(table.shape):
        assert sum(bool(mask[e]) for e in eq) != 1
    # ... and no hidden entry follows from any combination of the published equations.
    assert determined_entries(mask) == []


def hidden_value_range(table: np.ndarray, mask: np.ndarray, target: tuple[int, int]) -> tuple[float, float]:
    """What a reader can learn about one hidden entry: its minimum and maximum over all
    non-negative tables that agree with every published entry and every equation (an LP)."""
    from scipy.optimize import linprog

    hidden = [tuple(map(int, e)) for e in np.argwhere(mask)]
    index = {e: n for n, e in enumerate(hidden)}
    a_eq, b_eq = [], []
    for eq in equations(table.shape):
        *inner, total = eq
        row = np.zeros(len(hidden))
        rhs = 0.0
        for e in inner:
            if e in index:
                row[index[e]] += 1
            else:
                rhs -= table[e]
        if total in index:
            row[index[total]] -= 1
        else:
            rhs += table[total]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    c = np.zeros(len(hidden))
    c[index[target]] = 1
    low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    upper = float("inf") if high.status == 3 else -high.fun  # 3: unbounded
    return low.fun, upper


@settings(max_examples=80, deadline=None)
@given(counts)
def test_a_reader_solving_the_published_table_cannot_pin_any_small_cell(inner):
    """Even with non-negativity (an attacker's LP), no small cell's value is pinned down."""
    table = with_margins(inner)
    mask = protect(sensitive_counts(table), table).mask
    for target in map(tuple, np.argwhere(sensitive_counts(table))):
        low, high = hidden_value_range(table, mask, target)
        assert high - low >= 1 - 1e-9, (target, low, high)


def test_anonymised_table_hides_small_cells_and_keeps_margins_exact():
    cells = pd.DataFrame(
        {"p": ["a", "a", "b", "b"], "v": ["x", "y", "x", "y"], "n": [3, 10, 20, 30], "h": [1.5, 2.0, 3.0, 4.0]}
    )
    spec = TableSpec(counts=["n"], sums=["h"], ratios=[Ratio("h_per_trip", "h", "n")])
    table = anonymised_table(cells, spec=spec, row_dim="p", row_keys=["a", "b"], col_dim="v", col_keys=["x", "y"])
    rows = {(r.p, r.v): r for r in table.itertuples()}
    assert rows[("a", "x")].suppressed and pd.isna(rows[("a", "x")].n) and pd.isna(rows[("a", "x")].h)
    assert rows[("total", "total")].n == 63 and rows[("total", "total")].h == 10.5
    assert rows[("total", "total")].h_per_trip == round(10.5 / 63, 4)
    assert 3 not in table["n"].dropna().tolist()
    for eq_rows in (table[table.p == "a"], table[table.p == "b"], table[table.v == "x"], table[table.v == "y"]):
        assert eq_rows["suppressed"].sum() != 1


def test_fractional_sums_are_never_rounded_away():
    # Regression (found by the benchmark): 77936.25 hours must not become 77936.
    cells = pd.DataFrame({"p": ["a", "b"], "n": [3000, 3100], "h": [77936.25, 75427.75]})
    table = anonymised_table(cells, spec=TableSpec(counts=["n"], sums=["h"]), row_dim="p", row_keys=["a", "b"])
    assert table["h"].tolist() == [77936.25, 75427.75, 153364.0]


def test_coarsened_mask_publishes_only_what_the_fine_table_implies():
    from stats.domain.disclosure import coarsen_mask

    # Fine: 2 periods x 4 vehicles; stations A = {0, 1}, B = {2, 3}.
    fine = np.zeros((3, 5), dtype=bool)
    fine[0, 1] = fine[0, 2] = True  # hidden in different stations: both stations hidden
    fine[1, 2] = fine[1, 3] = True  # both in station B with the total published: B follows
    fine[2, 1] = fine[2, 2] = True  # column totals
    coarse = coarsen_mask(fine, [[0, 1], [2, 3]])
    assert coarse.astype(int).tolist() == [[1, 1, 0], [0, 0, 0], [1, 1, 0]]
    # The whole-table view is the fine total column.
    assert coarsen_mask(fine, None).astype(int).tolist() == [[0, 0], [0, 0], [0, 0]]


@settings(max_examples=60, deadline=None)
@given(counts, st.integers(min_value=1, max_value=3))
def test_linked_coarse_table_adds_no_information(inner, n_groups):
    """Publishing the coarse table next to the fine one determines no hidden fine entry."""
    from stats.domain.disclosure import coarsen_mask

    table = with_margins(inner)
    mask = protect(sensitive_counts(table), table).mask
    cols = inner.shape[1]
    groups = [[j for j in range(cols) if j % n_groups == g] for g in range(n_groups)]
    coarse = coarsen_mask(mask, groups)
    for i in range(table.shape[0]):
        hidden = [j for j in range(cols) if mask[i, j]]
        for g, members in enumerate(groups):
            if coarse[i, g]:
                continue
            # A published group sum: all members published, or all hidden ones with a known total.
            inside = [j for j in members if mask[i, j]]
            assert not inside or (sorted(inside) == hidden and not mask[i, cols])

"""Anonymised tables (no database): one column, imposed masks, weights, types and ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stats.domain.tables import TOTAL, Ratio, TableSpec, anonymised_table, protection_mask

CELLS = pd.DataFrame(
    {
        "p": ["a", "a", "b", "b", "zzz"],
        "v": ["x", "y", "x", "y", "x"],
        "n": [6, 10, 20, 30, 1],  # the "zzz" row is not listed: ignored
        "w": [50, 1, 1, 50, 0],
        "h": [1.0, 2.0, 3.0, 4.0, 99.0],
        "km": [1.234, 2.0, 3.0, 4.0, 0.0],
    }
)


def test_a_full_table_with_margins_in_order():
    spec = TableSpec(counts=["n"], sums=["h", "km"], ratios=[Ratio("h_per_n", "h", "n", digits=3)])
    table = anonymised_table(CELLS, spec=spec, row_dim="p", row_keys=["a", "b"], col_dim="v", col_keys=["x", "y"])
    assert list(table.columns) == ["p", "v", "n", "h", "km", "h_per_n", "suppressed"]
    assert list(zip(table.p, table.v, strict=True)) == [
        ("a", "x"), ("a", "y"), ("a", TOTAL), ("b", "x"), ("b", "y"), ("b", TOTAL),
        (TOTAL, "x"), (TOTAL, "y"), (TOTAL, TOTAL),
    ]  # fmt: skip
    assert table["n"].tolist() == [6, 10, 16, 20, 30, 50, 26, 40, 66]
    assert str(table["n"].dtype) == "Int64" and str(table["h"].dtype) == "Int64"  # whole hours stay integers
    assert str(table["km"].dtype) == "Float64" and table["km"].tolist()[0] == 1.23  # two decimals
    assert table["h_per_n"].tolist()[0] == round(1 / 6, 3)
    assert not table["suppressed"].any()


def test_one_column_table_shows_only_column_totals():
    spec = TableSpec(counts=["n"], sums=["h"])
    table = anonymised_table(CELLS, spec=spec, row_dim="p", row_keys=["a", "b", "c"])
    assert "v" not in table.columns
    assert table["p"].tolist() == ["a", "b", "c", TOTAL]
    assert table["n"].tolist() == [16, 50, 0, 66]  # a listed row without cells counts zero
    assert table["h"].tolist() == [3, 7, 0, 10]


def test_min_cell_decides_what_is_small():
    spec = TableSpec(counts=["n"], min_cell=7)
    table = anonymised_table(CELLS, spec=spec, row_dim="p", row_keys=["a", "b"], col_dim="v", col_keys=["x", "y"])
    hidden = {(r.p, r.v) for r in table.itertuples() if r.suppressed}
    assert ("a", "x") in hidden  # 6 < 7
    assert pd.isna(table.loc[(table.p == "a") & (table.v == "x"), "n"]).all()
    assert not anonymised_table(
        CELLS, spec=TableSpec(counts=["n"], min_cell=6), row_dim="p", row_keys=["a", "b"], col_dim="v",
        col_keys=["x", "y"],
    )["suppressed"].any()  # fmt: skip


def test_the_weight_column_picks_the_complements():
    cells = pd.DataFrame(
        {"p": ["a", "a", "a", "b", "b", "b"], "v": ["x", "y", "z"] * 2, "n": [6, 10, 20, 20, 30, 10],
         "w": [5, 50, 1, 5, 1, 50]}
    )  # fmt: skip
    args = {"row_dim": "p", "row_keys": ["a", "b"], "col_dim": "v", "col_keys": ["x", "y", "z"]}
    by_n = protection_mask(cells, spec=TableSpec(counts=["n"], hidden=["w"], min_cell=7), **args)
    by_w = protection_mask(cells, spec=TableSpec(counts=["n"], hidden=["w"], weight="w", min_cell=7), **args)
    # By count the cheapest partner of (a, x) in row a is y (10); by weight it is z (1).
    assert by_n.astype(int).tolist() == [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    assert by_w.astype(int).tolist() == [[1, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
    table = anonymised_table(cells, spec=TableSpec(counts=["n"], hidden=["w"], weight="w", min_cell=7), **args)
    assert "w" not in table.columns


def test_an_imposed_mask_must_hide_every_small_entry():
    spec = TableSpec(counts=["n"], min_cell=7)
    args = {"row_dim": "p", "row_keys": ["a", "b"], "col_dim": "v", "col_keys": ["x", "y"]}
    with pytest.raises(ValueError, match="^the imposed mask publishes a small n entry$"):
        anonymised_table(CELLS, spec=spec, mask=np.zeros((3, 3), dtype=bool), **args)
    everything = np.ones((3, 3), dtype=bool)
    table = anonymised_table(CELLS, spec=spec, mask=everything, **args)
    assert table["suppressed"].all() and table["n"].isna().all()


def test_ratio_of_an_empty_cell_is_missing():
    spec = TableSpec(counts=["n"], sums=["h"], ratios=[Ratio("h_per_n", "h", "n")])
    cells = pd.DataFrame({"p": ["a"], "n": [0], "h": [0.0]})
    table = anonymised_table(cells, spec=spec, row_dim="p", row_keys=["a"])
    assert table["h_per_n"].isna().all()
    assert Ratio("r", "a", "b").digits == 4


def test_an_empty_frame_gives_zeros():
    spec = TableSpec(counts=["n"], sums=["h"])
    empty = pd.DataFrame({"p": [], "n": [], "h": []})
    table = anonymised_table(empty, spec=spec, row_dim="p", row_keys=["a"])
    assert table["n"].tolist() == [0, 0] and not table["suppressed"].any()


def test_unknown_keys_and_unreadable_figures_are_left_out_and_hidden_ratios_stay_hidden():
    cells = pd.DataFrame(
        {"p": ["a", "a", "b", "b", "a"], "v": ["x", "y", "x", "y", "elsewhere"], "n": [3, 10, 20, "n/a", 99],
         "h": [6.0, 20.0, 40.0, 60.0, 1.0]}
    )  # fmt: skip
    spec = TableSpec(counts=["n"], sums=["h"], ratios=[Ratio("h_per_n", "h", "n")])
    table = anonymised_table(cells, spec=spec, row_dim="p", row_keys=["a", "b"], col_dim="v", col_keys=["x", "y"])
    by_cell = {(r.p, r.v): r for r in table.itertuples()}
    assert by_cell[("b", "y")].n == 0  # "n/a" counts nothing; the "elsewhere" column is not shown
    assert by_cell[(TOTAL, TOTAL)].n == 33
    hidden = by_cell[("a", "x")]
    assert hidden.suppressed and pd.isna(hidden.n) and pd.isna(hidden.h) and pd.isna(hidden.h_per_n)
    assert by_cell[(TOTAL, TOTAL)].h_per_n == round(126 / 33, 4)
    assert pd.isna(by_cell[("b", "y")].h_per_n)  # published, but 60 hours over 0 trips has no ratio

"""From aggregated cells to a published, anonymised table (pandas, no Django).

The selectors deliver one row per (row key, column key) with additive figures. Here they
become a full grid with margins (totals per row, per column and overall), one suppression
pattern is computed for the grid (``disclosure.protect``), ratios are derived from the
additive figures (so a total's ratio is the ratio of totals), and the result is a tidy frame:
one line per published cell, hidden figures as missing values and ``suppressed = True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .disclosure import MIN_CELL, protect, sensitive_counts, with_margins

TOTAL = "total"


@dataclass(frozen=True)
class Ratio:
    """``name = numerator / denominator`` (rounded to ``digits``), from additive figures."""

    name: str
    numerator: str
    denominator: str
    digits: int = 4


@dataclass(frozen=True)
class TableSpec:
    """What the table holds.

    ``counts`` are figures counting people or trips (they decide primary suppression);
    ``sums`` are other additive figures (hours, km, cents); ``weight`` is the count used to
    pick complementary cells; ``hidden`` are additive helpers used for ratios but not output.
    """

    counts: Sequence[str]
    sums: Sequence[str] = ()
    ratios: Sequence[Ratio] = ()
    weight: str = ""
    hidden: Sequence[str] = ()
    min_cell: int = MIN_CELL

    @property
    def additive(self) -> list[str]:
        return [*self.counts, *self.sums, *self.hidden]


def protection_mask(
    cells: pd.DataFrame,
    *,
    spec: TableSpec,
    row_dim: str,
    row_keys: Sequence[object],
    col_dim: str | None = None,
    col_keys: Sequence[object] = (),
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """The suppression pattern (with margins) that ``anonymised_table`` would use.

    ``forced`` (the table's shape with margins, True = hide) adds entries to hide whatever
    they count, e.g. totals a linked table does not let publish; complementary suppression
    then protects them like small entries."""
    grids = _grids(cells, spec, row_dim, list(row_keys), col_dim, list(col_keys))
    return _protect(grids, spec, forced)


def _grids(
    cells: pd.DataFrame,
    spec: TableSpec,
    row_dim: str,
    rows: list[object],
    col_dim: str | None,
    col_keys: list[object],
) -> dict[str, np.ndarray]:
    one_column = col_dim is None
    cols = [TOTAL] if one_column else col_keys
    r_index = {k: n for n, k in enumerate(rows)}
    c_index = {k: n for n, k in enumerate(cols)}
    grids: dict[str, np.ndarray] = {}
    for name in spec.additive:
        inner = np.zeros((len(rows), len(cols)))
        if len(cells):
            r = cells[row_dim].map(r_index)
            c = pd.Series(0, index=cells.index) if one_column else cells[col_dim].map(c_index)
            keep = r.notna() & c.notna()
            values = pd.to_numeric(cells.loc[keep, name], errors="coerce").fillna(0).to_numpy(dtype=float)
            np.add.at(inner, (r[keep].to_numpy(dtype=int), c[keep].to_numpy(dtype=int)), values)
        grids[name] = with_margins(inner)
    return grids


def _protect(grids: dict[str, np.ndarray], spec: TableSpec, forced: np.ndarray | None = None) -> np.ndarray:
    shape = next(iter(grids.values())).shape
    sensitive = np.zeros(shape, dtype=bool)
    if forced is not None:
        if forced.shape != shape:
            raise ValueError(f"forced has shape {forced.shape}, the table {shape}")
        sensitive |= forced.astype(bool)
    for name in spec.counts:
        sensitive |= sensitive_counts(grids[name], spec.min_cell)
    return protect(sensitive, grids[spec.weight or spec.counts[0]]).mask


def anonymised_table(
    cells: pd.DataFrame,
    *,
    spec: TableSpec,
    row_dim: str,
    row_keys: Sequence[object],
    col_dim: str | None = None,
    col_keys: Sequence[object] = (),
    mask: np.ndarray | None = None,
) -> pd.DataFrame:
    """The published table for ``cells`` (columns ``row_dim``, ``col_dim``, figures).

    ``row_keys``/``col_keys`` list every row and column to show (missing cells count zero),
    in order. Without ``col_dim`` the table is one column and only column totals are shown.
    ``mask`` imposes a suppression pattern (e.g. ``coarsen_mask`` of a linked finer table)
    instead of computing one; it must still hide every small entry. Figures of suppressed
    entries are ``<NA>``; counts and sums are integers where they are whole in the input.
    """
    one_column = col_dim is None
    cols = [TOTAL] if one_column else list(col_keys)
    rows = list(row_keys)
    grids = _grids(cells, spec, row_dim, rows, col_dim, list(col_keys))
    if mask is None:
        mask = _protect(grids, spec)
    else:
        for name in spec.counts:
            if (sensitive_counts(grids[name], spec.min_cell) & ~mask).any():
                raise ValueError(f"the imposed mask publishes a small {name} entry")

    row_labels = [*rows, TOTAL]
    col_labels = [*cols, TOTAL]
    records = []
    for i, row_label in enumerate(row_labels):
        for j, col_label in enumerate(col_labels):
            if one_column and j == len(cols):
                continue  # the row total mirrors the single column
            hide = bool(mask[i, j])
            record = {row_dim: row_label}
            if col_dim is not None:  # i.e. not one_column
                record[col_dim] = col_label
            for name in [*spec.counts, *spec.sums]:
                record[name] = None if hide else grids[name][i, j]
            for ratio in spec.ratios:
                den = grids[ratio.denominator][i, j]
                value = round(grids[ratio.numerator][i, j] / den, ratio.digits) if den else None
                record[ratio.name] = None if hide else value
            record["suppressed"] = hide
            records.append(record)
    frame = pd.DataFrame.from_records(records)
    for name in spec.counts:
        frame[name] = frame[name].astype("Int64") if len(frame) else frame[name]
    for name in spec.sums:
        column = pd.to_numeric(frame[name], errors="coerce")
        whole = column.dropna()
        if len(whole) and (whole == whole.round()).all():
            frame[name] = column.round().astype("Int64")
        else:
            frame[name] = column.round(2).astype("Float64")
    for ratio in spec.ratios:
        frame[ratio.name] = pd.to_numeric(frame[ratio.name], errors="coerce").astype("Float64")
    return frame

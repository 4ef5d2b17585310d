"""Statistical disclosure control for two-way tables with margins (no Django).

A table is an ``(R + 1) x (C + 1)`` array: ``R`` rows (e.g. periods) by ``C`` columns (e.g.
vehicles), plus a last column of row totals and a last row of column totals; the bottom-right
entry is the grand total. Every row and every column is one *equation*: its inner entries sum
to its total entry. A reader who knows all published entries of an equation but one learns
that one by subtraction. Protection therefore needs, in every equation, either no suppressed
entry or at least two (the classic rule), and — stronger, checked here too — no suppressed
entry may be a linear combination of published entries through any set of equations.

* Primary suppression: every entry flagged ``sensitive`` (the caller flags entries counting
  1–4 people or trips; zero counts nobody and is not sensitive).
* Complementary (secondary) suppression: while some equation has exactly one suppressed entry,
  also suppress that equation's unsuppressed entry with the smallest ``weight`` (preferring
  entries with a positive weight, i.e. cells that count somebody); then audit the whole system
  with linear algebra and add more until no suppressed entry is determined.

One pattern is computed per table and applied to all of a cell's figures together, so hours,
kilometres and money of a hidden cell are hidden with its counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: Entries counting fewer than this many people or trips (but more than zero) are suppressed.
MIN_CELL = 5


def sensitive_counts(counts: np.ndarray, min_cell: int = MIN_CELL) -> np.ndarray:
    """Boolean mask of counts that could single somebody out: ``0 < count < min_cell``."""
    counts = np.asarray(counts)
    return (counts > 0) & (counts < min_cell)


def with_margins(inner: np.ndarray) -> np.ndarray:
    """``inner`` (R x C) with a last column of row sums and a last row of column sums."""
    inner = np.asarray(inner, dtype=float)
    rows, cols = inner.shape
    table = np.zeros((rows + 1, cols + 1))
    table[:rows, :cols] = inner
    table[:rows, cols] = inner.sum(axis=1)
    table[rows, :cols] = inner.sum(axis=0)
    table[rows, cols] = inner.sum()
    return table


def equations(shape: tuple[int, int]) -> Iterator[list[tuple[int, int]]]:
    """The entries of every additive equation of a table with margins of ``shape``.

    Each list names the inner entries of one row (or column) followed by its total entry.
    A table with a single inner column has row totals equal to that column; its row
    equations are kept (the total mirrors the cell and is protected with it).
    """
    n_rows, n_cols = shape
    rows, cols = n_rows - 1, n_cols - 1
    for i in range(n_rows):
        yield [(i, j) for j in range(cols)] + [(i, cols)]
    for j in range(n_cols):
        yield [(i, j) for i in range(rows)] + [(rows, j)]


@dataclass(frozen=True)
class Suppression:
    """The outcome: ``mask`` (True = suppressed) and how many entries each step hid."""

    mask: np.ndarray
    primary: int
    secondary: int


def _pick_complement(
    candidates: list[tuple[int, int]], weight: np.ndarray, mask: np.ndarray, current: list[tuple[int, int]]
) -> tuple[int, int]:
    """The cheapest entry to hide next in equation ``current``.

    Preference: an entry that counts somebody (weight > 0); then one whose crossing equation
    already hides something (hiding it there needs no further complement); then the smallest
    weight; ties by position.
    """
    is_row = len({i for i, _ in current}) == 1
    # Hidden entries in each candidate's crossing line (the candidate itself is not hidden).
    crossing_hidden = mask.sum(axis=0) if is_row else mask.sum(axis=1)

    def crossing_needs_more(e: tuple[int, int]) -> bool:
        return crossing_hidden[e[1] if is_row else e[0]] == 0

    return min(candidates, key=lambda e: (weight[e] <= 0, crossing_needs_more(e), weight[e], e))


def _classic_pass(mask: np.ndarray, weight: np.ndarray) -> bool:
    changed = False
    for eq in equations(mask.shape):
        hidden = [e for e in eq if mask[e]]
        if len(hidden) == 1:
            candidates = [e for e in eq if not mask[e]]
            if candidates:
                mask[_pick_complement(candidates, weight, mask, eq)] = True
                changed = True
    return changed


def _rref(a: np.ndarray, tol: float = 1e-9) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form by Gauss-Jordan elimination with partial pivoting.

    Element-wise numpy only (no BLAS call), so it stays fast next to busy processes; the
    matrices here are small (equations x hidden entries) with entries -1, 0 and 1.
    """
    m = a.astype(float).copy()
    rows, cols = m.shape
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        if r == rows:
            break
        best = r + int(np.argmax(np.abs(m[r:, c])))
        if abs(m[best, c]) <= tol:
            continue
        if best != r:
            m[[r, best]] = m[[best, r]]
        m[r] /= m[r, c]
        factors = m[:, c].copy()
        factors[r] = 0.0
        nonzero = np.nonzero(np.abs(factors) > tol)[0]
        if nonzero.size:
            m[nonzero] -= factors[nonzero, None] * m[r]
        m[np.abs(m) <= tol] = 0.0
        pivots.append(c)
        r += 1
    return m, pivots


def determined_entries(mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed entries whose value follows from the published ones through the equations.

    The unknowns are the suppressed entries; each equation restricted to them is one row of
    ``A`` (the published entries go to the right-hand side). Entry ``k`` is determined exactly
    when the unit vector ``e_k`` lies in the row space of ``A``.
    """
    hidden: list[tuple[int, int]] = [(int(e[0]), int(e[1])) for e in np.argwhere(mask)]
    if not hidden:
        return []
    index = {e: n for n, e in enumerate(hidden)}
    rows = []
    for eq in equations(mask.shape):
        coeffs = np.zeros(len(hidden))
        *inner, total = eq
        for e in inner:
            if e in index:
                coeffs[index[e]] += 1.0
        if total in index:
            coeffs[index[total]] -= 1.0
        if coeffs.any():
            rows.append(coeffs)
    if not rows:
        return []
    a = np.array(rows)
    reduced, pivots = _rref(a)
    found = []
    for row, col in enumerate(pivots):
        # e_k lies in the row space iff k is a pivot column whose reduced row is e_k itself.
        others = np.abs(reduced[row]) > 1e-9
        others[col] = False
        if not others.any():
            found.append(hidden[col])
    return found


def protect(sensitive: np.ndarray, weight: np.ndarray) -> Suppression:
    """The suppression pattern for a table with margins (see the module docstring).

    ``sensitive`` and ``weight`` have the table's shape ``(R + 1, C + 1)``; ``weight`` is the
    cost of hiding an entry (its trip count). Deterministic: ties break by position.
    """
    sensitive = np.asarray(sensitive, dtype=bool)
    weight = np.asarray(weight, dtype=float)
    if sensitive.shape != weight.shape or sensitive.ndim != 2:
        raise ValueError("sensitive and weight must be 2-D arrays of one shape")
    mask = sensitive.copy()
    primary = int(mask.sum())
    while True:
        while _classic_pass(mask, weight):
            pass
        leaks = determined_entries(mask)
        if not leaks:
            break
        # Hide one more entry next to every leak: in an equation through it, the cheapest
        # published entry. Monotone, so this ends (at worst with everything hidden).
        progressed = False
        for leak in leaks:
            for eq in equations(mask.shape):
                if leak in eq:
                    candidates = [e for e in eq if not mask[e]]
                    if candidates:
                        mask[_pick_complement(candidates, weight, mask, eq)] = True
                        progressed = True
                        break
        if not progressed:
            break
    return Suppression(mask=mask, primary=primary, secondary=int(mask.sum()) - primary)


def coarsen_mask(fine: np.ndarray, groups: list[list[int]] | None) -> np.ndarray:
    """The pattern of a coarser table linked to a protected fine one (linked tables).

    ``fine`` is the fine table's mask with margins ``(R + 1, C + 1)``; each coarse column is
    the sum of the fine columns listed in ``groups`` (e.g. a station's vehicles), or with
    ``groups=None`` the coarse table is the fine table's total column alone. A coarse entry
    is published only when its value follows from what the fine table publishes: every fine
    entry it sums is published, or it holds all hidden entries of its row and the row total
    is published. So the two tables together reveal nothing the fine one alone does not.
    Returns ``(R + 1, G + 1)``.
    """
    n_rows, n_cols = fine.shape
    total = fine[:, n_cols - 1]
    if groups is None:
        return np.stack([total, total], axis=1)
    coarse = np.zeros((n_rows, len(groups) + 1), dtype=bool)
    hidden_inner = fine[:, : n_cols - 1].sum(axis=1)
    for g, cols in enumerate(groups):
        if cols:
            inside = fine[:, list(cols)].sum(axis=1)
            # Also published: a group holding every hidden entry of its row while the row
            # total is published (its sum is then the total minus published entries).
            derivable = (inside == hidden_inner) & ~total
            coarse[:, g] = (inside > 0) & ~derivable
    coarse[:, len(groups)] = total
    return coarse


def recoverable_by_subtraction(table: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed entries that are the only suppressed entry of some equation (an audit)."""
    found = []
    for eq in equations(mask.shape):
        hidden = [e for e in eq if mask[e]]
        if len(hidden) == 1:
            found.append(hidden[0])
    return found

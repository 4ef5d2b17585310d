"""Statistics disclosure: a table whose suppression needs more than one repair round (pure)."""

from __future__ import annotations

import numpy as np

from stats.domain.disclosure import determined_entries, protect, sensitive_counts, with_margins


def test_protect_repairs_until_no_hidden_entry_can_be_recovered():
    # found by a search over random tables: right after the first repair round, row 1's last
    # cell and its total can still be recovered, so protect() must go round again (classic
    # pass, then the linear check); it ends with five secondary suppressions and no leak
    table = with_margins(np.array([[7, 1, 0, 3], [1, 0, 6, 1], [6, 0, 0, 0], [4, 0, 5, 0]]))
    assert table.tolist() == [
        [7, 1, 0, 3, 11],
        [1, 0, 6, 1, 8],
        [6, 0, 0, 0, 6],
        [4, 0, 5, 0, 9],
        [18, 1, 11, 4, 34],
    ]
    result = protect(sensitive_counts(table), table)
    assert result.mask.astype(int).tolist() == [
        [0, 1, 0, 1, 0],
        [1, 1, 1, 1, 1],
        [0, 0, 0, 0, 0],
        [1, 0, 1, 0, 1],
        [0, 1, 0, 1, 0],
    ]
    assert (result.primary, result.secondary) == (7, 5)
    assert determined_entries(result.mask) == []

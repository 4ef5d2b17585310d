"""The unmet-demand map and the searches report by zone pair are linked tables: a zone's
``searches`` on the map is the sum of its pairs' totals in the report of the same range.
Hand-made logs where subtracting a zone's shown pairs from its total recovered a hidden pair
(the zone table protected on its own, as before), and a linear audit of both tables together
(report + map, every published figure pinned) that no hidden entry follows from them."""

from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from stats.domain.tables import TOTAL, TableSpec, anonymised_table
from stats.models import SearchLog
from stats.selectors.reports import report_build, report_query
from stats.selectors.unmet_map import MET, SPEC, UNMET, unmet_cells, unmet_map

BERLIN = ZoneInfo("Europe/Berlin")
FIRST, LAST = date(2026, 1, 1), date(2026, 1, 31)
A, B, C = "Z2-2790-345", "Z2-2790-348", "Z2-2793-348"


def searches(origin: str, dest: str, n: int, *, found_nothing: int = 0, day: int = 10) -> None:
    """``n`` searches ``origin > dest``: ``found_nothing`` found nothing, the rest a good option."""
    SearchLog.objects.bulk_create(
        SearchLog(
            origin_zone=origin,
            destination_zone=dest,
            time_bin=datetime(2026, 1, day, 8, 0, tzinfo=BERLIN),
            modes="bus",
            results=0 if i < found_nothing else 2,
            best_minutes=None if i < found_nothing else 10,
            best_transfers=None if i < found_nothing else 0,
        )
        for i in range(n)
    )


def report_totals() -> dict[str, int | None]:
    """The searches report by zone pair over January (one period): each pair's published
    total (``None`` = hidden), and ``total``."""
    table = report_build(report_query(section="searches", by="zone_pair", period="all", first=FIRST, last=LAST)).table
    row = table[table["period"] == TOTAL]
    return {r.zones: (None if pd.isna(r.searches) else int(r.searches)) for r in row.itertuples()}


def zone_table_on_its_own() -> dict[str, int | None]:
    """The zone totals as the map published them before (its table protected on its own)."""
    cells = unmet_cells(first=FIRST, last=LAST)
    table = anonymised_table(
        cells,
        spec=TableSpec(counts=SPEC.counts, weight=SPEC.weight),
        row_dim="zone",
        row_keys=sorted(set(cells["zone"])),
        col_dim="kind",
        col_keys=[UNMET, MET],
    )
    row = table[table["kind"] == TOTAL]
    return {r.zone: (None if pd.isna(r.searches) else int(r.searches)) for r in row.itertuples()}


def true_count(origin: str, dest: str) -> int:
    return SearchLog.objects.filter(origin_zone=origin, destination_zone=dest).count()


def determined_jointly(report: dict[str, int | None], data, side: str = "origin") -> list[str]:
    """Hidden entries of the report's totals row or of the map whose value follows linearly
    from everything both publish. Unknowns: every pair total and the grand total of the report,
    every entry of the map (unmet, met, searches per zone and in total); equations: the report's
    row, the map's rows and columns, the link (a zone's searches = its pairs' totals), and one
    pin per published entry. Entry ``h`` is determined iff ``e_h`` is in the row space."""
    pairs = [k for k in report if k != TOTAL]
    zones = [z.zone.code for z in data.zones]
    names = [("report", k) for k in [*pairs, TOTAL]]
    names += [("map", z, kind) for z in [*zones, TOTAL] for kind in (UNMET, MET, "searches")]
    col = {n: i for i, n in enumerate(names)}
    rows: list[np.ndarray] = []

    def equation(plus: list, minus: list) -> None:
        row = np.zeros(len(names))
        for n in plus:
            row[col[n]] += 1
        for n in minus:
            row[col[n]] -= 1
        rows.append(row)

    equation([("report", k) for k in pairs], [("report", TOTAL)])
    for z in [*zones, TOTAL]:
        equation([("map", z, UNMET), ("map", z, MET)], [("map", z, "searches")])
    for kind in (UNMET, MET, "searches"):
        equation([("map", z, kind) for z in zones], [("map", TOTAL, kind)])
    for z in zones:
        end = 0 if side == "origin" else 1
        equation([("report", k) for k in pairs if k.split(" > ")[end] == z], [("map", z, "searches")])
    equation([("report", k) for k in pairs], [("map", TOTAL, "searches")])  # every pair is on the map here

    values = {("report", k): v for k, v in report.items()}
    for z in data.zones:
        values.update({("map", z.zone.code, UNMET): z.unmet, ("map", z.zone.code, MET): z.met})
        values[("map", z.zone.code, "searches")] = z.searches
    values.update({("map", TOTAL, "searches"): data.searches, ("map", TOTAL, UNMET): data.unmet})
    values[("map", TOTAL, MET)] = None if data.searches is None or data.unmet is None else data.searches - data.unmet
    for n, v in values.items():
        if v is not None:
            equation([n], [])
    system = np.array(rows)
    rank = np.linalg.matrix_rank(system)
    found = []
    for n, v in values.items():
        if v is None:
            unit = np.zeros(len(names))
            unit[col[n]] = 1
            if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
                found.append(" ".join(n))
    return found


def test_linked_subtracting_a_zones_shown_pairs_recovered_a_hidden_pair_and_now_does_not(db):
    searches(A, A, 10)
    searches(A, B, 3)  # hidden in the report
    searches(A, C, 20)
    searches(B, B, 10)
    searches(B, A, 3)  # hidden in the report (and the complement of A > B in its row)
    report = report_totals()
    assert report == {f"{A} > {A}": 10, f"{A} > {B}": None, f"{A} > {C}": 20, f"{B} > {A}": None,
                      f"{B} > {B}": 10, TOTAL: 46}  # fmt: skip

    # Before: the zone table protected on its own published A's 33 (and B's 13) ...
    before = zone_table_on_its_own()
    assert before == {A: 33, B: 13, TOTAL: 46}
    # ... and A's total minus its shown pairs is the hidden pair.
    recovered = before[A] - report[f"{A} > {A}"] - report[f"{A} > {C}"]
    assert recovered == true_count(A, B) == 3

    # Now: A's and B's totals are hidden, each with its row complement (met; unmet is 0).
    data = unmet_map(first=FIRST, last=LAST)
    assert {z.zone.code: (z.searches, z.unmet, z.met) for z in data.zones} == {A: (None, 0, None), B: (None, 0, None)}
    # The map's total is published: the two hidden pairs are all the report hides, and the
    # report's own total gives their sum (6) anyway.
    assert (data.searches, data.unmet) == (46, 0)
    # Nothing hidden follows from the two together (before: A > B, B > A and more did).
    assert determined_jointly(report, data) == []


def test_linked_a_zone_holding_every_hidden_pair_keeps_its_total(db):
    searches(A, A, 10)
    searches(A, B, 3)
    searches(A, C, 3)
    searches(B, B, 10)
    report = report_totals()
    assert report == {f"{A} > {A}": 10, f"{A} > {B}": None, f"{A} > {C}": None, f"{B} > {B}": 10, TOTAL: 26}
    data = unmet_map(first=FIRST, last=LAST)
    # A's 16 = 26 - 10 follows from the report alone: publishing it adds nothing.
    assert {z.zone.code: (z.searches, z.unmet, z.met) for z in data.zones} == {A: (16, 0, 16), B: (10, 0, 10)}
    assert determined_jointly(report, data) == []


@pytest.mark.parametrize(("n", "shown"), [(4, False), (5, True)])
def test_linked_boundary_four_hides_the_pair_and_the_zone_total_five_shows_both(db, n, shown):
    searches(A, A, 10)
    searches(A, B, n)
    searches(A, C, 20)
    searches(B, B, 10)
    searches(B, A, n)
    report = report_totals()
    data = unmet_map(first=FIRST, last=LAST)
    zones = {z.zone.code: (z.searches, z.unmet, z.met) for z in data.zones}
    if shown:
        assert (report[f"{A} > {B}"], report[f"{B} > {A}"]) == (5, 5)
        assert zones == {A: (35, 0, 35), B: (15, 0, 15)}
        assert zones[A][0] == report[f"{A} > {A}"] + report[f"{A} > {B}"] + report[f"{A} > {C}"]
    else:
        assert (report[f"{A} > {B}"], report[f"{B} > {A}"]) == (None, None)
        assert zones == {A: (None, 0, None), B: (None, 0, None)}
    assert (data.searches, data.unmet) == (20 + 20 + 2 * n, 0)
    assert determined_jointly(report, data) == []


def test_linked_four_searches_that_found_nothing_hide_the_pair_and_so_the_zone_total(db):
    # The report's own "unmet" column counts searches that found nothing: 4 of 12 hide A > A
    # there with all its figures, so its 12 must not be learnt from A's total on the map.
    searches(A, A, 12, found_nothing=4)
    searches(A, C, 20)
    searches(B, B, 10, found_nothing=3)
    report = report_totals()
    assert report == {f"{A} > {A}": None, f"{A} > {C}": 20, f"{B} > {B}": None, TOTAL: 42}
    data = unmet_map(first=FIRST, last=LAST)
    assert [z.searches for z in data.zones] == [None, None]
    assert determined_jointly(report, data) == []


def test_linked_random_logs_leave_nothing_determined_jointly(db):
    rng = random.Random(14)
    zones = [A, B, C]
    for _ in range(12):
        SearchLog.objects.all().delete()
        for origin in zones:
            for dest in zones:
                n = rng.choice([0, 0, 1, 3, 4, 5, 6, 9, 15])
                if n:
                    searches(origin, dest, n, found_nothing=rng.choice([0, 0, 0, 2, 5]) if n >= 5 else 0)
        report = report_totals()
        data = unmet_map(first=FIRST, last=LAST)
        assert determined_jointly(report, data) == []
        for z in data.zones:  # what is shown is exact
            if z.searches is not None:
                assert z.searches == SearchLog.objects.filter(origin_zone=z.zone.code).count()


def test_linked_the_map_counts_the_pairs_exactly_as_the_report_does(db):
    # The map counts the pairs from its own query (one query, not two); the pattern must be the
    # report's, foreign codes and searches outside the range included.
    from stats.selectors.reports import searches_pair_totals_mask
    from stats.selectors.unmet_map import _grouped_searches, _pair_counts

    searches(A, A, 12, found_nothing=4)
    searches(A, B, 3)
    searches(B, A, 7, found_nothing=7)
    searches("Z2-foreign", A, 2)
    searches(C, C, 9, day=31)
    SearchLog.objects.create(
        origin_zone=C, destination_zone=C, time_bin=datetime(2026, 2, 1, 0, 0, tzinfo=BERLIN), modes="bus", results=0
    )
    queried = searches_pair_totals_mask(first=FIRST, last=LAST)
    counted = searches_pair_totals_mask(
        first=FIRST, last=LAST, pairs=_pair_counts(_grouped_searches(first=FIRST, last=LAST))
    )
    assert queried[0] == counted[0] == sorted(report_totals().keys() - {TOTAL})
    assert (queried[1] == counted[1]).all()
    hidden = [k for k, h in zip(queried[0], queried[1][-1], strict=False) if h]
    assert hidden == [k for k, v in report_totals().items() if v is None]

"""Searches per period found by comparing with the report's period bounds (what the
operator's CSV export uses) give exactly the cells the time-zone truncation gives, at the
edges of local days, weeks and months too (the night the clocks go back included)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from stats.domain.periods import periods_between
from stats.models import SearchLog
from stats.selectors.searches import search_cells

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def cells(first: date, last: date, period: str, *, by_case: bool) -> list[tuple]:
    periods = periods_between(first, last, period, BERLIN)
    frame = search_cells(
        start=periods[0].start,
        end=periods[-1].end,
        period=period,
        first=first,
        by="zone_pair",
        tz=BERLIN,
        periods=periods if by_case else None,
    )
    return sorted((row.period, row.key, int(row.searches), int(row.unmet)) for row in frame.itertuples(index=False))


@pytest.mark.parametrize("period", ["day", "week", "month", "all"])
def test_period_by_bounds_equals_truncation(period):
    for local, results in (
        (datetime(2026, 9, 30, 23, 45), 0),  # the last quarter-hour of September, local
        (datetime(2026, 10, 1, 0, 0), 2),  # the first of October
        (datetime(2026, 10, 25, 2, 30), 0),  # the night the clocks go back
        (datetime(2026, 10, 31, 23, 59), 1),
        (datetime(2026, 11, 1, 0, 15), 0),
        (datetime(2026, 11, 2, 8, 0), 3),  # a Monday: a new week
    ):
        SearchLog.objects.create(
            origin_zone="A", destination_zone="B", time_bin=local.replace(tzinfo=BERLIN), modes="bus", results=results
        )
    first, last = date(2026, 9, 30), date(2026, 11, 2)
    by_case = cells(first, last, period, by_case=True)
    assert by_case == cells(first, last, period, by_case=False)
    assert sum(searches for _p, _k, searches, _u in by_case) == 6
    if period == "month":
        assert by_case == [
            (date(2026, 9, 1), "A > B", 1, 1),
            (date(2026, 10, 1), "A > B", 3, 1),
            (date(2026, 11, 1), "A > B", 2, 1),
        ]

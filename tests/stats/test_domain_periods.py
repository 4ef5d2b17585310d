"""Reporting periods (no database): labels, clipping, DST hours, counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from stats.domain.periods import (
    PERIODS,
    Period,
    count_periods,
    local_midnight,
    period_start,
    periods_between,
)

BERLIN = ZoneInfo("Europe/Berlin")


def _midnight(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("period", "label"),
    [("day", date(2026, 5, 6)), ("week", date(2026, 5, 4)), ("month", date(2026, 5, 1)), ("all", date(2026, 1, 1))],
)
def test_period_start(period, label):
    assert period_start(date(2026, 5, 6), period, date(2026, 1, 1)) == label


def test_period_start_of_a_monday_and_a_sunday():
    assert period_start(date(2026, 5, 4), "week", date(2026, 1, 1)) == date(2026, 5, 4)
    assert period_start(date(2026, 5, 10), "week", date(2026, 1, 1)) == date(2026, 5, 4)
    assert period_start(date(2026, 5, 1), "month", date(2026, 1, 1)) == date(2026, 5, 1)


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="^unknown period 'year'$"):
        period_start(date(2026, 5, 6), "year", date(2026, 1, 1))
    assert PERIODS == ("day", "week", "month", "all")


def test_days_with_clock_changes_have_23_and_25_hours():
    days = periods_between(date(2026, 3, 28), date(2026, 3, 30), "day", BERLIN)
    assert [p.label for p in days] == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert [p.hours for p in days] == [24.0, 23.0, 24.0]
    autumn = periods_between(date(2026, 10, 25), date(2026, 10, 25), "day", BERLIN)
    assert autumn == [Period(date(2026, 10, 25), _midnight(2026, 10, 25), _midnight(2026, 10, 26))]
    assert autumn[0].hours == 25.0


def test_weeks_are_clipped_to_the_range():
    weeks = periods_between(date(2026, 5, 6), date(2026, 5, 19), "week", BERLIN)
    assert weeks == [
        Period(date(2026, 5, 4), _midnight(2026, 5, 6), _midnight(2026, 5, 11)),
        Period(date(2026, 5, 11), _midnight(2026, 5, 11), _midnight(2026, 5, 18)),
        Period(date(2026, 5, 18), _midnight(2026, 5, 18), _midnight(2026, 5, 20)),
    ]


def test_months_across_the_year_end_and_month_lengths():
    months = periods_between(date(2025, 11, 30), date(2026, 3, 1), "month", BERLIN)
    assert [p.label for p in months] == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert months[0].start == _midnight(2025, 11, 30) and months[0].end == _midnight(2025, 12, 1)
    assert months[1].end == _midnight(2026, 1, 1)
    assert months[3].start == _midnight(2026, 2, 1) and months[3].end == _midnight(2026, 3, 1)
    assert months[4].start == _midnight(2026, 3, 1) and months[4].end == _midnight(2026, 3, 2)
    jan31 = periods_between(date(2026, 1, 31), date(2026, 2, 1), "month", BERLIN)
    assert [p.label for p in jan31] == [date(2026, 1, 1), date(2026, 2, 1)]


def test_all_is_one_period_and_a_single_day_is_allowed():
    assert periods_between(date(2026, 5, 6), date(2026, 5, 8), "all", BERLIN) == [
        Period(date(2026, 5, 6), _midnight(2026, 5, 6), _midnight(2026, 5, 9))
    ]
    one = periods_between(date(2026, 5, 6), date(2026, 5, 6), "week", BERLIN)
    assert one == [Period(date(2026, 5, 4), _midnight(2026, 5, 6), _midnight(2026, 5, 7))]


def test_last_before_first_is_refused():
    with pytest.raises(ValueError, match="^last must not be before first$"):
        periods_between(date(2026, 5, 6), date(2026, 5, 5), "day", BERLIN)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 5, 6), date(2026, 5, 6)),
        (date(2026, 5, 3), date(2026, 5, 4)),  # Sunday to Monday: two weeks
        (date(2026, 5, 4), date(2026, 5, 10)),  # Monday to Sunday: one week
        (date(2025, 12, 31), date(2026, 1, 1)),
        (date(2025, 1, 15), date(2026, 3, 14)),
    ],
)
def test_count_periods_matches_periods_between(first, last, period):
    count = count_periods(first, last, period)
    assert type(count) is int
    assert count == len(periods_between(first, last, period, BERLIN))


def test_local_midnight_and_hours():
    assert local_midnight(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    period = Period(date(2026, 5, 6), _midnight(2026, 5, 6), _midnight(2026, 5, 6) + timedelta(minutes=90))
    assert period.hours == 1.5

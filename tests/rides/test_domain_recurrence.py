"""Recurring rides: every weekday on fixed dates (never today's), window and ``until`` boundaries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rides.domain.recurrence import WEEKDAY_NAMES, mask_weekdays, occurrence_dates, weekday_mask

MONDAY = date(2026, 3, 2)  # a fixed Monday; the suite never depends on the day it runs


@pytest.mark.parametrize("day", range(7))
def test_each_weekday_alone_has_its_own_bit(day):
    assert weekday_mask([day]) == 1 << day
    assert weekday_mask([str(day)]) == 1 << day
    assert mask_weekdays(1 << day) == [day]


def test_masks_combine_and_round_trip():
    assert weekday_mask([]) == 0
    assert weekday_mask(range(7)) == 127
    assert weekday_mask([6, 0, 6]) == 0b1000001
    assert mask_weekdays(0) == []
    assert mask_weekdays(127) == [0, 1, 2, 3, 4, 5, 6]
    assert mask_weekdays(0b110000000) == []  # bits beyond Sunday are no weekdays
    assert mask_weekdays(weekday_mask([1, 3, 5])) == [1, 3, 5]
    assert WEEKDAY_NAMES[6] == "sun"


@pytest.mark.parametrize("day", [-1, 7, 8])
def test_weekdays_outside_monday_to_sunday_are_refused(day):
    with pytest.raises(ValueError) as raised:
        weekday_mask([0, day])
    assert str(raised.value) == f"weekday {day} is not between 0 (Monday) and 6 (Sunday)"


@pytest.mark.parametrize("day", range(7))
def test_every_weekday_recurs_on_exactly_its_dates(day):
    # Two weeks from a fixed Monday: the first ride, then each date of the masked weekday.
    dates = occurrence_dates(
        MONDAY, weekdays_mask=1 << day, until=None, exceptions=[], start=MONDAY, end=MONDAY + timedelta(days=13)
    )
    expected = [MONDAY] + [MONDAY + timedelta(days=d) for d in range(1, 14) if d % 7 == day]
    assert dates == expected
    assert all(d.weekday() == day for d in dates[1:])


@pytest.mark.parametrize("day", range(7))
def test_sunday_and_every_other_day_are_offered_when_first_is_that_day(day):
    first = MONDAY + timedelta(days=day)
    dates = occurrence_dates(
        first, weekdays_mask=127, until=first + timedelta(days=6), exceptions=[], start=first, end=date(2026, 12, 31)
    )
    assert dates == [first + timedelta(days=n) for n in range(7)]
    assert sorted(d.weekday() for d in dates) == [0, 1, 2, 3, 4, 5, 6]


def test_first_date_only_inside_the_window():
    every_day = 127
    end = MONDAY + timedelta(days=3)
    # The first date is the window's start or end: included.
    assert occurrence_dates(MONDAY, weekdays_mask=0, until=None, exceptions=[], start=MONDAY, end=MONDAY) == [MONDAY]
    assert occurrence_dates(
        MONDAY, weekdays_mask=0, until=None, exceptions=[], start=MONDAY - timedelta(days=2), end=MONDAY
    ) == [MONDAY]
    # One day outside on either side: not included.
    assert (
        occurrence_dates(MONDAY, weekdays_mask=0, until=None, exceptions=[], start=MONDAY + timedelta(days=1), end=end)
        == []
    )
    assert (
        occurrence_dates(
            MONDAY,
            weekdays_mask=0,
            until=None,
            exceptions=[],
            start=MONDAY - timedelta(days=5),
            end=MONDAY - timedelta(days=1),
        )
        == []
    )
    # A window starting after the first date begins at its start, not before.
    later = occurrence_dates(
        MONDAY, weekdays_mask=every_day, until=None, exceptions=[], start=MONDAY + timedelta(days=2), end=end
    )
    assert later == [MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)]
    # A window starting before the first date never yields dates before it.
    earlier = occurrence_dates(
        MONDAY,
        weekdays_mask=every_day,
        until=None,
        exceptions=[],
        start=MONDAY - timedelta(days=3),
        end=MONDAY + timedelta(days=1),
    )
    assert earlier == [MONDAY, MONDAY + timedelta(days=1)]


def test_until_is_inclusive_and_the_earlier_of_until_and_end_wins():
    wednesday = MONDAY + timedelta(days=2)
    mask = weekday_mask([2])
    window = {"exceptions": [], "start": MONDAY, "end": MONDAY + timedelta(days=20)}
    assert occurrence_dates(MONDAY, weekdays_mask=mask, until=wednesday, **window) == [MONDAY, wednesday]
    assert occurrence_dates(MONDAY, weekdays_mask=mask, until=wednesday - timedelta(days=1), **window) == [MONDAY]
    assert occurrence_dates(MONDAY, weekdays_mask=mask, until=wednesday + timedelta(days=7), **window) == [
        MONDAY,
        wednesday,
        wednesday + timedelta(days=7),
    ]
    # until after the window's end: the end bounds the series (inclusive).
    assert occurrence_dates(
        MONDAY,
        weekdays_mask=mask,
        until=date(2027, 1, 1),
        exceptions=[],
        start=MONDAY,
        end=wednesday + timedelta(days=7),
    ) == [MONDAY, wednesday, wednesday + timedelta(days=7)]


def test_exceptions_leave_out_the_first_and_later_dates():
    mask = weekday_mask([0])
    dates = occurrence_dates(
        MONDAY,
        weekdays_mask=mask,
        until=None,
        exceptions=[MONDAY, MONDAY + timedelta(days=7)],
        start=MONDAY,
        end=MONDAY + timedelta(days=21),
    )
    assert dates == [MONDAY + timedelta(days=14), MONDAY + timedelta(days=21)]


def test_single_ride_ignores_until():
    assert occurrence_dates(
        MONDAY,
        weekdays_mask=0,
        until=MONDAY + timedelta(days=30),
        exceptions=[],
        start=MONDAY,
        end=MONDAY + timedelta(days=30),
    ) == [MONDAY]

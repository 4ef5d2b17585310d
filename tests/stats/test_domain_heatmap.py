"""Booked vehicle-hours per hour from start/end events (no database): clipping and hour edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from stats.domain.heatmap import (
    HOURS_PER_WEEK,
    Events,
    booked_minutes_per_hour,
    hour_of_week_label,
    local_hour_of_week,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def _events(*rows: tuple[datetime, int, int]) -> Events:
    return Events(
        utc_hour=np.array([r[0] for r in rows], dtype=object),
        minute=np.array([r[1] for r in rows], dtype=np.int64),
        count=np.array([r[2] for r in rows], dtype=np.int64),
    )


def _hour(h: int) -> datetime:
    return START + timedelta(hours=h)


def test_hour_of_week_labels():
    assert [hour_of_week_label(h) for h in (0, 1, 23, 24, 167)] == ["Mon 00", "Mon 01", "Mon 23", "Tue 00", "Sun 23"]
    assert HOURS_PER_WEEK == 168


def test_booked_minutes_and_overlapping_reservations_per_hour():
    starts = _events(
        (_hour(-1), 0, 1),  # began before the range: counted from its first minute
        (_hour(0), 30, 2),  # two reservations 00:30-01:15
        (_hour(2), 0, 1),  # 02:00-02:05: starts on the hour's first minute
        (_hour(2), 59, 1),  # 02:59 until after the range
    )
    ends = _events((_hour(0), 10, 1), (_hour(1), 15, 2), (_hour(2), 5, 1), (_hour(3), 30, 1))
    booked, overlapping = booked_minutes_per_hour(starts, ends, START, START + timedelta(hours=3))
    expected_index = pd.date_range(START, periods=3, freq="h")
    assert booked.index.equals(expected_index) and overlapping.index.equals(expected_index)
    assert booked.tolist() == [10 + 2 * 30, 2 * 15, 5 + 1]
    assert overlapping.tolist() == [1 + 2, 2, 1 + 1]


def test_no_events_and_a_range_given_in_local_time():
    nothing = _events()
    local_midnight = datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN)  # 23:00 UTC the day before
    booked, overlapping = booked_minutes_per_hour(nothing, nothing, local_midnight, local_midnight + timedelta(hours=2))
    assert booked.tolist() == [0, 0] and overlapping.tolist() == [0, 0]
    assert booked.index[0] == pd.Timestamp("2026-03-01 23:00", tz="UTC")
    starts = _events((datetime(2026, 3, 1, 23, 0, tzinfo=UTC), 45, 3))
    ends = _events((datetime(2026, 3, 2, 0, 0, tzinfo=UTC), 20, 3))
    booked, overlapping = booked_minutes_per_hour(starts, ends, local_midnight, local_midnight + timedelta(hours=2))
    assert booked.tolist() == [3 * 15, 3 * 20]
    assert overlapping.tolist() == [3, 3]


def test_local_hour_of_week_across_a_clock_change():
    index = pd.date_range("2026-03-28 22:00", periods=5, freq="h", tz="UTC")
    # Berlin: Sat 23:00, Sun 00:00, Sun 01:00, then 03:00 (the clocks jump), Sun 04:00.
    assert local_hour_of_week(index, "Europe/Berlin").tolist() == [
        5 * 24 + 23,
        6 * 24,
        6 * 24 + 1,
        6 * 24 + 3,
        6 * 24 + 4,
    ]
    assert local_hour_of_week(pd.DatetimeIndex([START]), "UTC").tolist() == [0]


def test_a_reservation_touching_only_the_first_minute_of_an_hour_overlaps_it():
    # 00:59 to 01:01: booked in minute 59 and minute 60; it overlaps hour 1 through its first minute.
    starts = _events((_hour(0), 59, 1))
    ends = _events((_hour(1), 1, 1))
    booked, overlapping = booked_minutes_per_hour(starts, ends, START, START + timedelta(hours=2))
    assert booked.tolist() == [1, 1]
    assert overlapping.tolist() == [1, 1]


def test_a_range_ending_inside_an_hour_counts_whole_hours_only():
    starts = _events((_hour(0), 0, 1))
    ends = _events((_hour(2), 20, 1))
    booked, overlapping = booked_minutes_per_hour(starts, ends, START, START + timedelta(hours=2, minutes=30))
    assert booked.tolist() == [60, 60]
    assert overlapping.tolist() == [1, 1]

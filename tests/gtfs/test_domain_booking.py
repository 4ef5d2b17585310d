"""Bürgerbus seat rules (no database): segment loads next to full stretches, booking deadlines."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from gtfs.domain.booking import BookingRuleSpec, Occupancy, booking_deadline, max_load

BERLIN = ZoneInfo("Europe/Berlin")
SERVICE_DAY = date(2030, 3, 5)
DEPARTURE = datetime(2030, 3, 5, 8, 30, tzinfo=BERLIN)


def test_no_bookings_no_load():
    assert max_load([], 1, 5) == 0


def test_a_booking_occupies_from_boarding_up_to_but_not_including_alighting():
    full = [Occupancy(from_sequence=2, to_sequence=4, seats=8)]
    # The stretches next to the full one are free: boarding where it alights, alighting where it boards.
    assert max_load(full, 4, 6) == 0
    assert max_load(full, 0, 2) == 0
    assert max_load(full, 0, 1) == 0
    assert max_load(full, 5, 7) == 0
    # Any stretch sharing a segment with it sees all its seats.
    assert max_load(full, 3, 4) == 8
    assert max_load(full, 2, 3) == 8
    assert max_load(full, 1, 3) == 8
    assert max_load(full, 3, 5) == 8
    assert max_load(full, 0, 9) == 8


def test_loads_add_up_only_where_bookings_share_a_segment():
    chain = [Occupancy(1, 3, 2), Occupancy(3, 5, 3)]  # back to back: never on board together
    assert max_load(chain, 1, 5) == 3
    assert max_load(chain, 1, 3) == 2
    assert max_load(chain, 2, 4) == 3
    overlapping = [Occupancy(1, 4, 2), Occupancy(3, 5, 1), Occupancy(0, 2, 4)]
    assert max_load(overlapping, 0, 6) == 6  # segment 1: first and third booking
    assert max_load(overlapping, 2, 6) == 3  # segment 3: first and second booking
    assert max_load(overlapping, 4, 6) == 1
    assert max_load(overlapping, 2, 3) == 2


def test_a_booking_starting_inside_the_stretch_counts_at_its_boarding_stop():
    bookings = [Occupancy(1, 2, 1), Occupancy(4, 6, 5), Occupancy(5, 6, 2)]
    assert max_load(bookings, 1, 6) == 7  # segment 5
    assert max_load(bookings, 1, 5) == 5  # segment 4
    assert max_load(bookings, 1, 4) == 1  # the booking from 4 does not count on [1, 4)
    assert max_load(bookings, 4, 5) == 5


@pytest.mark.parametrize("rule", [None, BookingRuleSpec(booking_type=0)])
def test_real_time_booking_until_departure(rule):
    assert booking_deadline(rule, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN) == DEPARTURE


def test_same_day_booking_needs_the_minimum_notice():
    rule = BookingRuleSpec(booking_type=1, prior_notice_duration_min=45)
    deadline = booking_deadline(rule, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN)
    assert deadline == datetime(2030, 3, 5, 7, 45, tzinfo=BERLIN)
    # A missing duration means no notice at all.
    missing = BookingRuleSpec(booking_type=1)
    assert booking_deadline(missing, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN) == DEPARTURE


@pytest.mark.parametrize(
    ("last_day", "last_time", "expected"),
    [
        (1, 18 * 3600, datetime(2030, 3, 4, 18, 0, 0)),  # 18:00 on the day before, to the second
        (1, 18 * 3600 + 59 * 60 + 59, datetime(2030, 3, 4, 18, 59, 59)),
        (2, 7 * 3600 + 30 * 60 + 15, datetime(2030, 3, 3, 7, 30, 15)),
        (1, 0, datetime(2030, 3, 4, 0, 0, 0)),
        (1, 86_399, datetime(2030, 3, 4, 23, 59, 59)),
        (1, 86_400, datetime(2030, 3, 5, 0, 0, 0)),  # "24:00:00" is a GTFS time: the next midnight
        (0, 12 * 3600, datetime(2030, 3, 5, 12, 0, 0)),
    ],
)
def test_prior_day_deadline_is_local_wall_clock_time(last_day, last_time, expected):
    rule = BookingRuleSpec(booking_type=2, prior_notice_last_day=last_day, prior_notice_last_time=last_time)
    deadline = booking_deadline(rule, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN)
    assert deadline == expected.replace(tzinfo=BERLIN)
    assert deadline.tzinfo is BERLIN
    assert (deadline.hour, deadline.minute, deadline.second) == (expected.hour, expected.minute, expected.second)


def test_prior_day_defaults_when_values_are_missing():
    # No day: the service day itself; no time: its midnight (the start of that day).
    no_day = BookingRuleSpec(booking_type=2, prior_notice_last_time=18 * 3600)
    assert booking_deadline(no_day, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN) == datetime(
        2030, 3, 5, 18, 0, tzinfo=BERLIN
    )
    no_time = BookingRuleSpec(booking_type=2, prior_notice_last_day=1)
    assert booking_deadline(no_time, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN) == datetime(
        2030, 3, 4, 0, 0, tzinfo=BERLIN
    )
    neither = BookingRuleSpec(booking_type=2)
    assert booking_deadline(neither, departure=DEPARTURE, service_date=SERVICE_DAY, tz=BERLIN) == datetime(
        2030, 3, 5, 0, 0, tzinfo=BERLIN
    )
    assert BookingRuleSpec(booking_type=2) == BookingRuleSpec(2, None, None, None)


def test_deadline_on_the_day_clocks_change():
    # 29 March 2030 is the Friday before the spring change; the deadline stays 18:00 local time.
    rule = BookingRuleSpec(booking_type=2, prior_notice_last_day=1, prior_notice_last_time=18 * 3600)
    deadline = booking_deadline(
        rule, departure=datetime(2030, 3, 31, 9, 0, tzinfo=BERLIN), service_date=date(2030, 3, 31), tz=BERLIN
    )
    assert deadline == datetime(2030, 3, 30, 18, 0, tzinfo=BERLIN)

"""Pure rules for Bürgerbus seat bookings: segment loads and booking deadlines.

A trip's stops are numbered by ``stop_sequence``; a booking from sequence ``a`` to ``b``
occupies the segments ``[a, b)``. The load of a segment is the sum of seats of the
bookings covering it; a new booking fits if ``max load over [a, b) + seats <= capacity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .times import gtfs_time_to_datetime


@dataclass(frozen=True)
class Occupancy:
    from_sequence: int
    to_sequence: int
    seats: int


def max_load(bookings: list[Occupancy], from_sequence: int, to_sequence: int) -> int:
    """The most seats occupied on any segment between ``from_sequence`` and ``to_sequence``."""
    points = {from_sequence}
    points.update(b.from_sequence for b in bookings if from_sequence <= b.from_sequence < to_sequence)
    best = 0
    for point in points:
        load = sum(b.seats for b in bookings if b.from_sequence <= point < b.to_sequence)
        best = max(best, load)
    return best


@dataclass(frozen=True)
class BookingRuleSpec:
    """GTFS-Flex booking rule. ``prior_notice_last_time`` in seconds after midnight."""

    booking_type: int  # 0 real time, 1 same day with minimum notice, 2 up to a prior day
    prior_notice_duration_min: int | None = None  # minutes
    prior_notice_last_day: int | None = None  # days before the service day
    prior_notice_last_time: int | None = None  # GTFS time: seconds after "noon minus 12 h" of that day


def booking_deadline(
    rule: BookingRuleSpec | None, *, departure: datetime, service_date: date, tz: ZoneInfo
) -> datetime:
    """The last moment a booking for a trip departing at ``departure`` is accepted."""
    if rule is None or rule.booking_type == 0:
        return departure
    if rule.booking_type == 1:
        return departure - timedelta(minutes=rule.prior_notice_duration_min or 0)
    days = rule.prior_notice_last_day or 0
    last_time = rule.prior_notice_last_time if rule.prior_notice_last_time is not None else 0
    day = service_date - timedelta(days=days)
    # a GTFS time like every other: on the nights the clocks change it is not the wall clock
    return gtfs_time_to_datetime(day, last_time, tz)

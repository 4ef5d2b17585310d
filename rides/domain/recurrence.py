"""Occurrences of recurring rides. Dates are local calendar dates; no Django here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_mask(days: Iterable[int]) -> int:
    """Bit mask from weekday numbers (0 = Monday … 6 = Sunday)."""
    mask = 0
    for day in days:
        if not 0 <= int(day) <= 6:
            raise ValueError(f"weekday {day} is not between 0 (Monday) and 6 (Sunday)")
        mask |= 1 << int(day)
    return mask


def mask_weekdays(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def occurrence_dates(
    first: date, *, weekdays_mask: int, until: date | None, exceptions: Iterable[date], start: date, end: date
) -> list[date]:
    """Ride dates in ``[start, end]``: the first date, then every masked weekday up to ``until``.

    A mask of 0 means a single ride on ``first``. Exception dates are left out.
    """
    skip = set(exceptions)
    dates: list[date] = []
    if start <= first <= end and first not in skip:
        dates.append(first)
    if weekdays_mask:
        last = min(end, until) if until else end
        day = max(start, first + timedelta(days=1))
        while day <= last:
            if weekdays_mask & (1 << day.weekday()) and day not in skip:
                dates.append(day)
            day += timedelta(days=1)
    return dates

"""Reporting periods in local time (no Django).

A report covers local dates ``first .. last`` (both included). Its periods are the days,
ISO weeks (Monday first) or calendar months touching that range, labelled by the local date
they start on; the first and last period are clipped to the range. ``all`` is one period.
Hours are real elapsed hours, so a day with a DST change has 23 or 25.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "all")


@dataclass(frozen=True)
class Period:
    label: date  # the first local day of the (unclipped) period
    start: datetime  # aware, clipped to the range
    end: datetime  # aware, exclusive, clipped to the range

    @property
    def hours(self) -> float:
        # Through timestamps: subtracting two datetimes of one tzinfo ignores a DST change.
        return (self.end.timestamp() - self.start.timestamp()) / 3600.0


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def period_start(day: date, period: str, first: date) -> date:
    """The label of the period containing ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "all":
        return first
    raise ValueError(f"unknown period {period!r}")


def _next_label(label: date, period: str) -> date:
    if period == "day":
        return label + timedelta(days=1)
    if period == "week":
        return label + timedelta(days=7)
    return (label.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods_between(first: date, last: date, period: str, tz: ZoneInfo) -> list[Period]:
    """Every period touching local dates ``first .. last`` (inclusive), clipped, in order."""
    if last < first:
        raise ValueError("last must not be before first")
    range_start = local_midnight(first, tz)
    range_end = local_midnight(last + timedelta(days=1), tz)
    if period == "all":
        return [Period(first, range_start, range_end)]
    out = []
    label = period_start(first, period, first)
    while label <= last:
        following = _next_label(label, period)
        out.append(
            Period(
                label,
                max(local_midnight(label, tz), range_start),
                min(local_midnight(following, tz), range_end),
            )
        )
        label = following
    return out


def count_periods(first: date, last: date, period: str) -> int:
    """How many periods ``periods_between`` would return (cheap, for limits)."""
    if period == "all":
        return 1
    if period == "day":
        return (last - first).days + 1
    if period == "week":
        return ((last - timedelta(days=last.weekday())) - (first - timedelta(days=first.weekday()))).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1

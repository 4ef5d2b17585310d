"""Booked vehicle-hours per local hour of the week, from start/end events (numpy, no Django).

The database delivers only event counts per (UTC hour, minute) — how many reservations
start and how many end there — so a million reservations become at most a few tens of
thousands of rows. A difference array over the minutes of the range, cumulatively summed,
gives how many vehicles are booked in every minute; summing per hour gives booked
vehicle-minutes per absolute hour, which are then grouped by period and local hour of week
(0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00). Seconds are ignored (floored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

HOURS_PER_WEEK = 168
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hour_of_week_label(how: int) -> str:
    """``0`` -> ``Mon 00``; used as the column label in tables."""
    return f"{WEEKDAYS[how // 24]} {how % 24:02d}"


@dataclass(frozen=True)
class Events:
    """Event counts: ``utc_hour`` (aware datetimes at whole UTC hours), ``minute`` (0–59), ``count``."""

    utc_hour: np.ndarray
    minute: np.ndarray
    count: np.ndarray


def _minute_index(events: Events, start: datetime, minutes: int) -> np.ndarray:
    origin = pd.Timestamp(start).tz_convert("UTC").floor("min")
    hours = pd.to_datetime(pd.Series(events.utc_hour), utc=True)
    offset = ((hours - origin).dt.total_seconds().to_numpy() // 60).astype(np.int64) + events.minute.astype(np.int64)
    return np.clip(offset, 0, minutes)


def booked_minutes_per_hour(
    starts: Events, ends: Events, start: datetime, end: datetime
) -> tuple[pd.Series, pd.Series]:
    """Booked vehicle-minutes and overlapping reservations per absolute UTC hour in ``[start, end)``.

    ``start`` must lie on a whole UTC hour (local midnights do in Europe). Returns two Series
    indexed by the hour's UTC start: minutes booked, and reservations overlapping the hour
    (booked at its first minute or starting within it).
    """
    minutes = int((end - start) / timedelta(minutes=1))
    diff = np.zeros(minutes + 1, dtype=np.int64)
    if len(starts.count):
        np.add.at(diff, _minute_index(starts, start, minutes), starts.count.astype(np.int64))
    if len(ends.count):
        np.add.at(diff, _minute_index(ends, start, minutes), -ends.count.astype(np.int64))
    start_only = np.zeros(minutes + 1, dtype=np.int64)
    if len(starts.count):
        np.add.at(start_only, _minute_index(starts, start, minutes), starts.count.astype(np.int64))
    active = np.cumsum(diff)[:minutes]
    hours = minutes // 60
    per_hour = active[: hours * 60].reshape(hours, 60)
    booked = per_hour.sum(axis=1)
    starts_in_hour = start_only[: hours * 60].reshape(hours, 60)[:, 1:].sum(axis=1)
    overlapping = per_hour[:, 0] + starts_in_hour
    index = pd.date_range(pd.Timestamp(start).tz_convert("UTC"), periods=hours, freq="h")
    return pd.Series(booked, index=index), pd.Series(overlapping, index=index)


def local_hour_of_week(index: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """0..167 for every UTC hour start in ``index``, in local time ``tz``."""
    local = index.tz_convert(tz)
    return (local.day_of_week * 24 + local.hour).to_numpy()

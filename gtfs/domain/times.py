"""GTFS times and service days.

GTFS stop times are measured from "noon minus 12 hours" of the service day in the agency's
time zone, and may exceed 24:00:00 for trips that run past midnight. We store them as
integer **seconds** after that reference instant. On the two DST-change days the reference
is 23:00 or 01:00 local time of the wall-clock midnight, which is why conversions go through
UTC and never through naive wall-clock arithmetic.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TIME_RE = re.compile(r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$")


def parse_gtfs_time(value: str) -> int:
    """``"25:10:00"`` -> 90600 seconds. Raises ``ValueError`` on a malformed time."""
    match = _TIME_RE.match(value or "")
    if not match:
        raise ValueError(f"not a GTFS time: {value!r}")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_gtfs_time(seconds: int | None) -> str:
    """90600 -> ``"25:10:00"``; ``None`` -> ``""``."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def parse_gtfs_times(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse of a column of GTFS times (pyarrow compute kernels, no Python loop).

    Returns ``(seconds, bad)``: ``seconds`` as float64 (NaN where empty or malformed) and a
    boolean mask of the rows that hold a non-empty but malformed value.
    """
    arr = pa.array(
        series.astype("string").str.strip() if series.dtype == object else series, type=pa.string(), from_pandas=True
    )
    present = pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False)
    valid = pc.fill_null(pc.match_substring_regex(arr, r"^\s*\d{1,3}:[0-5]\d:[0-5]\d\s*$"), False)
    n = len(arr)
    seconds = np.full(n, np.nan)
    valid_np = valid.to_numpy(zero_copy_only=False)
    if valid_np.any():
        good = pc.utf8_trim_whitespace(pc.filter(arr, valid))
        parts = pc.list_flatten(pc.split_pattern(good, ":"))
        hms = pc.cast(parts, pa.int64()).to_numpy().reshape(-1, 3)
        seconds[valid_np] = hms[:, 0] * 3600 + hms[:, 1] * 60 + hms[:, 2]
    bad = present.to_numpy(zero_copy_only=False) & ~valid_np
    return seconds, bad


def service_day_reference(service_date: date, tz: ZoneInfo) -> datetime:
    """The UTC instant "noon minus 12 h" of ``service_date`` in ``tz`` (GTFS time zero)."""
    noon = datetime.combine(service_date, time(12), tzinfo=tz)
    return noon.astimezone(UTC) - timedelta(hours=12)


def gtfs_time_to_datetime(service_date: date, seconds: int, tz: ZoneInfo) -> datetime:
    """An aware local datetime for a stop time of a trip running on ``service_date``."""
    return (service_day_reference(service_date, tz) + timedelta(seconds=int(seconds))).astimezone(tz)


def parse_gtfs_date(value: str) -> date:
    """``"20240131"`` -> ``date(2024, 1, 31)``; raises ``ValueError``."""
    value = (value or "").strip()
    if len(value) != 8 or not value.isdigit():
        raise ValueError(f"not a GTFS date: {value!r}")
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def format_gtfs_date(value: date) -> str:
    return value.strftime("%Y%m%d")

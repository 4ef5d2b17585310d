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


def arrow_strings(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as a pyarrow string array, without copying when pandas already holds one."""
    backing = getattr(series.array, "_pa_array", None)
    if backing is not None and pa.types.is_string(backing.type):
        return backing
    return pa.array(series.astype("string"), type=pa.string(), from_pandas=True)


def _parse_regex(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """General path (RE2 kernels): any ``H:MM:SS`` .. ``HHH:MM:SS`` with surrounding spaces."""
    present = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False).to_numpy(zero_copy_only=False))
    valid = np.asarray(
        pc.fill_null(pc.match_substring_regex(arr, r"^\s*\d{1,3}:[0-5]\d:[0-5]\d\s*$"), False).to_numpy(
            zero_copy_only=False
        )
    )
    seconds = np.full(len(arr), np.nan)
    if valid.any():
        good = pc.utf8_trim_whitespace(pc.filter(arr, pa.array(valid)))
        hms = pc.cast(pc.list_flatten(pc.split_pattern(good, ":")), pa.int64()).to_numpy().reshape(-1, 3)
        seconds[valid] = hms[:, 0] * 3600 + hms[:, 1] * 60 + hms[:, 2]
    return seconds, present & ~valid


def parse_gtfs_times(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse of a column of GTFS times, no Python loop per row.

    Returns ``(seconds, bad)``: ``seconds`` as float64 (NaN where empty or malformed) and a
    boolean mask of the rows that hold a non-empty but malformed value. The common
    ``HH:MM:SS`` form is decoded straight from the Arrow string buffer with numpy; only the
    other rows go through the regular-expression path.
    """
    arr = arrow_strings(series)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    n = len(arr)
    seconds = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return seconds, bad
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)  # Arrow always has a (maybe empty) data buffer
    not_null = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    fixed = not_null & (np.diff(offsets) == 8)
    rows = np.flatnonzero(fixed)
    if len(rows):
        chars = data[offsets[rows][:, None] + np.arange(8)].astype(np.int64) - 48  # '0' == 48
        digits = np.delete(chars, [2, 5], axis=1)
        ok = (chars[:, 2] == 10) & (chars[:, 5] == 10) & ((digits >= 0) & (digits <= 9)).all(axis=1)  # ':' == 58
        ok &= (chars[:, 3] <= 5) & (chars[:, 6] <= 5)
        values = (chars[:, 0] * 10 + chars[:, 1]) * 3600 + (chars[:, 3] * 10 + chars[:, 4]) * 60 + chars[:, 6] * 10
        values = values + chars[:, 7]
        seconds[rows[ok]] = values[ok]
        fixed[rows[~ok]] = False
    rest = np.flatnonzero(not_null & ~fixed)
    if len(rest):
        rest_seconds, rest_bad = _parse_regex(arr.take(pa.array(rest)))
        seconds[rest] = rest_seconds
        bad[rest] = rest_bad
    return seconds, bad


def service_day_reference(service_date: date, tz: ZoneInfo) -> datetime:
    """The UTC instant "noon minus 12 h" of ``service_date`` in ``tz`` (GTFS time zero)."""
    noon = datetime.combine(service_date, time(12), tzinfo=tz)
    return noon.astimezone(UTC) - timedelta(hours=12)


def gtfs_time_to_datetime(service_date: date, seconds: int, tz: ZoneInfo) -> datetime:
    """An aware local datetime for a stop time of a trip running on ``service_date``."""
    return (service_day_reference(service_date, tz) + timedelta(seconds=int(seconds))).astimezone(tz)


def datetime_to_gtfs_time(moment: datetime, tz: ZoneInfo) -> tuple[date, int]:
    """``(service date, GTFS seconds)`` of an aware instant, never negative: the local date's
    service day, or the day before when the instant falls before that day's GTFS zero (on the
    night the clocks go back, 00:00–01:00 local lies before "noon minus 12 h")."""
    if moment.tzinfo is None:
        raise ValueError("moment must be aware")
    day = moment.astimezone(tz).date()
    seconds = int((moment - service_day_reference(day, tz)).total_seconds())
    if seconds < 0:
        day -= timedelta(days=1)
        seconds = int((moment - service_day_reference(day, tz)).total_seconds())
    return day, seconds


def format_gtfs_date(value: date) -> str:
    return value.strftime("%Y%m%d")

"""GTFS times (no database): the fast column parser against the scalar one, row by row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from gtfs.domain.times import (
    arrow_strings,
    datetime_to_gtfs_time,
    format_gtfs_date,
    format_gtfs_time,
    gtfs_time_to_datetime,
    parse_gtfs_time,
    parse_gtfs_times,
    service_day_reference,
)

BERLIN = ZoneInfo("Europe/Berlin")

VALID = {
    "00:00:00": 0,
    "08:05:07": 8 * 3600 + 5 * 60 + 7,  # seconds that are no multiple of 10
    "08:05:01": 29101,
    "23:59:59": 86399,
    "25:10:00": 90600,
    "47:59:59": 172799,
    "99:00:09": 356409,
    "8:05:07": 29107,  # one-digit hours, common in real feeds
    "0:00:01": 1,
    " 08:05:07": 29107,
    "08:05:07 ": 29107,
    "  7:00:00  ": 25200,
    "108:30:05": 390605,
    "12:34:56": 45296,
}
MALFORMED = [
    "08:61:00",  # eight characters, minutes out of range
    "08:05:60",  # seconds out of range
    "08:60:00",
    "0a:00:00",
    "08-05-07",
    "08:05-07",
    "08:0507 ",
    "8:5:7",
    "08:05",
    "1000:00:00",
    "abcdefgh",
    "08:05:07x",
    "-8:05:07",
    "08:05:0/",  # '/' is the character just below '0'
    "08:05:0:",  # ':' is the character just above '9'
    "0::05:07",
    "08:0::07",
    "/8:05:07",
    ":8:05:07",
]


@pytest.mark.parametrize(("text", "seconds"), sorted(VALID.items()))
def test_scalar_parser_reads_valid_times(text, seconds):
    assert parse_gtfs_time(text) == seconds


@pytest.mark.parametrize("text", [*MALFORMED, "", None])
def test_scalar_parser_reports_malformed_times(text):
    with pytest.raises(ValueError) as raised:
        parse_gtfs_time(text)
    assert str(raised.value) == f"not a GTFS time: {text!r}"


def _column_cases() -> list[str | None]:
    return [*VALID, *MALFORMED, "", None]


def _check_column(series: pd.Series, texts: list[str | None]) -> None:
    seconds, bad = parse_gtfs_times(series)
    assert len(seconds) == len(texts) and len(bad) == len(texts)
    assert seconds.dtype == np.float64 and bad.dtype == bool
    for i, text in enumerate(texts):
        if text is None or text == "":
            assert np.isnan(seconds[i]) and not bad[i], (i, text)
            continue
        try:
            expected = parse_gtfs_time(text)
        except ValueError:
            assert np.isnan(seconds[i]) and bad[i], (i, text, seconds[i])
        else:
            assert seconds[i] == expected and not bad[i], (i, text, seconds[i])


@pytest.mark.parametrize(
    "dtype",
    [object, "string", "str", pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.large_string())],
    ids=["object", "string", "str", "arrow-string", "arrow-large-string"],
)
def test_column_parser_matches_the_scalar_parser_row_by_row(dtype):
    texts = _column_cases()
    _check_column(pd.Series(texts, dtype=dtype), texts)
    # Reversed order: every row's offset into the string buffer changes.
    _check_column(pd.Series(texts[::-1], dtype=dtype), texts[::-1])


def test_column_parser_on_a_slice_and_on_several_chunks():
    texts = _column_cases()
    series = pd.Series(texts, dtype=pd.ArrowDtype(pa.string()))
    for start in (1, 3, 7):
        part = series.iloc[start:]
        assert part.array._pa_array.chunk(0).offset == start  # a zero-copy slice
        _check_column(part.reset_index(drop=True), texts[start:])
    half = len(texts) // 2
    chunked = pa.chunked_array([pa.array(texts[:half], pa.string()), pa.array(texts[half:], pa.string())])
    _check_column(pd.Series(pd.arrays.ArrowExtensionArray(chunked)), texts)
    large = pa.chunked_array([pa.array(texts, pa.large_string())])
    _check_column(pd.Series(pd.arrays.ArrowExtensionArray(large)), texts)


def test_column_of_only_fixed_width_or_only_other_rows():
    fixed = ["08:05:07", "08:61:00", "23:59:59"]
    _check_column(pd.Series(fixed, dtype="string"), fixed)
    other = ["8:05:07", "", None, "8:61:00"]
    _check_column(pd.Series(other, dtype="string"), other)
    seconds, bad = parse_gtfs_times(pd.Series(["08:61:00", "8:61:00"], dtype="string"))
    assert bad.tolist() == [True, True] and np.isnan(seconds).all()


def test_empty_and_all_null_columns():
    seconds, bad = parse_gtfs_times(pd.Series([], dtype="string"))
    assert len(seconds) == 0 and len(bad) == 0
    seconds, bad = parse_gtfs_times(pd.Series([None, None], dtype="string"))
    assert np.isnan(seconds).all() and not bad.any()
    seconds, bad = parse_gtfs_times(pd.Series(["", ""], dtype=pd.ArrowDtype(pa.string())))
    assert np.isnan(seconds).all() and not bad.any()


def test_arrow_strings_keeps_an_arrow_string_column_without_copying():
    series = pd.Series(["08:00:00", None], dtype=pd.ArrowDtype(pa.string()))
    assert arrow_strings(series) is series.array._pa_array
    converted = arrow_strings(pd.Series(["08:00:00", None, 5], dtype=object))
    assert converted.type == pa.string()
    assert converted.to_pylist() == ["08:00:00", None, "5"]
    large = arrow_strings(pd.Series(["a"], dtype=pd.ArrowDtype(pa.large_string())))
    assert large.type == pa.string() and large.to_pylist() == ["a"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "00:00:00"), (59, "00:00:59"), (3599, "00:59:59"), (90600, "25:10:00"), (360005, "100:00:05")],
)
def test_format_gtfs_time(seconds, text):
    assert format_gtfs_time(seconds) == text
    if seconds is not None:
        assert parse_gtfs_time(text) == seconds


def test_format_gtfs_date():
    assert format_gtfs_date(date(2024, 1, 31)) == "20240131"


def test_service_day_reference_is_noon_minus_twelve_hours():
    assert service_day_reference(date(2024, 3, 5), BERLIN) == datetime(2024, 3, 4, 23, 0, tzinfo=UTC)
    # Spring change: noon is 10:00 UTC, so time zero is 23:00 local on the day before.
    assert service_day_reference(date(2024, 3, 31), BERLIN) == datetime(2024, 3, 30, 22, 0, tzinfo=UTC)
    # Autumn change: noon is 11:00 UTC, time zero is 01:00 local.
    assert service_day_reference(date(2024, 10, 27), BERLIN) == datetime(2024, 10, 26, 23, 0, tzinfo=UTC)


def test_gtfs_time_to_datetime_across_clock_changes():
    assert gtfs_time_to_datetime(date(2024, 3, 5), 8 * 3600 + 7, BERLIN).isoformat() == "2024-03-05T08:00:07+01:00"
    assert gtfs_time_to_datetime(date(2024, 3, 31), 8 * 3600, BERLIN).isoformat() == "2024-03-31T08:00:00+02:00"
    assert gtfs_time_to_datetime(date(2024, 10, 27), 8 * 3600, BERLIN).isoformat() == "2024-10-27T08:00:00+01:00"
    assert gtfs_time_to_datetime(date(2024, 10, 26), 25 * 3600 + 1800, BERLIN).isoformat() == (
        "2024-10-27T01:30:00+02:00"
    )
    assert gtfs_time_to_datetime(date(2024, 3, 5), np.float64(60.0), BERLIN).tzinfo is BERLIN


FAST = ["00:00:00", "09:09:09", "19:59:59", "99:50:50", "08:05:07", "23:45:01", "12:34:56", "87:16:28"]


def test_only_rows_that_are_not_plain_hh_mm_ss_take_the_regex_path(monkeypatch):
    """The documented fast path: well-formed eight-character times never reach the RE2 kernels."""
    from gtfs.domain import times

    seen: list[list[str | None]] = []
    original = times._parse_regex

    def spy(arr):
        seen.append(arr.to_pylist())
        return original(arr)

    monkeypatch.setattr(times, "_parse_regex", spy)
    texts = [None, *FAST, "8:05:07", "08:61:00", "", "0a:00:00", None, "08-05-07", " 08:05:07"]
    for series in (pd.Series(texts, dtype="string"), pd.Series(texts, dtype=pd.ArrowDtype(pa.string())).iloc[1:-1]):
        seen.clear()
        seconds, bad = parse_gtfs_times(series.reset_index(drop=True))
        part = series.tolist()
        part = [None if isinstance(t, float) or t is pd.NA else t for t in part]
        assert seen == [[t for t in part if t is not None and t not in FAST]]
        _check_column(series.reset_index(drop=True), part)
    seen.clear()
    seconds, bad = parse_gtfs_times(pd.Series(FAST, dtype="string"))
    assert seen == []
    assert seconds.tolist() == [parse_gtfs_time(t) for t in FAST] and not bad.any()


def test_a_single_row_column_is_parsed():
    for text, expected in (("08:05:07", 29107.0), ("8:05:07", 29107.0)):
        seconds, bad = parse_gtfs_times(pd.Series([text], dtype="string"))
        assert seconds.tolist() == [expected] and bad.tolist() == [False]
    seconds, bad = parse_gtfs_times(pd.Series(["08:61:00"], dtype="string"))
    assert np.isnan(seconds[0]) and bad.tolist() == [True]


def test_a_slice_from_the_middle_of_a_buffer():
    texts = ["x", *FAST, "8:00:00", "09:00:00", "y", "10:00:00"]
    series = pd.Series(texts, dtype=pd.ArrowDtype(pa.string())).iloc[2:-2].reset_index(drop=True)
    _check_column(series, texts[2:-2])


def test_regex_path_on_its_own():
    from gtfs.domain.times import _parse_regex

    seconds, bad = _parse_regex(pa.array(["5", "x", None, "", "8:05:07", "100:00:01"], pa.string()))
    assert seconds.dtype == np.float64
    assert np.isnan(seconds[:4]).all() and seconds[4:].tolist() == [29107.0, 360001.0]
    assert bad.tolist() == [True, True, False, False, False, False]


def test_times_in_a_zone_far_from_the_servers():
    # Tokyo and New York: the result does not depend on the process's local time zone.
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    assert service_day_reference(date(2024, 3, 5), tokyo) == datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
    assert service_day_reference(date(2024, 3, 5), tokyo).tzinfo is UTC
    assert gtfs_time_to_datetime(date(2024, 3, 5), 8 * 3600, tokyo).isoformat() == "2024-03-05T08:00:00+09:00"
    assert gtfs_time_to_datetime(date(2024, 3, 10), 8 * 3600, new_york).isoformat() == "2024-03-10T08:00:00-04:00"


def test_datetime_to_gtfs_time():
    assert datetime_to_gtfs_time(datetime(2024, 3, 5, 8, 0, 7, tzinfo=BERLIN), BERLIN) == (date(2024, 3, 5), 28807)
    assert datetime_to_gtfs_time(datetime(2024, 3, 5, 7, 0, tzinfo=UTC), BERLIN) == (date(2024, 3, 5), 28800)
    # Exactly at the day's GTFS zero: that day, second 0.
    assert datetime_to_gtfs_time(datetime(2024, 3, 4, 23, 0, tzinfo=UTC), BERLIN) == (date(2024, 3, 5), 0)
    # The night the clocks go back: 00:30 CEST lies before the day's zero (01:00 CEST), so it is
    # 24:30 of the day before.
    night = datetime(2024, 10, 26, 22, 30, tzinfo=UTC)
    assert night.astimezone(BERLIN).date() == date(2024, 10, 27)
    assert datetime_to_gtfs_time(night, BERLIN) == (date(2024, 10, 26), 24 * 3600 + 1800)
    assert datetime_to_gtfs_time(night + timedelta(minutes=30), BERLIN) == (date(2024, 10, 27), 0)
    # Spring: the day's zero is 23:00 of the day before, so 00:30 local is 01:30 GTFS time.
    spring = datetime(2024, 3, 31, 0, 30, tzinfo=BERLIN)
    assert datetime_to_gtfs_time(spring, BERLIN) == (date(2024, 3, 31), 5400)
    with pytest.raises(ValueError, match="^moment must be aware$"):
        datetime_to_gtfs_time(datetime(2024, 3, 5, 8, 0), BERLIN)

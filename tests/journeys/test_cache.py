"""The worker-level timetable cache: version keys, files, memo, pruning."""

from __future__ import annotations

import datetime as dt

import pytest

from journeys.conf import timetable_config
from journeys.domain.cache import TimetableCache
from journeys.domain.raptor import Place, earliest_arrival
from journeys.domain.timetable import StopInput, TimetableSource, TripInput, build_timetable

DAY = dt.date(2024, 5, 14)


def small_timetable():
    source = TimetableSource.from_inputs(
        [StopInput("A", 49.0, 8.0), StopInput("B", 49.0, 8.05)],
        [TripInput("t", "R", "WK", ["A", "B"], [28800, 29400], [28800, 29400])],
    )
    return build_timetable(source, [(0, {"WK"})], config=timetable_config())


def test_version_key_is_order_independent_and_validated():
    assert TimetableCache.version_key([12, 3, 12]) == "3-12"
    assert TimetableCache.version_key(["12", "3"]) == "3-12"
    with pytest.raises(ValueError):
        TimetableCache.version_key([])
    with pytest.raises(ValueError):
        TimetableCache.version_key(["../etc"])


def test_builds_once_then_memo_then_file_in_another_worker(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return small_timetable()

    cache = TimetableCache(tmp_path)
    first = cache.get([3, 12], DAY, build)
    assert cache.get([12, 3], DAY, build) is first
    assert len(calls) == 1
    path = tmp_path / "3-12" / "2024-05-14.v2.npz"
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["2024-05-14.v2.npz"]  # no temporary left behind

    other_worker = TimetableCache(tmp_path)
    loaded = other_worker.get([3, 12], DAY, build)
    assert len(calls) == 1  # read from the file, not rebuilt
    assert earliest_arrival(loaded, Place.at_stop(0), Place.at_stop(1), 28000) == earliest_arrival(
        first, Place.at_stop(0), Place.at_stop(1), 28000
    )

    # a version switch builds anew; pruning removes the old key's files and memo
    cache.get([3, 13], DAY, build)
    assert len(calls) == 2
    assert cache.prune(["3-13"]) == ["3-12"]
    assert not path.exists()
    assert cache.get([3, 12], DAY, build) is not first
    assert len(calls) == 3


def test_memo_keeps_at_most_max_entries(tmp_path):
    cache = TimetableCache(tmp_path, max_entries=2, mmap=False)
    a = cache.get([1], DAY, small_timetable)
    cache.get([1], DAY + dt.timedelta(days=1), small_timetable)
    cache.get([1], DAY + dt.timedelta(days=2), small_timetable)
    assert cache.get([1], DAY, small_timetable) is not a  # evicted, reloaded from file

"""Timetable cache details (no database): key rules, LRU order, memory maps, failed writes, pruning."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pytest

from journeys.domain import cache as cache_module
from journeys.domain.cache import TimetableCache
from tests.journeys.test_cache import DAY, small_timetable


def test_version_key_orders_numerically_and_refuses_bad_ids():
    assert TimetableCache.version_key([100, "9", 10, 9]) == "9-10-100"
    assert TimetableCache.version_key(["rnv_2", "bb"]) == "bb-rnv_2"
    with pytest.raises(ValueError, match="^no active feed versions$"):
        TimetableCache.version_key([])
    for bad in ("a-b", "a/b", "a b", "", "_"):
        with pytest.raises(ValueError, match="^version ids must be alphanumeric$"):
            TimetableCache.version_key(["1", bad])


def test_least_recently_used_entry_is_evicted_first(tmp_path):
    cache = TimetableCache(tmp_path)  # three entries by default
    days = [DAY + dt.timedelta(days=n) for n in range(4)]
    first = cache.get([1], days[0], small_timetable)
    second = cache.get([1], days[1], small_timetable)
    cache.get([1], days[2], small_timetable)
    assert cache.get([1], days[0], small_timetable) is first  # used again: now the most recent
    cache.get([1], days[3], small_timetable)
    assert cache.get([1], days[0], small_timetable) is first
    assert cache.get([1], days[1], small_timetable) is not second  # evicted


def test_files_are_memory_mapped_unless_switched_off(tmp_path):
    TimetableCache(tmp_path).get([1], DAY, small_timetable)
    mapped = TimetableCache(tmp_path).get([1], DAY, small_timetable)
    assert isinstance(mapped.stop_lat, np.memmap)
    loaded = TimetableCache(tmp_path, mmap=False).get([1], DAY, small_timetable)
    assert not isinstance(loaded.stop_lat, np.memmap)
    assert loaded.stop_lat.tolist() == mapped.stop_lat.tolist()


def test_missing_parent_directories_are_created(tmp_path):
    cache = TimetableCache(tmp_path / "not" / "there")
    cache.get([7], DAY, small_timetable)
    assert cache.path_for("7", DAY).parent == tmp_path / "not" / "there" / "7"
    assert cache.path_for("7", DAY).is_file()


def test_a_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    written = []

    def broken_save(tt, path):
        written.append(str(path))
        with open(path, "wb") as out:
            out.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(cache_module, "save_timetable", broken_save)
    cache = TimetableCache(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        cache.get([1], DAY, small_timetable)
    assert list((tmp_path / "1").iterdir()) == []
    # The temporary file was next to the target (so the rename is atomic) with a .npz.tmp suffix.
    assert len(written) == 1
    assert os.path.dirname(written[0]) == str(tmp_path / "1") and written[0].endswith(".npz.tmp")


def test_prune_keeps_what_is_still_active(tmp_path):
    assert TimetableCache(tmp_path / "empty").prune(["1"]) == []
    cache = TimetableCache(tmp_path)
    kept = cache.get([1], DAY, small_timetable)
    cache.get([2], DAY, small_timetable)
    cache.get([3], DAY, small_timetable)
    (tmp_path / "notes.txt").write_text("not a key directory")
    assert cache.prune(["1"]) == ["2", "3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1", "notes.txt"]

    def no_build():
        raise AssertionError("the kept timetable must still be memoised")

    assert cache.get([1], DAY, no_build) is kept

"""The timetable cache's per-process extras and pruning that never fails a request."""

from __future__ import annotations

from journeys.domain.cache import TimetableCache


def test_extras_start_empty_per_cache(tmp_path):
    first, second = TimetableCache(tmp_path), TimetableCache(tmp_path)
    assert first.extras == {} and second.extras == {}
    first.extras["k"] = 1
    assert second.extras == {}


def test_prune_ignores_what_it_cannot_delete(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("x")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "1-2").mkdir()
    (cache_dir / "3").mkdir()
    (cache_dir / "linked").symlink_to(elsewhere, target_is_directory=True)  # rmtree refuses symlinks
    assert TimetableCache(cache_dir).prune(["3"]) == ["1-2", "linked"]
    assert sorted(p.name for p in cache_dir.iterdir()) == ["3", "linked"]
    assert (elsewhere / "keep.txt").read_text() == "x"

"""Timetables are compiled after a feed switch (not in the first search), and a worker warms up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import journeys.timetable_store as store
from gtfs.feed_import import feed_import
from gtfs.services import feed_activate_version
from journeys.timetable_store import active_version_ids, local_tz, timetable_cache_key, timetable_for
from journeys.warmup import timetables_precompile, warm_up
from tests.gtfs.conftest import build_zip
from tests.journeys.test_duration_limit import slow_line  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def timetable_dir(tmp_path, settings):
    import journeys.conf

    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    settings.JOURNEYS_PRECOMPILE_DAYS = 2
    yield tmp_path / "timetables"
    store._cache = None


def _files(directory) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.npz"))


def test_a_feed_switch_compiles_today_and_tomorrow(timetable_dir, tmp_path, django_capture_on_commit_callbacks):
    today = timezone.now().astimezone(local_tz()).date()
    first, last = (today - timedelta(days=5)).strftime("%Y%m%d"), (today + timedelta(days=30)).strftime("%Y%m%d")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Bus,https://example.org,Europe/Berlin\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,Anfang,48.90,8.80\nS2,Ende,48.91,8.81\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR,A,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR,ALL,T\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T,08:00:00,08:00:00,S1,1\nT,08:10:00,08:10:00,S2,2\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        f"ALL,1,1,1,1,1,1,1,{first},{last}\n",
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = feed_import(path=build_zip(tmp_path / "a.zip", files), name="bus")
    key = timetable_cache_key()
    expected = [f"{(today + timedelta(days=d)).isoformat()}.v2.npz" for d in (0, 1)]
    assert sorted(p.name for p in (timetable_dir / key).iterdir()) == expected
    # the first search of the day loads the file, it compiles nothing
    store._cache = None
    import journeys.timetable_store as module

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled in a search")

    original = module.timetable_for_date
    module.timetable_for_date = no_compiling
    try:
        assert timetable_for(today).n_stops == 2
    finally:
        module.timetable_for_date = original
    # a rollback to no version prunes nothing it needs and compiles nothing
    with django_capture_on_commit_callbacks(execute=True):
        feed_activate_version(feed_id=result.feed.pk, version_id=None)
    assert active_version_ids() == []
    assert timetables_precompile() == []


def test_precompile_is_off_with_zero_days(timetable_dir, slow_line, settings):  # noqa: F811
    settings.JOURNEYS_PRECOMPILE_DAYS = 0
    store._cache = None
    assert timetables_precompile() == []
    assert _files(timetable_dir) == []


def test_warm_up_loads_kernel_timetable_and_road_graphs(timetable_dir, slow_line):  # noqa: F811
    spent = warm_up()
    assert set(spent) == {"kernel_s", "timetable_s", "road_graphs_s"}
    today = timezone.now().astimezone(local_tz()).date()
    key = timetable_cache_key()
    assert (timetable_dir / key / f"{today.isoformat()}.v2.npz").is_file()
    from journeys.domain import raptor

    kernel = raptor._kernel()
    if kernel is not None:  # numba present: its dispatcher has compiled or loaded code now
        assert kernel.raptor_rounds.signatures


def test_a_buergerbus_edit_in_place_is_compiled_afresh(timetable_dir, slow_line, settings):  # noqa: F811
    from gtfs.services import bb_stop_create, bb_stop_update

    settings.JOURNEYS_PRECOMPILE_DAYS = 0
    today = timezone.now().astimezone(local_tz()).date()
    stop = bb_stop_create(name="Dorfplatz", lat=48.95, lon=8.85)
    assert "Dorfplatz" in timetable_for(today).stop_names
    bb_stop_update(stop_id=stop.pk, name="Dorfplatz (Kirche)")  # same version, edited in place
    names = timetable_for(today).stop_names
    assert "Dorfplatz (Kirche)" in names and "Dorfplatz" not in names


WARM_THEN_SEARCH = """
import os, sys, tempfile
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
import django
django.setup()
from journeys.domain import raptor
from journeys.domain.raptor import Place, earliest_arrival, latest_departure, range_query
from journeys.domain.timetable import StopInput, TimetableSource, TripInput, build_timetable
from journeys.domain.timetable import load_timetable, save_timetable
from journeys.warmup import _warm_kernel

kernel = raptor._kernel()
if kernel is None:
    print("no-numba")
    sys.exit(0)
_warm_kernel()
warmed = len(kernel.raptor_rounds.signatures)
# another timetable, served as the timetable cache serves it (saved, then memory-mapped)
stops = [StopInput(f"s{i}", 49.0 + i / 100, 8.0 + i / 100) for i in range(4)]
trips = []
for k, t in enumerate(range(3600, 20000, 1200)):
    times = [t, t + 300, t + 600, t + 900]
    trips.append(TripInput(f"t{k}", "r", "s", ["s0", "s1", "s2", "s3"], times, times))
tt = build_timetable(TimetableSource.from_inputs(stops, trips), [(0, {"s"})])
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "tt.npz"
    save_timetable(tt, path)
    served = load_timetable(path, mmap=True)
    assert earliest_arrival(served, Place.at_stop(0), Place.at_stop(3), 3000)
    assert latest_departure(served, Place.at(49.0, 8.0), Place.at(49.03, 8.03), 20000)
    range_query(served, Place.at(49.0, 8.0), Place.at(49.03, 8.03), 3000, 9000)
print(warmed, len(kernel.raptor_rounds.signatures))
"""


def test_warm_up_leaves_no_kernel_variant_for_the_first_search_to_compile():
    """A search on a memory-mapped timetable (as the cache serves it) after the warm-up uses
    only kernel variants the warm-up already compiled or loaded; a fresh process, so variants
    compiled by earlier tests do not count."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", WARM_THEN_SEARCH],
        cwd=root,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.split()
    if last == ["no-numba"]:
        pytest.skip("numba is not installed: the numpy rounds compile nothing")
    warmed, after = map(int, last[-2:])
    assert warmed >= 2
    assert after == warmed

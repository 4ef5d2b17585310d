"""The gtfs-kit loader checked against gtfs-kit itself: active services per date and stop times."""

from __future__ import annotations

import gtfs_kit
import numpy as np
import pytest

from tests.conftest import shared_file
from tests.journeys.feeds import load_source

SMALL_FEEDS = ["vvs-bus-752.zip", "herrenberg-vvs-2021.zip", "buergerbus-maulbronn-wiernsheim.zip", "cairns.zip"]


@pytest.mark.parametrize("name", SMALL_FEEDS)
def test_active_trips_per_date_equal_gtfs_kit(name):
    path = shared_file(f"gtfs/{name}")
    feed = gtfs_kit.read_feed(path, dist_units="km")
    source, calendar = load_source(path)
    service_of = dict(zip(source.trip_ids, source.trip_service_ids, strict=True))
    dates = feed.get_dates()
    with_service = 0
    for date_str in dates[:: max(1, len(dates) // 12)]:
        expected = set(gtfs_kit.get_trips(feed, date_str)["trip_id"].astype(str))
        date = np.datetime64(f"{date_str[:4]}-{date_str[4:6]}-{date_str[6:]}").item()
        active = calendar.active_service_ids(date)
        ours = {t for t, s in service_of.items() if s in active}
        dropped = set(feed.trips["trip_id"].astype(str)) - set(source.trip_ids)
        assert ours == expected - dropped, date_str
        with_service += bool(ours)
    assert with_service >= 3  # not vacuous


@pytest.mark.parametrize("name", ["vvs-bus-752.zip", "herrenberg-vvs-2021.zip", "buergerbus-maulbronn-wiernsheim.zip"])
def test_stop_times_equal_the_feed_in_seconds(name):
    path = shared_file(f"gtfs/{name}")
    feed = gtfs_kit.read_feed(path, dist_units="km")
    source, _calendar = load_source(path)
    st = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    for trip_id, rows in list(st.groupby("trip_id"))[:200]:
        t = source.trip_ids.index(str(trip_id))
        a, b = int(source.trip_st_start[t]), int(source.trip_st_start[t + 1])
        assert [source.stop_ids[s] for s in source.st_stop[a:b]] == rows["stop_id"].astype(str).tolist()
        assert source.st_arr[a:b].tolist() == [gtfs_kit.timestr_to_seconds(x) for x in rows["arrival_time"]]
        assert source.st_dep[a:b].tolist() == [gtfs_kit.timestr_to_seconds(x) for x in rows["departure_time"]]


def test_missing_times_are_interpolated_between_timepoints():
    source, _calendar = load_source(shared_file("gtfs/cairns.zip"))
    feed = gtfs_kit.read_feed(shared_file("gtfs/cairns.zip"), dist_units="km")
    trips_with_gaps = feed.stop_times.loc[feed.stop_times["arrival_time"].isna(), "trip_id"].astype(str).unique()
    assert len(trips_with_gaps) > 0
    for trip_id in trips_with_gaps:
        t = source.trip_ids.index(trip_id)
        a, b = int(source.trip_st_start[t]), int(source.trip_st_start[t + 1])
        arr, dep = source.st_arr[a:b], source.st_dep[a:b]
        assert np.all(np.diff(arr) >= 0) and np.all(dep >= arr)

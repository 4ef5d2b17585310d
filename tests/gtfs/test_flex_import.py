"""GTFS-Flex import: zones (locations.geojson, location groups), windows, booking rules,
and the validation problems that refuse a feed while the previous version stays active."""

from __future__ import annotations

import json

import pytest

from gtfs.domain.times import parse_gtfs_time
from gtfs.feed_import import FeedRefused, feed_import
from gtfs.models import Feed, FlexLocation, FlexStopTime, Trip
from tests.conftest import shared_file
from tests.gtfs.conftest import raw_rows

pytestmark = pytest.mark.django_db


def test_bbnavi_flex_feed_imports_its_groups_windows_and_rules():
    path = shared_file("gtfs/bbnavi-rufbus-flex.zip")
    result = feed_import(path=path, name="rufbus")
    assert result.warnings == []
    groups: dict[str, set[str]] = {}
    for row in raw_rows(path, "location_groups.txt"):
        groups.setdefault(row["location_group_id"], set()).add(row["location_id"])
    zones = {z.location_id: z for z in FlexLocation.objects.filter(version=result.version)}
    assert set(zones) == set(groups)
    for group_id, members in groups.items():
        zone = zones[group_id]
        assert zone.kind == FlexLocation.Kind.GROUP
        assert set(zone.stop_ids) == members
        assert zone.geometry["type"] == "Polygon"  # the convex hull of the member stops
        assert zone.min_lat < zone.max_lat and zone.min_lon < zone.max_lon
    assert zones["flex-476-stops"].name == "durch den RufBus 476 bedientes Gebiet im Raum Angermünde"
    stop_times = raw_rows(path, "stop_times.txt")
    assert FlexStopTime.objects.filter(version=result.version).count() == len(stop_times) == 8
    for row in stop_times:
        stored = FlexStopTime.objects.select_related("location", "pickup_booking_rule", "drop_off_booking_rule").get(
            trip__version=result.version, trip__trip_id=row["trip_id"], stop_sequence=int(row["stop_sequence"])
        )
        assert stored.location.location_id == row["stop_id"]
        assert stored.start_window == parse_gtfs_time(row["start_pickup_dropoff_window"])
        assert stored.end_window == parse_gtfs_time(row["end_pickup_dropoff_window"])
        assert stored.pickup_booking_rule.booking_rule_id == row["pickup_booking_rule_id"]
        assert stored.drop_off_booking_rule.booking_rule_id == row["drop_off_booking_rule_id"]
        assert (stored.pickup_type, stored.drop_off_type) == (2, 2)
    assert result.version.stats["flex_locations"] == 5
    assert result.version.stats["flex_stop_times"] == 8


def _polygon(coords) -> dict:
    return {"type": "Polygon", "coordinates": [coords]}


SQUARE = [[8.835, 48.945], [8.865, 48.945], [8.865, 48.975], [8.835, 48.975], [8.835, 48.945]]
BOWTIE = [[8.835, 48.945], [8.865, 48.975], [8.865, 48.945], [8.835, 48.975], [8.835, 48.945]]


def _geojson(*features) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": fid, "properties": {"stop_name": f"Zone {fid}"}, "geometry": geometry}
                for fid, geometry in features
            ],
        }
    )


FLEX_TRIPS = "route_id,service_id,trip_id,trip_headsign\nR1,WD,T1,Schulzentrum\nR1,WD,T2,x\nR1,WD,F1,Rufbus\n"
FLEX_HEADER = (
    "trip_id,stop_sequence,stop_id,location_id,arrival_time,departure_time,start_pickup_drop_off_window,"
    "end_pickup_drop_off_window,pickup_type,drop_off_type,pickup_booking_rule_id,drop_off_booking_rule_id\n"
)
FIXED = (
    "T1,1,S1,,08:00:00,08:00:00,,,0,0,,\nT1,2,S2,,08:05:00,08:06:00,,,0,0,,\nT1,3,S3,,08:10:00,08:10:00,,,0,0,,\n"
    "T2,1,S1,,23:50:00,23:50:00,,,0,0,,\nT2,2,S2,,24:05:00,24:05:00,,,0,0,,\n"
)
RULES = "booking_rule_id,booking_type,prior_notice_duration_min\nBR,1,60\n"


def _flex_feed(make_feed, *, geojson: str, flex_rows: str, rules: str = RULES):
    return make_feed(
        {
            "trips.txt": FLEX_TRIPS,
            "stop_times.txt": FLEX_HEADER + FIXED + flex_rows,
            "locations.geojson": geojson,
            "booking_rules.txt": rules,
        }
    )


ZONE_ROWS = "F1,1,,Z1,,,14:00:00,18:00:00,2,2,BR,BR\nF1,2,,Z1,,,14:00:00,18:00:00,2,2,BR,BR\n"


def test_polygon_zone_imports_with_geometry_and_the_stops_inside(make_feed):
    path = _flex_feed(make_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=ZONE_ROWS)
    result = feed_import(path=path, name="zone")
    assert result.warnings == []
    zone = FlexLocation.objects.get(version=result.version)
    assert (zone.location_id, zone.kind, zone.name) == ("Z1", "area", "Zone Z1")
    assert zone.geometry == {"type": "Polygon", "coordinates": [[list(p) for p in SQUARE]]}
    # S1 (48.95, 8.84) and S2 (48.96, 8.85) lie inside, S3 (48.97, 8.86) too; the spatial join finds them
    assert zone.stop_ids == ["S1", "S2", "S3"]
    assert (zone.min_lat, zone.min_lon, zone.max_lat, zone.max_lon) == (48.945, 8.835, 48.975, 8.865)
    rows = list(FlexStopTime.objects.filter(trip__trip_id="F1", trip__version=result.version))
    assert [(r.stop_sequence, r.start_window, r.end_window) for r in rows] == [(1, 50400, 64800), (2, 50400, 64800)]
    assert Trip.objects.get(version=result.version, trip_id="F1").stop_times.count() == 0


def _refused(make_feed, previous_version, **kwargs) -> set[str]:
    path = _flex_feed(make_feed, **kwargs)
    with pytest.raises(FeedRefused) as caught:
        feed_import(path=path, name="zone")
    feed = Feed.objects.get(name="zone")
    assert feed.active_version_id == previous_version  # the previous version stays active
    assert FlexLocation.objects.exclude(version_id=previous_version).count() == 0
    return {p["code"] for p in caught.value.problems if p["severity"] == "error"}


@pytest.fixture
def active_zone_feed(make_feed):
    path = _flex_feed(make_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=ZONE_ROWS)
    return feed_import(path=path, name="zone").version.pk


def test_self_intersecting_zone_is_refused(make_feed, active_zone_feed):
    codes = _refused(make_feed, active_zone_feed, geojson=_geojson(("Z1", _polygon(BOWTIE))), flex_rows=ZONE_ROWS)
    assert codes == {"flex_invalid_geometry"}


def test_unclosed_ring_and_point_zone_are_refused(make_feed, active_zone_feed):
    unclosed = _polygon(SQUARE[:-1])
    point = {"type": "Point", "coordinates": [8.85, 48.96]}
    rows = ZONE_ROWS + "F1,3,,Z2,,,14:00:00,18:00:00,2,2,BR,BR\n"
    path = _flex_feed(make_feed, geojson=_geojson(("Z1", unclosed), ("Z2", point)), flex_rows=rows)
    with pytest.raises(FeedRefused) as caught:
        feed_import(path=path, name="zone")
    bad = [p for p in caught.value.problems if p["code"] == "flex_invalid_geometry"]
    assert [p["row"] for p in bad] == [2, 3]
    assert "Z1" in bad[0]["message"] and "Z2" in bad[1]["message"]
    assert Feed.objects.get(name="zone").active_version_id == active_zone_feed


def test_zone_without_trips_is_refused(make_feed, active_zone_feed):
    geojson = _geojson(("Z1", _polygon(SQUARE)), ("Z9", _polygon(SQUARE)))
    codes = _refused(make_feed, active_zone_feed, geojson=geojson, flex_rows=ZONE_ROWS)
    assert codes == {"flex_zone_without_trips"}


def test_window_ending_before_it_starts_is_refused(make_feed, active_zone_feed):
    rows = "F1,1,,Z1,,,18:00:00,17:59:59,2,2,BR,BR\n"
    codes = _refused(make_feed, active_zone_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=rows)
    assert codes == {"flex_window_reversed"}


def test_window_of_zero_length_is_accepted(make_feed):
    rows = "F1,1,,Z1,,,18:00:00,18:00:00,2,2,BR,BR\n"
    path = _flex_feed(make_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=rows)
    result = feed_import(path=path, name="zone")
    assert list(FlexStopTime.objects.filter(version=result.version).values_list("start_window", "end_window")) == [
        (64800, 64800)
    ]


def test_missing_window_unknown_rule_and_unknown_location_are_refused(make_feed, active_zone_feed):
    rows = (
        "F1,1,,Z1,,,,18:00:00,2,2,BR,BR\n"
        "F1,2,,Z1,,,14:00:00,18:00:00,2,2,NOPE,BR\n"
        "F1,3,,Z7,,,14:00:00,18:00:00,2,2,BR,BR\n"
    )
    codes = _refused(make_feed, active_zone_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=rows)
    assert codes == {"flex_window_missing", "unknown_booking_rule", "unknown_flex_location"}


def test_location_group_member_that_is_no_stop_is_refused(make_feed, active_zone_feed):
    path = make_feed(
        {
            "trips.txt": FLEX_TRIPS,
            "stop_times.txt": FLEX_HEADER + FIXED + "F1,1,G1,,,,14:00:00,18:00:00,2,2,BR,BR\n",
            "location_groups.txt": "location_group_id,location_id,location_group_name\nG1,S1,Dorf\nG1,S99,\n",
            "booking_rules.txt": RULES,
        }
    )
    with pytest.raises(FeedRefused) as caught:
        feed_import(path=path, name="zone")
    assert {p["code"] for p in caught.value.problems if p["severity"] == "error"} == {"unknown_stop"}
    assert Feed.objects.get(name="zone").active_version_id == active_zone_feed


def test_final_spec_location_group_stops_file_is_read(make_feed):
    path = make_feed(
        {
            "trips.txt": FLEX_TRIPS,
            "stop_times.txt": FLEX_HEADER.replace("location_id", "location_group_id")
            + FIXED
            + "F1,1,,G1,,,14:00:00,18:00:00,2,2,BR,BR\nF1,2,,G1,,,14:00:00,18:00:00,2,2,BR,BR\n",
            "location_groups.txt": "location_group_id,location_group_name\nG1,Zwei Dörfer\n",
            "location_group_stops.txt": "location_group_id,stop_id\nG1,S1\nG1,S3\n",
            "booking_rules.txt": RULES,
        }
    )
    result = feed_import(path=path, name="groups")
    assert result.warnings == []
    zone = FlexLocation.objects.get(version=result.version)
    assert (zone.location_id, zone.kind, zone.name, zone.stop_ids) == ("G1", "group", "Zwei Dörfer", ["S1", "S3"])
    assert zone.geometry["type"] == "LineString"  # the hull of two stops


def _flex_snapshot(version) -> tuple:
    zones = sorted(
        (z.location_id, z.kind, z.name, json.dumps(z.geometry, sort_keys=True), tuple(z.stop_ids))
        for z in FlexLocation.objects.filter(version=version)
    )
    rows = sorted(
        (
            r.trip.trip_id,
            r.stop_sequence,
            r.location.location_id,
            r.start_window,
            r.end_window,
            r.pickup_type,
            r.drop_off_type,
            r.pickup_booking_rule.booking_rule_id if r.pickup_booking_rule else "",
            r.drop_off_booking_rule.booking_rule_id if r.drop_off_booking_rule else "",
        )
        for r in FlexStopTime.objects.filter(version=version).select_related(
            "trip", "location", "pickup_booking_rule", "drop_off_booking_rule"
        )
    )
    return zones, rows


def _round_trip(version, tmp_path, name):
    from gtfs.feed_export import version_export_zip

    path = tmp_path / f"{name}.zip"
    path.write_bytes(version_export_zip(version=version))
    again = feed_import(path=path, name=name)
    assert again.created and again.warnings == []
    return path, again.version


def test_export_writes_gtfs_flex_and_round_trips_the_bbnavi_groups(tmp_path):
    original = feed_import(path=shared_file("gtfs/bbnavi-rufbus-flex.zip"), name="rufbus").version
    path, copy = _round_trip(original, tmp_path, "copy")
    assert _flex_snapshot(copy) == _flex_snapshot(original)
    # the final GTFS-Flex spelling: groups in location_group_stops.txt, windows with "drop_off"
    members = raw_rows(path, "location_group_stops.txt")
    source = raw_rows(shared_file("gtfs/bbnavi-rufbus-flex.zip"), "location_groups.txt")
    # the same (group, stop) pairs; the source lists one pair twice, the export once
    assert {(r["location_group_id"], r["stop_id"]) for r in members} == {
        (r["location_group_id"], r["location_id"]) for r in source
    }
    assert len(members) == len(source) - 1
    flex_rows = [r for r in raw_rows(path, "stop_times.txt") if r["location_group_id"]]
    assert len(flex_rows) == 8
    assert all(r["stop_id"] == "" and r["arrival_time"] == "" for r in flex_rows)
    assert {r["start_pickup_drop_off_window"] for r in flex_rows} == {"08:00:00", "17:30:00"}


def test_export_round_trips_a_polygon_zone(make_feed, tmp_path):
    path = _flex_feed(make_feed, geojson=_geojson(("Z1", _polygon(SQUARE))), flex_rows=ZONE_ROWS)
    original = feed_import(path=path, name="zone").version
    exported, copy = _round_trip(original, tmp_path, "zone-copy")
    assert _flex_snapshot(copy) == _flex_snapshot(original)
    import zipfile

    with zipfile.ZipFile(exported) as archive:
        document = json.loads(archive.read("locations.geojson"))
    assert document["features"][0]["id"] == "Z1"
    assert document["features"][0]["geometry"]["type"] == "Polygon"
    fixed = [r for r in raw_rows(exported, "stop_times.txt") if r["stop_id"]]
    assert len(fixed) == 5 and all(r["location_id"] == "" for r in fixed)

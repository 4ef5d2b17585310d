"""GTFS-Flex zones, pure (no database): reading locations.geojson, closed rings, group members in
both spellings, targets, windows, the Flex checks with their exact problems, and the zone table."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from gtfs.domain.flex import (
    AREA,
    GROUP,
    LocationsUnreadable,
    _rings_closed,
    _windows,
    build_flex,
    flex_stop_times_csv_columns,
    flex_targets,
    group_members,
    read_locations,
    validate_flex,
)
from gtfs.domain.validation import ERROR, ProblemList

SQUARE = [[8.0, 49.0], [8.1, 49.0], [8.1, 49.1], [8.0, 49.1], [8.0, 49.0]]


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype="string", keep_default_na=False, na_values=[""])


def geojson(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def zone(zone_id, ring=SQUARE, kind="Polygon", name="Dorf"):
    coordinates = [ring] if kind == "Polygon" else [[ring]]
    return {
        "type": "Feature",
        "id": zone_id,
        "properties": {"stop_name": name},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def p(severity, code, file, row, message):
    return {"severity": severity, "code": code, "file": file, "row": row, "message": message}


def test_rings_must_have_four_positions_and_end_where_they_start():
    assert _rings_closed({"type": "Polygon", "coordinates": [SQUARE]})
    assert _rings_closed({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]})
    assert not _rings_closed({"type": "Polygon", "coordinates": [SQUARE[:-1]]})  # open
    assert not _rings_closed({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]})  # three positions
    assert _rings_closed({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})  # four: enough
    assert not _rings_closed({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:-1]]]})
    assert _rings_closed({"type": "Point", "coordinates": [8.0, 49.0]})  # not a polygon: checked elsewhere


def test_read_locations_keeps_ids_names_and_unbuildable_geometries_as_none():
    frame = read_locations(
        b"\xef\xbb\xbf"
        + geojson(
            zone(" z1 ", name=" Dorf "),
            zone(7, SQUARE[:-1]),  # open ring: no geometry
            {"type": "Feature", "properties": None, "geometry": None},
            {"type": "Feature", "id": "z4", "geometry": {"type": "Polygon", "coordinates": "nonsense"}},
        )
    )
    assert frame["id"].fillna("-").tolist() == ["z1", "7", "-", "z4"]
    assert frame["stop_name"].tolist() == ["Dorf", "Dorf", "", ""]
    assert frame["stop_desc"].tolist() == ["", "", "", ""]
    assert frame.geometry.iloc[0].bounds == (8.0, 49.0, 8.1, 49.1)
    assert frame.geometry.iloc[1:].isna().tolist() == [True, True, True]
    assert str(frame.crs) == "EPSG:4326"
    assert read_locations(geojson()).empty


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "^locations.geojson is not JSON: "),
        (b"{", "^locations.geojson is not JSON: "),
        (b"[]", "^locations.geojson must be a GeoJSON FeatureCollection.$"),
        (b'{"type": "Feature"}', "^locations.geojson must be a GeoJSON FeatureCollection.$"),
        (b'{"type": "FeatureCollection", "features": {"a": 1}}', "^locations.geojson: features must be a list.$"),
        (b'{"type": "FeatureCollection", "features": [1]}', "^locations.geojson: every feature must be an object.$"),
    ],
)
def test_unreadable_locations(data, message):
    with pytest.raises(LocationsUnreadable, match=message):
        read_locations(data)


def test_group_members_in_the_final_and_the_draft_spelling():
    final = {"location_group_stops": table("location_group_id,stop_id\ng1, s1\ng1,s2\ng2,\n")}
    assert group_members(final).values.tolist() == [["g1", "s1"], ["g1", "s2"]]
    draft = {"location_groups": table("location_group_id,location_id,location_group_name\ng1,s3,Dorf\n")}
    assert group_members(draft).values.tolist() == [["g1", "s3"]]
    assert list(group_members(draft).columns) == ["location_group_id", "stop_id"]
    # the final file wins; a groups file without members gives none
    assert group_members({**draft, **final}).values.tolist() == [["g1", "s1"], ["g1", "s2"]]
    assert group_members({"location_groups": table("location_group_id,location_group_name\ng1,Dorf\n")}).empty
    assert group_members({}).empty
    bad_final = {"location_group_stops": table("location_group_id,x\ng1,s1\n"), **draft}
    assert group_members(bad_final).values.tolist() == [["g1", "s3"]]


def test_flex_targets_prefer_group_then_location_then_stop_id():
    st = table(
        "stop_id,location_group_id,location_id\n"
        "s1,,\n"  # a fixed stop
        ",g1,\n"
        ",,a1\n"
        "g2,,\n"  # the draft: a group id in stop_id
        "a1,,\n"
        "x, ,\n"  # blank group id: not a target
        ",g3,a2\n"
    )
    targets = flex_targets(st, {"a1"}, {"g2"})
    assert targets.fillna("-").tolist() == ["-", "g1", "a1", "g2", "a1", "-", "g3"]
    assert flex_targets(table("stop_id\ns1\n"), set(), set()).isna().tolist() == [True]


def test_windows_in_both_spellings():
    st = table("start_pickup_dropoff_window,end_pickup_drop_off_window\n08:00:00,09:00:00\n,8:00\n")
    start, end, start_bad, end_bad = _windows(st)
    assert start[0] == 8 * 3600 and np.isnan(start[1])
    assert end[0] == 9 * 3600 and np.isnan(end[1])
    assert start_bad.tolist() == [False, False] and end_bad.tolist() == [False, True]
    start, end, start_bad, end_bad = _windows(table("trip_id\nt1\n"))
    assert np.isnan(start).all() and np.isnan(end).all() and not start_bad.any() and not end_bad.any()


STOPS = "stop_id,stop_name,stop_lat,stop_lon\ns1,Markt,49.05,8.05\ns2,Kirche,49.5,8.5\ns3,Feld,49.06,8.02\n"
TRIPS = "route_id,service_id,trip_id\nr1,WK,t1\n"


def flex_tables(st: str, *features, groups: str | None = None, rules: str | None = None):
    tables = {"stops": table(STOPS), "trips": table(TRIPS), "stop_times": table(st)}
    if features:
        tables["locations"] = read_locations(geojson(*features))
    if groups:
        tables["location_group_stops"] = table(groups)
    if rules:
        tables["booking_rules"] = table(rules)
    return tables


def flex_problems(tables):
    problems = ProblemList()
    validate_flex(tables, problems)
    return problems.finish()


ST = "trip_id,stop_sequence,location_id,start_pickup_drop_off_window,end_pickup_drop_off_window\n"


def test_a_valid_zone_has_no_problems_and_a_zero_length_window_is_fine():
    assert flex_problems(flex_tables(ST + "t1,1,z1,08:00:00,08:00:00\n", zone("z1"))) == []
    multi = flex_tables(ST + "t1,1,mz,08:00:00,09:00:00\n", zone("mz", kind="MultiPolygon"))
    assert flex_problems(multi) == []
    assert flex_problems(flex_tables(ST + "t1,1,,,\n")) == []  # no Flex parts at all
    assert flex_problems({"stops": table(STOPS)}) == []


def test_zone_problems():
    bowtie = [[8.0, 49.0], [8.1, 49.1], [8.1, 49.0], [8.0, 49.1], [8.0, 49.0]]
    point = {"type": "Feature", "id": "pt", "properties": {}, "geometry": {"type": "Point", "coordinates": [8, 49]}}
    st = (
        ST
        + "t1,1,z1,08:00:00,09:00:00\nt1,2,bow,08:00:00,09:00:00\n"
        + "t1,3,pt,08:00:00,09:00:00\nt1,4,s1,08:00:00,09:00:00\n"
    )
    tables = flex_tables(st, zone("z1"), zone("z1"), zone("bow", bowtie), point, zone("s1"), zone(None), zone("idle"))
    message = "Location {} needs a valid Polygon or MultiPolygon (no self-intersections, closed rings)."
    assert flex_problems(tables) == [
        p(ERROR, "missing_value", "locations.geojson", 7, "A location has no id."),
        p(ERROR, "duplicate_id", "locations.geojson", 3, "Duplicate id z1."),
        p(ERROR, "flex_invalid_geometry", "locations.geojson", 4, message.format("bow")),
        p(ERROR, "flex_invalid_geometry", "locations.geojson", 5, message.format("pt")),
        p(ERROR, "duplicate_id", "locations.geojson", None, "Location id s1 is also a stop_id."),
        p(ERROR, "flex_zone_without_trips", "locations.geojson", None, "Zone idle is served by no trip."),
    ]


def test_window_and_rule_problems():
    st = (
        "trip_id,stop_sequence,location_id,start_pickup_drop_off_window,end_pickup_drop_off_window,"
        "pickup_booking_rule_id,drop_off_booking_rule_id\n"
        "t1,1,z1,08:00:00,,b1,\n"
        "t1,2,z1,09:00:00,08:59:59,,b9\n"
        "t1,3,z1,8h,09:00:00,,\n"
        "t1,4,z1,09:00:00,09:00:01,,\n"
    )
    tables = flex_tables(st, zone("z1"), rules="booking_rule_id,booking_type\nb1,1\n")
    assert flex_problems(tables) == [
        p(
            ERROR,
            "invalid_time",
            "stop_times.txt",
            4,
            "The pickup/drop-off window of trip t1 is not a GTFS time (HH:MM:SS).",
        ),
        p(
            ERROR,
            "flex_window_missing",
            "stop_times.txt",
            2,
            "Trip t1 serves a GTFS-Flex zone without start and end of its pickup/drop-off window.",
        ),
        p(
            ERROR,
            "flex_window_reversed",
            "stop_times.txt",
            3,
            "The pickup/drop-off window of trip t1 ends before it starts.",
        ),
        p(
            ERROR,
            "unknown_booking_rule",
            "stop_times.txt",
            3,
            "drop_off_booking_rule_id b9 is not defined in booking_rules.txt.",
        ),
    ]


def test_group_problems():
    st = ST + "t1,1,g1,08:00:00,09:00:00\n"
    groups = "location_group_id,stop_id\ng1,s1\ng1,nowhere\ng2,s2\n"
    draft = {"location_groups": table("location_group_id,location_id\ng1,s1\ng1,gone\n")}
    assert flex_problems(flex_tables(st, groups=groups)) == [
        p(
            ERROR,
            "unknown_stop",
            "location_group_stops.txt",
            3,
            "Location group member nowhere is not a stop in stops.txt.",
        ),
        p(ERROR, "flex_zone_without_trips", "location_groups.txt", None, "Zone g2 is served by no trip."),
    ]
    assert flex_problems({**flex_tables(st), **draft}) == [
        p(ERROR, "unknown_stop", "location_groups.txt", 3, "Location group member gone is not a stop in stops.txt.")
    ]


def test_build_flex_zone_table_and_stop_times():
    st = (
        "trip_id,stop_sequence,stop_id,location_id,start_pickup_drop_off_window,end_pickup_drop_off_window,"
        "pickup_type,drop_off_type,pickup_booking_rule_id\n"
        "t1,1,s2,,,,0,0,\n"  # a fixed stop: not a Flex stop time
        "t1,2,,z1,08:00:00,09:30:00,,,b1\n"
        "t1,3,g1,,10:00:00,10:15:00,3,1,\n"
    )
    far = [[9.0, 50.0], [9.1, 50.0], [9.1, 50.1], [9.0, 50.1], [9.0, 50.0]]
    tables = flex_tables(st, zone("z1"), zone("empty", far), groups="location_group_id,stop_id\ng1,s1\ng1,s3\n")
    tables["location_groups"] = table("location_group_id,location_group_name\ng1, Ortsmitte \n")
    built = build_flex(tables)
    area, empty, group = built.zones
    assert (empty["location_id"], empty["stop_ids"], empty["min_lat"], empty["max_lon"]) == ("empty", [], 50.0, 9.1)
    assert area == {
        "location_id": "z1",
        "kind": AREA,
        "name": "Dorf",
        "geometry": {"type": "Polygon", "coordinates": (tuple(tuple(c) for c in SQUARE),)},
        "stop_ids": ["s1", "s3"],
        "min_lat": 49.0,
        "min_lon": 8.0,
        "max_lat": 49.1,
        "max_lon": 8.1,
    }
    assert (group["location_id"], group["kind"], group["name"], group["stop_ids"]) == (
        "g1",
        GROUP,
        "Ortsmitte",
        ["s1", "s3"],
    )
    assert (group["min_lat"], group["min_lon"], group["max_lat"], group["max_lon"]) == (49.05, 8.02, 49.06, 8.05)
    assert group["geometry"]["type"] == "LineString"  # the hull of two stops
    assert built.stop_times.to_dict("records") == [
        {
            "trip_id": "t1",
            "stop_sequence": 2,
            "location_id": "z1",
            "start_window": 8 * 3600,
            "end_window": 9 * 3600 + 1800,
            "pickup_type": 2,
            "drop_off_type": 2,
            "pickup_booking_rule_id": "b1",
            "drop_off_booking_rule_id": "",
        },
        {
            "trip_id": "t1",
            "stop_sequence": 3,
            "location_id": "g1",
            "start_window": 10 * 3600,
            "end_window": 10 * 3600 + 900,
            "pickup_type": 3,
            "drop_off_type": 1,
            "pickup_booking_rule_id": "",
            "drop_off_booking_rule_id": "",
        },
    ]
    numbers = ["stop_sequence", "start_window", "end_window", "pickup_type", "drop_off_type"]
    assert built.stop_times[numbers].dtypes.tolist() == [np.dtype("int64")] * 5  # whole seconds, not floats
    # a group whose stops have no position gets no geometry
    lonely = flex_tables(ST + "t1,1,g9,08:00:00,09:00:00\n", groups="location_group_id,stop_id\ng9,ghost\n")
    [empty] = build_flex(lonely).zones
    assert (empty["geometry"], empty["stop_ids"], empty["min_lat"], empty["max_lon"]) == (None, ["ghost"], None, None)


def test_export_columns_use_the_final_spelling():
    assert flex_stop_times_csv_columns() == [
        "trip_id",
        "stop_sequence",
        "stop_id",
        "location_group_id",
        "location_id",
        "arrival_time",
        "departure_time",
        "start_pickup_drop_off_window",
        "end_pickup_drop_off_window",
        "pickup_type",
        "drop_off_type",
        "pickup_booking_rule_id",
        "drop_off_booking_rule_id",
    ]

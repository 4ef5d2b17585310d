"""The map's GeoJSON layers on the demo region: exact contents, simplification, bad input."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from carsharing.models import Station
from gtfs.models import Stop
from rides.domain.roadgraph import RoadGraph, network_lines, zoom_tolerance_deg
from rides.matching_index import active_graph_model, load_graph
from rides.models import MeetingPoint


@pytest.fixture
def demo_region(db, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())


def _get(path: str):
    response = Client().get(path)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == "public, max-age=300"
    return response.json()


def test_point_layers_hold_exactly_the_platforms_places(demo_region):
    stations = _get("/karte/stations.geojson")["features"]
    assert sorted(f["properties"]["name"] for f in stations) == sorted(Station.objects.values_list("name", flat=True))
    first = Station.objects.order_by("name").first()
    feature = next(f for f in stations if f["id"] == f"station-{first.pk}")
    assert feature["geometry"] == {"type": "Point", "coordinates": [first.lon, first.lat]}
    points = _get("/karte/meeting_points.geojson")["features"]
    assert sorted(f["properties"]["name"] for f in points) == sorted(
        MeetingPoint.objects.filter(active=True).values_list("name", flat=True)
    )
    stops = _get("/karte/stops.geojson")["features"]
    assert len(stops) == Stop.objects.exclude(location_type__gte=2).count() > 0
    assert {f["properties"]["buergerbus"] for f in stops} == {True, False}


def test_lines_follow_the_longest_trip_of_each_route_and_direction(demo_region):
    lines = _get("/karte/lines.geojson")["features"]
    assert lines, "the demo feeds have lines"
    for line in lines:
        assert line["geometry"]["type"] == "LineString"
        assert len(line["geometry"]["coordinates"]) >= 2
    stop_positions = {(s.lon, s.lat) for s in Stop.objects.all()}
    assert all(tuple(c) in stop_positions for f in lines for c in f["geometry"]["coordinates"])


def test_road_network_is_simplified_per_zoom_and_clipped_to_the_bbox(demo_region):
    graph = load_graph(active_graph_model())
    low = _get("/karte/roads.geojson?z=8")["features"][0]
    high = _get("/karte/roads.geojson?z=16")["features"][0]
    assert low["geometry"]["type"] == high["geometry"]["type"] == "MultiLineString"
    low_points = sum(len(line) for line in low["geometry"]["coordinates"])
    high_points = sum(len(line) for line in high["geometry"]["coordinates"])
    assert low_points < high_points
    assert high["geometry"]["coordinates"] == [
        [list(p) for p in line] for line in network_lines(graph, tolerance_deg=zoom_tolerance_deg(16))
    ]
    low_expected = network_lines(graph, tolerance_deg=zoom_tolerance_deg(8), min_extent_deg=4 * zoom_tolerance_deg(8))
    assert low["geometry"]["coordinates"] == [[list(p) for p in line] for line in low_expected]
    min_lon, min_lat, max_lon, max_lat = graph.bbox()
    far = _get(f"/karte/roads.geojson?z=14&bbox={max_lon + 1},{max_lat + 1},{max_lon + 2},{max_lat + 2}")
    assert far["features"][0]["geometry"]["coordinates"] == []
    whole = _get(f"/karte/roads.geojson?z=14&bbox={min_lon},{min_lat},{max_lon},{max_lat}")
    assert (
        whole["features"][0]["geometry"]["coordinates"]
        == _get("/karte/roads.geojson?z=14")["features"][0]["geometry"]["coordinates"]
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid_zoom"),
        ("z=abc", "invalid_zoom"),
        ("z=23", "invalid_zoom"),
        ("z=-1", "invalid_zoom"),
        ("z=12&bbox=1,2,3", "invalid_bbox"),
        ("z=12&bbox=3,2,1,4", "invalid_bbox"),
        ("z=12&bbox=a,b,c,d", "invalid_bbox"),
        ("z=12&bbox=nan,1,2,3", "invalid_bbox"),
        ("z=12&bbox=1,-91,2,3", "invalid_bbox"),
    ],
)
def test_bad_road_parameters_are_a_400_with_a_code(db, query, code):
    response = Client().get(f"/karte/roads.geojson?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_without_a_road_graph_the_roads_layer_is_a_503(db):
    response = Client().get("/karte/roads.geojson?z=12")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "road_graph_missing"


def test_network_lines_merge_both_directions_and_drop_sub_pixel_sections():
    from rides.domain.roadgraph import RawEdges

    raw = RawEdges()
    # a two-way road A-B-C (B is a shape point) and a one-way spur C->D
    raw.coords.update({1: (50.0, 10.0), 2: (50.0, 10.001), 3: (50.0, 10.002), 4: (50.00001, 10.002)})
    for a, b in ((1, 2), (2, 3), (3, 2), (2, 1), (3, 4), (4, 3)):
        raw.src.append(a)
        raw.dst.append(b)
        raw.speed_kmh.append(50.0)
    graph = RoadGraph.from_raw(raw, name="t")
    fine = network_lines(graph, tolerance_deg=1e-9)
    # The chain A–B–C–D is one section; its two directions become one line, and the
    # collinear shape point B goes.
    assert len(fine) == 1
    assert sorted([fine[0], fine[0][::-1]])[0] == [(10.0, 50.0), (10.002, 50.0), (10.002, 50.00001)]
    coarse = network_lines(graph, tolerance_deg=zoom_tolerance_deg(8))
    assert coarse == []  # the whole network is smaller than a pixel at zoom 8

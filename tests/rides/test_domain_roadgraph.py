"""Road-graph tag rules and edge lookup (no database, no OSM file)."""

from __future__ import annotations

import numpy as np
import pytest

from rides.domain.roadgraph import (
    DEFAULT_SPEED_KMH,
    RawEdges,
    RoadGraph,
    RoadGraphError,
    _usable_way,
    haversine_m,
    oneway_direction,
    parse_maxspeed,
)


@pytest.mark.parametrize(
    ("value", "highway", "speed"),
    [
        (None, "residential", 30.0),
        ("", "primary", 70.0),
        ("50", "primary", 50.0),
        (" 70 ", "primary", 70.0),
        ("30 mph", "primary", 30 * 1.609344),
        ("10 knots", "primary", 18.52),
        ("50 km/h", "primary", 50.0),
        ("0", "primary", 70.0),  # a zero limit is no limit we can drive with: class default
        ("DE:urban", "primary", 50.0),
        ("DE:rural", "primary", 100.0),
        ("DE:zone30", "residential", 30.0),
        ("DE:zone:20", "residential", 20.0),
        ("AT:bicycle_road", "residential", 30.0),  # unknown zone without a number: default
        ("none", "motorway", 130.0),
        ("none", "residential", 130.0),
        ("walk", "residential", 7.0),
        ("living_street", "residential", 7.0),
        ("50;30", "tertiary", 30.0),
        ("30;50", "tertiary", 30.0),
        (";", "tertiary", 50.0),  # an empty list: class default
        ("signals", "tertiary", 50.0),
        ("50", "footway", 50.0),
        (None, "footway", 30.0),  # unknown class: 30 km/h
    ],
)
def test_parse_maxspeed(value, highway, speed):
    assert parse_maxspeed(value, highway) == pytest.approx(speed)


@pytest.mark.parametrize(
    ("tags", "usable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, False),
        ({}, False),
        ({"highway": "residential", "area": "yes"}, False),
        ({"highway": "residential", "area": "no"}, True),
        ({"highway": "service"}, True),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "service", "service": "driveway"}, False),
        ({"highway": "service", "service": "drive-through"}, False),
        ({"highway": "service", "service": "emergency_access"}, False),
        ({"highway": "service", "service": "alley"}, True),
        ({"highway": "residential", "service": "driveway"}, True),
        ({"highway": "residential", "motor_vehicle": "no"}, False),
        ({"highway": "residential", "motorcar": "private"}, False),
        ({"highway": "residential", "vehicle": "no"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "access": "destination"}, True),
        ({"highway": "residential", "motor_vehicle": "yes", "access": "no"}, True),  # the specific tag wins
        ({"highway": "residential", "motorcar": "destination", "access": "no"}, True),
    ],
)
def test_usable_way(tags, usable):
    assert _usable_way(tags) is usable


@pytest.mark.parametrize(
    ("tags", "direction"),
    [
        ({"oneway": "yes"}, 1),
        ({"oneway": "1"}, 1),
        ({"oneway": "TRUE "}, 1),
        ({"oneway": "-1"}, -1),
        ({"oneway": "reverse"}, -1),
        ({"oneway": "no", "highway": "motorway"}, 0),
        ({"oneway": "0", "junction": "roundabout"}, 0),
        ({"oneway": "false"}, 0),
        ({"highway": "motorway_link"}, 1),
        ({"highway": "primary", "junction": "circular"}, 1),
        ({"highway": "primary", "oneway": "alternating"}, 0),
        ({}, 0),
    ],
)
def test_oneway_direction(tags, direction):
    assert oneway_direction(tags) == direction


def test_haversine_m():
    assert haversine_m(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]))[0] == pytest.approx(
        111_195.08, abs=0.5
    )
    assert haversine_m(np.array([51.0]), np.array([9.0]), np.array([51.0]), np.array([9.0]))[0] == 0.0
    # Antipodes: half the circumference, no NaN from rounding above 1.
    assert haversine_m(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([180.0]))[0] == pytest.approx(
        np.pi * 6_371_008.8
    )


def _square() -> RoadGraph:
    # Four nodes in a one-way ring 1 -> 2 -> 3 -> 4 -> 1, with 1 -> 3 as a shortcut.
    raw = RawEdges(
        src=[1, 2, 3, 4, 1],
        dst=[2, 3, 4, 1, 3],
        speed_kmh=[50.0] * 5,
        coords={1: (51.0, 9.0), 2: (51.0, 9.01), 3: (51.01, 9.01), 4: (51.01, 9.0)},
    )
    return RoadGraph.from_raw(raw, largest_scc=False, simplify=False)


def test_edge_positions_finds_edges_and_refuses_missing_ones():
    graph = _square()
    index = {int(o): i for i, o in enumerate(graph.osm_ids)}
    src = np.array([index[1], index[2], index[1]])
    dst = np.array([index[2], index[3], index[3]])
    positions = graph.edge_positions(src, dst)
    assert np.asarray(graph.indices)[positions].tolist() == dst.tolist()
    assert graph.edge_positions(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).tolist() == []
    with pytest.raises(RoadGraphError, match="^the path uses an edge that is not in the graph$"):
        graph.edge_positions(np.array([index[2]]), np.array([index[1]]))  # against the one-way direction
    last = graph.node_count - 1
    with pytest.raises(RoadGraphError):
        graph.edge_positions(np.array([last]), np.array([last]))  # beyond every stored edge key


def test_an_empty_file_is_refused():
    with pytest.raises(RoadGraphError, match="^the file holds no drivable roads$"):
        RoadGraph.from_raw(RawEdges())
    assert DEFAULT_SPEED_KMH["living_street"] == 7.0


def test_polyline_matches_the_published_example_and_chunk_boundaries():
    from rides.domain.roadgraph import decode_polyline, encode_polyline

    # Google's documented example.
    points = [(38.5, -120.2), (40.7, -120.95), (43.252, -126.453)]
    assert encode_polyline(points) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
    assert decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@") == points
    # Deltas whose doubled value is exactly 31, 32 and 33 sit at the five-bit chunk boundary.
    assert encode_polyline([(0.0, 0.0), (0.00016, 0.0)]) == "??_@?"  # 16 -> 32: two chunks
    assert encode_polyline([(0.0, 0.0), (0.00015, 0.0)]) == "??]?"  # 15 -> 30: one chunk
    for delta in (15, 16, 17, -16, -17):
        track = [(0.0, 0.0), (delta / 1e5, delta / 1e5)]
        assert decode_polyline(encode_polyline(track)) == track

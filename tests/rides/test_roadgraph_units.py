"""The road graph on hand-written inputs: access lists, the walking profile, reading a small OSM
file (split ways, progress, one-way rules), compaction (parallel edges, components, chains),
the cache, nearest-node and radius queries at their edges, and routes. Exact values throughout."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rides.domain.roadgraph import (
    WALK_SPEED_KMH,
    RawEdges,
    RoadGraph,
    RoadGraphError,
    Route,
    access_decision,
    car_allowed,
    haversine_m,
    read_osm_edges,
    walkable_way,
    zoom_tolerance_deg,
)

CAR = ("motorcar", "motor_vehicle", "vehicle", "access")


@pytest.mark.parametrize(
    ("tags", "decision"),
    [
        ({}, None),
        ({"access": "agricultural;forestry"}, False),  # every entry denied
        ({"access": "agricultural; yes"}, True),  # one entry allowed
        ({"access": "agricultural;unknown"}, None),  # not every entry understood as denied
        ({"access": "NO"}, False),
        ({"access": " ; "}, None),  # no entries at all
        ({"access": "private,delivery"}, False),  # commas separate too
        ({"motorcar": "maybe", "access": "no"}, False),  # an unknown value does not decide
        ({"motorcar": "maybe", "vehicle": "designated", "access": "no"}, True),
        ({"motor_vehicle": "bus", "access": "yes"}, False),  # buses only: no car
    ],
)
def test_access_decision(tags, decision):
    assert access_decision(tags, CAR) is decision
    assert car_allowed(tags) is (decision is not False)


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "pedestrian", "area": "yes"}, True),
        ({"highway": "footway", "area": "yes"}, False),
        ({"highway": "footway", "area": "no"}, True),
        ({"highway": "motorway_link"}, False),
        ({"highway": "primary", "motorroad": "no"}, True),
        ({"highway": "track", "access": "agricultural"}, False),
        ({"highway": "track", "access": "agricultural", "foot": "permissive"}, True),
        ({"highway": "path", "foot": "designated"}, True),
        ({"highway": "construction"}, False),
        ({}, False),
    ],
)
def test_walkable_way(tags, walkable):
    assert walkable_way(tags) is walkable


def _osm(tmp_path, body: str, name: str = "t.osm"):
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">' + body + "</osm>")
    return path


def _node(i, lat, lon):
    return f'<node id="{i}" lat="{lat}" lon="{lon}" version="1"/>'


def _way(i, refs, **tags):
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    tg = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}" version="1">{nds}{tg}</way>'


NODES = "".join(_node(i, 48.0, 9.0 + 0.001 * i) for i in range(1, 7))


def test_reading_ways_with_missing_nodes_one_way_rules_and_progress(tmp_path):
    path = _osm(
        tmp_path,
        NODES
        + _way(10, [1, 2, 99, 3, 4], highway="residential")  # node 99 is missing: split there
        + _way(11, [4, 5], highway="primary", oneway="yes", maxspeed="40")
        + _way(12, [5, 6], highway="primary", oneway="-1")
        + _way(13, [6, 6, 1], highway="service", service="parking_aisle")  # not for through traffic
        + _way(14, [6, 6], highway="tertiary"),  # the same node twice: no edge
    )
    calls: list[int] = []
    raw = read_osm_edges(path, progress=calls.append)
    assert calls == [4]  # four usable ways read, reported at the end
    assert (raw.ways, raw.split_ways, raw.missing_node_refs) == (4, 1, 1)
    assert list(zip(raw.src, raw.dst, raw.speed_kmh, strict=True)) == [
        (1, 2, 30.0),
        (2, 1, 30.0),
        (3, 4, 30.0),
        (4, 3, 30.0),
        (4, 5, 40.0),
        (6, 5, 70.0),
    ]
    assert raw.coords[1] == (48.0, 9.001) and sorted(raw.coords) == [1, 2, 3, 4, 5, 6]
    # the walking profile walks both ways at 1.2 m/s unless oneway:foot says otherwise
    foot = _osm(
        tmp_path,
        NODES
        + _way(20, [1, 2], highway="residential", oneway="yes")
        + _way(21, [2, 3], highway="footway", oneway__foot="yes")
        + _way(22, [3, 4], highway="motorway"),
        "foot.osm",
    )
    raw = read_osm_edges(foot, profile="foot")
    assert list(zip(raw.src, raw.dst, raw.speed_kmh, strict=True)) == [
        (1, 2, WALK_SPEED_KMH),
        (2, 1, WALK_SPEED_KMH),
        (2, 3, WALK_SPEED_KMH),
    ]
    assert pytest.approx(4.32) == WALK_SPEED_KMH


def test_progress_is_reported_every_2000_ways(tmp_path):
    ways = "".join(_way(1000 + k, [1, 2], highway="residential") for k in range(4001))
    calls: list[int] = []
    read_osm_edges(_osm(tmp_path, NODES + ways), progress=calls.append)
    assert calls == [2000, 2000, 1]


def test_missing_and_unreadable_files(tmp_path):
    missing = tmp_path / "nope.osm"
    with pytest.raises(RoadGraphError, match=f"^OSM file not found: {missing}$"):
        read_osm_edges(missing)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way")
    with pytest.raises(RoadGraphError, match=f"^cannot read OSM file {broken}: "):
        read_osm_edges(broken)


def _raw(edges, coords, speed=36.0):
    """``edges`` as (src, dst) OSM ids at ``speed`` km/h (36 km/h = 10 m/s)."""
    raw = RawEdges(coords=dict(coords))
    for a, b, *rest in edges:
        raw.src.append(a)
        raw.dst.append(b)
        raw.speed_kmh.append(rest[0] if rest else speed)
    return raw


# five nodes on a line of latitude 0: 0.001 degrees of longitude = 111.195 m
LINE = {i: (0.0, 0.001 * i) for i in range(1, 8)}
STEP_M = float(haversine_m(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([0.001]))[0])


def test_compaction_keeps_the_fastest_parallel_edge_and_the_largest_component():
    raw = _raw(
        [(1, 2, 36.0), (1, 2, 72.0), (2, 1), (2, 3), (3, 2), (5, 6), (6, 5), (3, 3)],
        LINE,
    )
    raw.ways, raw.split_ways, raw.missing_node_refs = 5, 2, 3
    graph = RoadGraph.from_raw(raw, simplify=False, name="tiny")
    assert graph.osm_ids.tolist() == [1, 2, 3]  # 5-6 is the smaller component
    assert graph.meta == {
        "name": "tiny",
        "nodes": 3,
        "edges": 5,
        "unsimplified_nodes": 3,
        "unsimplified_edges": 5,
        "ways": 5,
        "split_ways": 2,
        "missing_node_refs": 3,
    }
    assert graph.edge_time(0, 1) == pytest.approx(STEP_M / 20.0)  # the 72 km/h edge
    assert graph.edge_time(1, 0) == pytest.approx(STEP_M / 10.0)
    # a self-loop of zero length keeps a millisecond so it stays an edge
    assert graph.edge_time(2, 2) == 1e-3
    assert (graph.node_count, graph.edge_count) == (3, 5)
    assert graph.indptr.tolist() == [0, 1, 3, 5] and graph.indices.tolist() == [1, 0, 2, 1, 2]
    everything = RoadGraph.from_raw(raw, simplify=False, largest_scc=False)
    assert everything.osm_ids.tolist() == [1, 2, 3, 5, 6]


def test_chains_are_contracted_with_summed_times_and_kept_shape():
    # two-way 1-2-3-4 and a slower one-way chain 4 -> 5 -> 6 -> 1 (18 km/h)
    raw = _raw([(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3), (4, 5, 18.0), (5, 6, 18.0), (6, 1, 18.0)], LINE)
    graph = RoadGraph.from_raw(raw)
    assert graph.osm_ids.tolist() == [1, 4]
    assert graph.meta["unsimplified_nodes"] == 6 and graph.meta["unsimplified_edges"] == 9
    # 4 -> 1 twice after contraction (via 3, 2 and via 5, 6): the faster one stays
    assert (graph.meta["nodes"], graph.meta["edges"]) == (2, 2)
    assert graph.edge_time(0, 1) == pytest.approx(3 * STEP_M / 10.0)
    assert graph.edge_time(1, 0) == pytest.approx(3 * STEP_M / 10.0)
    assert graph.path_shape(np.array([1, 0])) == [(0.0, 0.004), (0.0, 0.003), (0.0, 0.002), (0.0, 0.001)]
    assert graph.dist_m[graph.edge_positions(np.array([1]), np.array([0]))[0]] == pytest.approx(3 * STEP_M)
    assert graph.path_shape(np.array([0, 1])) == [(0.0, 0.001), (0.0, 0.002), (0.0, 0.003), (0.0, 0.004)]
    assert graph.path_shape(np.array([1])) == [(0.0, 0.004)]
    plain = RoadGraph.from_raw(raw, simplify=False)
    assert plain.geom_indptr.tolist() == [0] * (plain.edge_count + 1)
    # a ring of through nodes only: one node is kept
    ring = RoadGraph.from_raw(_raw([(1, 2), (2, 3), (3, 1)], LINE))
    assert ring.osm_ids.tolist() == [1] and ring.edge_count == 0


def test_cache_round_trip(tmp_path):
    raw = _raw([(1, 2), (2, 1), (2, 3), (3, 2), (3, 1)], LINE)
    graph = RoadGraph.from_raw(raw, simplify=False, name="g")
    where = graph.save(tmp_path / "g")
    assert where == tmp_path / "g"
    meta = json.loads((where / "meta.json").read_text())
    assert meta["bbox"] == [0.001, 0.0, 0.003, 0.0] and meta["name"] == "g"
    for mmap in (True, False):
        loaded = RoadGraph.load(where, mmap=mmap)
        assert isinstance(loaded.time_s, np.memmap) is mmap
        assert loaded.meta == meta
        assert loaded.indices.tolist() == graph.indices.tolist() and loaded.time_s.tolist() == graph.time_s.tolist()
        assert loaded.cch_order().tolist() == graph.cch_order().tolist()
        assert loaded.route_time(0, 2) == pytest.approx(graph.route_time(0, 2))
    with pytest.raises(RoadGraphError, match=f"^no road graph cache in {tmp_path}$"):
        RoadGraph.load(tmp_path)


def test_nearest_nodes_and_radius_edges():
    graph = RoadGraph.from_raw(_raw([(1, 2), (2, 1), (2, 3), (3, 2)], LINE), simplify=False)
    node, metres = graph.nearest_node(0.0, 0.0021)
    assert node == 1 and metres == pytest.approx(0.1 * STEP_M, rel=1e-9)
    index, metres = graph.nearest_nodes(np.array([0.0, 0.0]), np.array([0.0029, 0.0]))
    assert index.tolist() == [2, 0] and metres == pytest.approx([0.1 * STEP_M, STEP_M], rel=1e-9)
    empty_index, empty_metres = graph.nearest_nodes(np.zeros(0), np.zeros(0))
    assert (empty_index.tolist(), empty_metres.tolist(), empty_index.dtype) == ([], [], np.int64)
    exact = float(haversine_m(np.array([0.0]), np.array([0.002]), np.array([0.0]), np.array([0.003]))[0])
    assert graph.nodes_within(0.0, 0.002, exact) == [0, 1, 2]
    assert graph.nodes_within(0.0, 0.002, exact - 1e-6) == [1]
    assert graph.nodes_within(1.0, 1.0, 10.0) == []
    assert graph.coordinates([2, 0]) == [(0.0, 0.003), (0.0, 0.001)]
    assert graph.bbox() == [0.001, 0.0, 0.003, 0.0]


def test_routes_times_and_limits():
    # 1 <-> 2 <-> 3 and a one-way 3 -> 4 (4 has no way out)
    graph = RoadGraph.from_raw(_raw([(1, 2), (2, 1), (2, 3), (3, 2), (3, 4)], LINE), simplify=False, largest_scc=False)
    step = STEP_M / 10.0
    assert graph.times_from(0).tolist() == pytest.approx([0.0, step, 2 * step, 3 * step])
    assert graph.times_from(0, limit=2 * step + 1e-9).tolist()[:3] == pytest.approx([0.0, step, 2 * step])
    assert graph.times_from(0, limit=2 * step - 1e-6)[2] == math.inf
    assert graph.times_to(0)[3] == math.inf and graph.times_to(3)[0] == pytest.approx(3 * step)
    route = graph.route(0, 3)
    assert route.nodes.tolist() == [0, 1, 2, 3]
    assert route.time_s.tolist() == pytest.approx([0.0, step, 2 * step, 3 * step])
    assert route.dist_m.tolist() == pytest.approx([0.0, STEP_M, 2 * STEP_M, 3 * STEP_M])
    assert (route.duration_s, route.distance_m) == (pytest.approx(3 * step), pytest.approx(3 * STEP_M))
    assert graph.route_time(0, 3) == pytest.approx(3 * step, rel=1e-12)
    assert graph.travel_time(0, 3) == pytest.approx(3 * step, abs=2e-3)  # whole milliseconds per edge
    assert graph.travel_time(3, 0) == math.inf and graph.route_time(3, 0) == math.inf
    assert graph.fastest_path(3, 0) is None
    with pytest.raises(RoadGraphError, match="^node 0 is unreachable from 3$"):
        graph.route(3, 0)
    # the same node: a route of one node, no time
    assert graph.fastest_path(2, 2).tolist() == [2]
    assert (graph.travel_time(2, 2), graph.route_time(2, 2)) == (0.0, 0.0)
    same = graph.route(2, 2)
    assert (same.nodes.tolist(), same.duration_s, same.distance_m) == ([2], 0.0, 0.0)
    graph.prepare_queries()
    assert graph._cch_metric is not None
    assert Route(np.array([5]), np.array([0.0, 7.5]), np.array([0.0, 12.0])).duration_s == 7.5


def test_zoom_tolerance():
    assert zoom_tolerance_deg(0) == 360.0 / 256
    assert zoom_tolerance_deg(8) == 360.0 / 65536

"""Road graph import from real OSM extracts and a hand-written one-way street."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from rides.domain.roadgraph import (
    RoadGraph,
    RoadGraphError,
    decode_polyline,
    encode_polyline,
    oneway_direction,
    parse_maxspeed,
    read_osm_edges,
)
from rides.models import RoadGraph as RoadGraphModel
from tests.conftest import shared_file

ONEWAY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="48.0000" lon="9.0000" version="1"/>
  <node id="2" lat="48.0000" lon="9.0100" version="1"/>
  <node id="3" lat="48.0050" lon="9.0100" version="1"/>
  <node id="4" lat="48.0050" lon="9.0000" version="1"/>
  <node id="5" lat="48.0100" lon="9.0000" version="1"/>
  <node id="9" lat="48.0200" lon="9.0200" version="1"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="30"/>
  </way>
  <way id="11" version="1">
    <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="50"/>
  </way>
  <way id="12" version="1">
    <nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="13" version="1">
    <nd ref="5"/><nd ref="9"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/>
  </way>
</osm>
"""


def test_oneway_street_is_respected(tmp_path):
    path = tmp_path / "oneway.osm"
    path.write_text(ONEWAY_OSM)
    graph = RoadGraph.from_osm(path, simplify=False)
    assert sorted(graph.osm_ids.tolist()) == [1, 2, 3, 4]  # footway and private road dropped
    ids = {int(o): i for i, o in enumerate(graph.osm_ids)}
    one, two = ids[1], ids[2]
    direct = graph.times_from(one)[two]
    back = graph.times_from(two)[one]
    length = 741.0  # 0.01 degrees of longitude at 48 N, metres (approximately)
    assert direct == pytest.approx(length / (30 / 3.6), rel=0.01)  # the one-way street at 30 km/h
    # back from 2 to 1 goes round the block at 50 km/h: 2 -> 3 -> 4 -> 1
    around = (556 + 741 + 556) / (50 / 3.6)
    assert back == pytest.approx(around, rel=0.01)
    assert back > direct


def test_maxspeed_parsing():
    assert parse_maxspeed("50", "primary") == 50
    assert parse_maxspeed("30 mph", "residential") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("DE:urban", "primary") == 50
    assert parse_maxspeed("DE:rural", "secondary") == 100
    assert parse_maxspeed("DE:zone30", "residential") == 30
    assert parse_maxspeed("walk", "living_street") == 7
    assert parse_maxspeed("none", "motorway") == 130
    assert parse_maxspeed("50;30", "tertiary") == 30
    assert parse_maxspeed("signals", "tertiary") == 50  # unknown: class default
    assert parse_maxspeed(None, "residential") == 30


def test_oneway_tags():
    assert oneway_direction({"oneway": "yes"}) == 1
    assert oneway_direction({"oneway": "-1"}) == -1
    assert oneway_direction({"highway": "motorway"}) == 1
    assert oneway_direction({"highway": "primary", "junction": "roundabout"}) == 1
    assert oneway_direction({"highway": "motorway", "oneway": "no"}) == 0
    assert oneway_direction({"highway": "residential"}) == 0


def test_herrenberg_import_simplifies_without_changing_times():
    path = shared_file("osm/herrenberg-minimal.osm.pbf")
    raw = read_osm_edges(path)
    graph = RoadGraph.from_raw(raw)
    full = RoadGraph.from_raw(raw, simplify=False)
    assert graph.meta["unsimplified_nodes"] == full.node_count
    assert 500 < graph.node_count < full.node_count
    position = {int(o): i for i, o in enumerate(full.osm_ids)}
    same_nodes = np.array([position[int(o)] for o in graph.osm_ids])
    for source in (0, graph.node_count // 2, graph.node_count - 1):
        simplified_times = graph.times_from(source)
        full_times = full.times_from(position[int(graph.osm_ids[source])])[same_nodes]
        assert np.all(np.isfinite(simplified_times))  # strongly connected
        np.testing.assert_allclose(simplified_times, full_times, rtol=1e-9, atol=1e-9)
    route = graph.route(0, graph.node_count - 1)
    assert route.duration_s == pytest.approx(graph.times_from(0)[graph.node_count - 1])
    # the polyline follows the contracted chains, so it has more points than the route has nodes
    shape = graph.path_shape(route.nodes)
    assert len(shape) > len(route.nodes)
    decoded = np.array(decode_polyline(encode_polyline(shape)))
    np.testing.assert_allclose(decoded, np.array(shape), atol=1e-5)


def test_clipped_extract_with_missing_nodes():
    path = shared_file("osm/lauf-clipped.osm.pbf")
    graph = RoadGraph.from_osm(path)
    assert graph.meta["missing_node_refs"] > 0
    assert graph.meta["split_ways"] > 0
    assert graph.node_count > 500
    assert np.all(np.isfinite(graph.times_from(0)))


def test_gzipped_osm_xml():
    path = shared_file("osm/north-bayreuth.osm.gz")
    graph = RoadGraph.from_osm(path)
    assert graph.node_count > 500
    min_lon, min_lat, max_lon, max_lat = graph.bbox()
    assert 11.4 < min_lon < max_lon < 11.8 and 49.9 < min_lat < max_lat < 50.1


def test_cache_round_trip_is_memory_mapped_and_fast(tmp_path):
    graph = RoadGraph.from_osm(shared_file("osm/herrenberg-minimal.osm.pbf"))
    graph.save(tmp_path / "g")
    started = time.perf_counter()
    loaded = RoadGraph.load(tmp_path / "g")
    assert time.perf_counter() - started < 1.0
    assert isinstance(loaded.indices, np.memmap)
    np.testing.assert_array_equal(loaded.times_from(3), graph.times_from(3))
    node, distance = loaded.nearest_node(float(graph.lat[42]), float(graph.lon[42]))
    assert (node, distance) == (42, pytest.approx(0.0, abs=1e-6))


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(RoadGraphError):
        RoadGraph.from_osm(tmp_path / "missing.osm.pbf")
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(RoadGraphError, match="no drivable roads"):
        RoadGraph.from_osm(empty)


@pytest.mark.django_db
def test_osm_import_command(tmp_path, settings):
    settings.RIDES_GRAPH_DIR = str(tmp_path)
    call_command("osm_import", str(shared_file("osm/lauf-clipped.osm.pbf")), "--name", "lauf", "--no-progress")
    row = RoadGraphModel.objects.get(name="lauf")
    assert row.active and row.node_count > 500 and row.edge_count > row.node_count
    assert (tmp_path / "lauf" / "indptr.npy").is_file()
    assert RoadGraph.load(row.path).node_count == row.node_count
    # a second graph becomes the active one
    osm = tmp_path / "oneway.osm"
    osm.write_text(ONEWAY_OSM)
    call_command("osm_import", str(osm), "--name", "tiny", "--no-progress")
    assert list(RoadGraphModel.objects.filter(active=True).values_list("name", flat=True)) == ["tiny"]
    with pytest.raises(CommandError):
        call_command("osm_import", str(tmp_path / "nope.pbf"), "--name", "x", "--no-progress")
    assert RoadGraphModel.objects.count() == 2


@pytest.mark.django_db
def test_reimport_resnaps_live_offers(tmp_path, settings, alice):
    from datetime import timedelta

    from django.utils import timezone

    from rides import services
    from rides.models import RideOffer

    settings.RIDES_GRAPH_DIR = str(tmp_path)
    path = shared_file("osm/herrenberg-minimal.osm.pbf")
    call_command("osm_import", str(path), "--name", "hb", "--no-progress")
    graph = RoadGraph.load(tmp_path / "hb")
    a, b = int(graph.lon.argmin()), int(graph.lon.argmax())
    offer = services.offer_create(
        driver=alice,
        origin=services.Place(float(graph.lat[a]), float(graph.lon[a])),
        destination=services.Place(float(graph.lat[b]), float(graph.lon[b])),
        departure=timezone.now() + timedelta(days=1),
        seats=2,
    )
    RideOffer.objects.filter(pk=offer.pk).update(origin_node=0, destination_node=1, duration_s=1.0)
    call_command("osm_import", str(path), "--name", "hb", "--no-progress")
    offer.refresh_from_db()
    assert (offer.origin_node, offer.destination_node) == (a, b)
    assert offer.duration_s == pytest.approx(graph.route(a, b).duration_s)


def test_cch_point_to_point_equals_dijkstra_on_real_graphs(tmp_path):
    """The CCH's travel times equal scipy's Dijkstra on random pairs; the saved order is reused."""
    import random

    for name in ("herrenberg-minimal.osm.pbf", "north-bayreuth.osm.gz"):
        graph = RoadGraph.from_osm(shared_file(f"osm/{name}"))
        graph.save(tmp_path / name)
        loaded = RoadGraph.load(tmp_path / name)
        assert np.array_equal(loaded._cch_order, graph.cch_order())
        rng = random.Random(3)
        for _ in range(150):
            a, b = rng.randrange(graph.node_count), rng.randrange(graph.node_count)
            expected = float(graph.times_from(a)[b])
            assert loaded.travel_time(a, b) == pytest.approx(expected, abs=0.5)  # ms weights in the hierarchy
            route = loaded.route(a, b)
            assert route.nodes[0] == a and route.nodes[-1] == b
            assert route.duration_s == pytest.approx(expected, abs=1e-6)  # exact edge times along the path
        assert loaded.travel_time(5, 5) == 0.0

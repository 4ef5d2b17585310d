"""OSM access hierarchy, walking profile, and our road graph against an osmnx graph of the same file."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from rides.domain.roadgraph import (
    RoadGraph,
    car_allowed,
    oneway_direction,
    parse_maxspeed,
    walkable_way,
)
from tests.conftest import shared_file

HIERARCHY = ("access", "vehicle", "motor_vehicle", "motorcar")  # least specific first
VALUES = (
    None,
    "yes",
    "no",
    "designated",
    "destination",
    "permissive",
    "private",
    "agricultural",
    "forestry",
    "agricultural;forestry",
)
OPEN = {"yes", "designated", "destination", "permissive"}


def _oracle(tags: dict[str, str]) -> bool:
    """Independent fold: start open, let every more specific key that is present override."""
    allowed = True
    for key in HIERARCHY:
        if key in tags:
            allowed = tags[key] in OPEN
    return allowed


def test_every_combination_of_the_four_access_keys():
    checked = 0
    for combo in itertools.product(VALUES, repeat=4):
        tags = {"highway": "primary"}
        tags.update({key: value for key, value in zip(HIERARCHY, combo, strict=True) if value is not None})
        assert car_allowed(tags) == _oracle(tags), tags
        checked += 1
    assert checked == len(VALUES) ** 4


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"motor_vehicle": "no", "motorcar": "yes"}, True),  # the real main-road pattern of the issue
        ({"access": "no", "motor_vehicle": "destination"}, True),
        ({"vehicle": "no", "motorcar": "permissive"}, True),
        ({"motor_vehicle": "agricultural;forestry"}, False),
        ({"motor_vehicle": "agricultural, forestry"}, False),
        ({"motor_vehicle": "destination;agricultural"}, True),
        ({"access": "yes", "motor_vehicle": "bus"}, False),
        ({"access": "private", "motor_vehicle:conditional": "yes @ (Mo-Fr)"}, False),  # conditional ignored
        ({"motor_vehicle": "no", "motor_vehicle:conditional": "yes @ (06:00-08:00)"}, False),
        ({"access": "unknown"}, True),  # a value we do not understand does not decide
        ({}, True),
    ],
)
def test_access_examples(tags, allowed):
    assert car_allowed({"highway": "secondary", **tags}) is allowed


def _way_xml(way_id: int, a: int, b: int, tags: dict[str, str]) -> str:
    tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{way_id}" version="1"><nd ref="{a}"/><nd ref="{b}"/>{tag_xml}</way>'


def test_generated_ways_enter_the_graph_by_the_hierarchy(tmp_path):
    """Every combination of motor_vehicle x motorcar on a spur off a two-way ring: the spur's
    end node is in the graph exactly when the oracle allows a car."""
    nodes = ['<node id="1" lat="48.0" lon="9.0" version="1"/>', '<node id="2" lat="48.0" lon="9.01" version="1"/>']
    ways = [_way_xml(1, 1, 2, {"highway": "residential"})]
    expected_in: set[int] = {1, 2}
    node_id = 100
    for k, (mv, mc) in enumerate(itertools.product(VALUES, repeat=2)):
        node_id += 1
        nodes.append(f'<node id="{node_id}" lat="{48.001 + k * 1e-4:.6f}" lon="9.0" version="1"/>')
        tags = {"highway": "service"}
        if mv is not None:
            tags["motor_vehicle"] = mv
        if mc is not None:
            tags["motorcar"] = mc
        ways.append(_way_xml(1000 + k, 1, node_id, tags))
        if _oracle(tags):
            expected_in.add(node_id)
    path = tmp_path / "access.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6">' + "".join(nodes) + "".join(ways) + "</osm>")
    graph = RoadGraph.from_osm(path, simplify=False)
    assert set(graph.osm_ids.tolist()) == expected_in
    assert 1 < len(expected_in) - 2 < len(VALUES) ** 2  # some spurs in, some out


def test_walking_profile(tmp_path):
    assert walkable_way({"highway": "footway"})
    assert walkable_way({"highway": "residential", "access": "private", "foot": "yes"})
    assert not walkable_way({"highway": "residential", "foot": "no"})
    assert not walkable_way({"highway": "motorway"})
    assert not walkable_way({"highway": "trunk", "motorroad": "yes"})
    assert walkable_way({"highway": "steps"})
    path = tmp_path / "walk.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="48.0" lon="9.0" version="1"/><node id="2" lat="48.0" lon="9.01" version="1"/>'
        '<node id="3" lat="48.005" lon="9.01" version="1"/>'
        + _way_xml(1, 1, 2, {"highway": "residential", "oneway": "yes"})
        + _way_xml(2, 2, 3, {"highway": "footway"})
        + _way_xml(3, 1, 3, {"highway": "motorway"})
        + "</osm>"
    )
    walk = RoadGraph.from_osm(path, simplify=False, profile="foot")
    ids = {int(o): i for i, o in enumerate(walk.osm_ids)}
    assert set(ids) == {1, 2, 3}
    # one-way streets are walked both ways, at 1.2 m/s; the motorway is not walked
    length = 741.0
    assert walk.times_from(ids[2])[ids[1]] == pytest.approx(length / 1.2, rel=0.01)
    assert walk.times_from(ids[1])[ids[3]] == pytest.approx((length + 556) / 1.2, rel=0.01)


# -- the road graph against osmnx -----------------------------------------------------------------


def _write_filtered_xml(source, target) -> None:
    """The file's usable car ways as OSM XML that osmnx reads: ways split where the extract
    lacks nodes (as our reader does), the one-way rule written out as ``oneway=yes/-1/no``
    (osmnx knows no implied motorway one-way), and only the tags both sides use."""
    import osmium

    from rides.domain import roadgraph

    coords: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], dict[str, str]]] = []
    processor = (
        osmium.FileProcessor(str(source), osmium.osm.WAY | osmium.osm.NODE)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for entity in processor:
        if not entity.is_way():
            continue
        tags = {t.k: t.v for t in entity.tags}
        if not roadgraph._usable_way(tags):
            continue
        direction = oneway_direction(tags)
        kept = {"highway": tags["highway"], "oneway": {1: "yes", -1: "-1", 0: "no"}[direction]}
        if "maxspeed" in tags:
            kept["maxspeed"] = tags["maxspeed"]
        piece: list[int] = []
        for ref in entity.nodes:
            if not ref.location.valid():
                if len(piece) > 1:
                    ways.append((piece, kept))
                piece = []
                continue
            coords[ref.ref] = (ref.location.lat, ref.location.lon)
            piece.append(ref.ref)
        if len(piece) > 1:
            ways.append((piece, kept))
    from xml.sax.saxutils import quoteattr

    with open(target, "w") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for node, (lat, lon) in coords.items():
            out.write(f'<node id="{node}" lat="{lat!r}" lon="{lon!r}" version="1"/>\n')
        for k, (refs, tags) in enumerate(ways):
            out.write(f'<way id="{k + 1}" version="1">')
            out.write("".join(f'<nd ref="{r}"/>' for r in refs))
            out.write("".join(f"<tag k={quoteattr(a)} v={quoteattr(b)}/>" for a, b in tags.items()))
            out.write("</way>\n")
        out.write("</osm>\n")


@pytest.mark.parametrize(
    "name", ["herrenberg-minimal.osm.pbf", "lauf-clipped.osm.pbf", "north-bayreuth.osm.gz", "rnv.osm.pbf"]
)
def test_road_graph_equals_osmnx_graph_of_the_same_file(name, tmp_path):
    """Same nodes (largest strongly connected component) and the same travel time on every edge."""
    import osmnx

    path = shared_file(f"osm/{name}")
    xml = tmp_path / "filtered.osm"
    _write_filtered_xml(path, xml)
    reference = osmnx.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    biggest = max(nx.strongly_connected_components(reference), key=len)
    reference = reference.subgraph(biggest)
    ours = RoadGraph.from_osm(path, simplify=False)
    assert set(ours.osm_ids.tolist()) == set(biggest)
    expected: dict[tuple[int, int], float] = {}
    for u, v, data in reference.edges(data=True):
        if u == v:
            continue
        highway = data["highway"] if isinstance(data["highway"], str) else data["highway"][0]
        speed = parse_maxspeed(data.get("maxspeed"), highway)
        seconds = max(data["length"] / (speed / 3.6), 1e-3)
        expected[(u, v)] = min(seconds, expected.get((u, v), math.inf))
    rows = np.repeat(np.arange(ours.node_count), np.diff(np.asarray(ours.indptr)))
    got = {
        (int(ours.osm_ids[a]), int(ours.osm_ids[b])): float(t)
        for a, b, t in zip(
            rows.tolist(), np.asarray(ours.indices).tolist(), np.asarray(ours.time_s).tolist(), strict=True
        )
    }
    assert set(got) == set(expected)
    worst = max(abs(got[k] - expected[k]) / expected[k] for k in got)
    assert worst < 1e-6  # osmnx rounds nothing; only the Earth radius differs (6,371,009 m vs 6,371,008.8 m)

"""An offer's seats are the most riders in the car at once, and a plan never drives a road
stretch twice in the same direction (no shuttling riders A -> B, back, A -> B again)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rides.domain.matching import (
    Access,
    OfferIndex,
    RideQuery,
    insert_rider,
    oracle_matches,
    simple_plan,
)
from rides.domain.roadgraph import RawEdges, RoadGraph

from .helpers import herrenberg_graph

T0 = 1_800_000_000.0


def _line_graph() -> tuple[RoadGraph, dict[str, int]]:
    """O - A - B - D, two-way, 1 km apart at 36 km/h (100 s a stretch), plus a side spur S off A."""
    raw = RawEdges()
    coords = {1: (48.0, 9.0), 2: (48.0, 9.0134), 3: (48.0, 9.0268), 4: (48.0, 9.0402), 5: (48.009, 9.0134)}
    raw.coords.update(coords)
    for a, b in [(1, 2), (2, 3), (3, 4), (2, 5)]:
        for x, y in ((a, b), (b, a)):
            raw.src.append(x)
            raw.dst.append(y)
            raw.speed_kmh.append(36.0)
    graph = RoadGraph.from_raw(raw, simplify=False)
    ids = {int(o): i for i, o in enumerate(graph.osm_ids)}
    return graph, {"O": ids[1], "A": ids[2], "B": ids[3], "D": ids[4], "S": ids[5]}


def _offer(graph, n, seats=3, detour=3600.0):
    direct = graph.route_time(n["O"], n["D"])
    plan = simple_plan(
        "car", origin=n["O"], destination=n["D"], departure_s=T0, capacity=seats, max_detour_s=detour, direct_s=direct
    )
    return plan


def test_no_second_car_load_by_driving_back():
    graph, n = _line_graph()
    index = OfferIndex(graph)
    index.add(_offer(graph, n))
    first = RideQuery([Access(n["A"])], [Access(n["B"])], T0, T0 + 3600, seats=3)
    (match,) = index.match(first)
    plan = insert_rider(index.plans["car"], match, 3, 0.0)
    index.add(plan)
    assert [s.load_after for s in plan.stops] == [0, 3, 0, 0]
    # three more from A to B who cannot ride with the first three (they are ready only after the
    # first three left the car at B): the old plan drove B -> A -> B -> D within the budget
    dropped = match.dropoff_time_s
    later = RideQuery([Access(n["A"])], [Access(n["B"])], dropped + 1, dropped + 3600, seats=3)
    assert index.match(later) == []
    assert oracle_matches(graph, index.plans.values(), later) == []
    # a rider on the driver's way after B still fits (the seats are free again)
    onward = RideQuery([Access(n["B"])], [Access(n["D"])], T0, T0 + 3600, seats=3)
    assert [m.key for m in index.match(onward)] == ["car"]


def test_a_there_and_back_spur_to_a_door_is_allowed():
    graph, n = _line_graph()
    index = OfferIndex(graph)
    index.add(_offer(graph, n))
    spur = RideQuery([Access(n["S"])], [Access(n["D"])], T0, T0 + 3600, seats=1)
    (match,) = index.match(spur)
    spur_s = graph.route_time(n["A"], n["S"])
    assert spur_s == graph.route_time(n["S"], n["A"]) and 90 < spur_s < 110
    assert match.added_s == pytest.approx(2 * spur_s, abs=1e-6)  # A -> S -> A
    assert match.pickup_time_s == pytest.approx(T0 + graph.route_time(n["O"], n["A"]) + spur_s, abs=1e-6)


def _route_edges(graph: RoadGraph, nodes: list[int]) -> list[tuple[int, int]]:
    edges: list[tuple[int, int]] = []
    for a, b in zip(nodes, nodes[1:], strict=False):
        if a != b:
            path = graph.route(a, b).nodes.tolist()
            edges.extend(zip(path[:-1], path[1:], strict=True))
    return edges


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=100_000))
def test_booked_plans_never_exceed_seats_nor_drive_a_stretch_twice(seed):
    """Book the best match of random requests one after another into a few offers; after every
    booking each plan carries at most its seats at once and repeats no directed road edge."""
    graph = herrenberg_graph()
    rng = random.Random(seed)
    n = graph.node_count
    index = OfferIndex(graph)
    for key in range(4):
        o, d = rng.randrange(n), rng.randrange(n)
        while d == o:
            d = rng.randrange(n)
        index.add(
            simple_plan(
                key,
                origin=o,
                destination=d,
                departure_s=T0,
                capacity=rng.randint(1, 3),
                max_detour_s=rng.choice([300.0, 900.0, 1800.0]),
                direct_s=graph.route_time(o, d),
            )
        )
    booked = 0
    for _ in range(25):
        ed = T0 + rng.uniform(-300, 900)
        query = RideQuery(
            [Access(rng.randrange(n))], [Access(rng.randrange(n))], ed, ed + rng.uniform(600, 3600), rng.randint(1, 2)
        )
        found = index.match(query)
        if not found:
            continue
        match = found[0]
        before = index.plans[match.key]
        after = insert_rider(before, match, query.seats, 0.0)
        index.add(after)
        booked += 1
        loads = [s.load_after for s in after.stops]
        assert max(loads) <= after.capacity and min(loads) >= 0 and loads[-1] == 0
        edges = _route_edges(graph, [s.node for s in after.stops])
        assert len(edges) == len(set(edges)), "the plan drives a stretch twice"
        assert len(after.stops) == len(before.stops) + 2
        # exactly this rider's seats more on the legs between its pickup and drop-off
        p, q = match.pickup_leg + 1, match.dropoff_leg + 2
        assert [b.load_after for b in after.stops[p:q]] == [
            a.load_after + query.seats for a in before.stops[match.pickup_leg : match.dropoff_leg + 1]
        ]

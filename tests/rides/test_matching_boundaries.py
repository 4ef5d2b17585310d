"""The ride matcher at its limits on a five-node street (no database): earliest departure, latest
arrival, detour budget, seats and promised times exactly at the limit and just beyond, for the
rule itself (``best_insertion``), the fast matcher (``OfferIndex``) and the offer side; and the
index's bookkeeping (growing, slot reuse, replacement)."""

from __future__ import annotations

import numpy as np
import pytest

from rides.domain.matching import (
    INF,
    Access,
    HeldSeats,
    Match,
    OfferIndex,
    OfferPlan,
    PlannedStop,
    RideQuery,
    best_insertion,
    drives_a_stretch_twice,
    match_plan,
    match_requests_for_offer,
    oracle_matches,
    plain_dijkstra,
    plain_dijkstra_all,
    plan_with_riders,
    ranked,
    simple_plan,
    waiting_request,
)
from rides.domain.roadgraph import RawEdges, RoadGraph

D = 1_800_000_000.0  # a departure, POSIX seconds


@pytest.fixture(scope="module")
def street() -> RoadGraph:
    """Nodes 0-1-2-3-4 on a two-way street, 0.001 degrees (111.2 m) apart, at 36 km/h; and a
    one-way bypass 4 -> 5 -> 0."""
    raw = RawEdges(coords={i: (0.0, 0.001 * i) for i in range(1, 7)})
    for a, b in [(1, 2), (2, 3), (3, 4), (4, 5)]:
        raw.src += [a, b]
        raw.dst += [b, a]
        raw.speed_kmh += [36.0, 36.0]
    raw.src += [5, 6]
    raw.dst += [6, 1]
    raw.speed_kmh += [36.0, 36.0]
    return RoadGraph.from_raw(raw, simplify=False)


def t(graph, a, b) -> float:
    return plain_dijkstra(graph, a, b)


def plan(graph, key="o", *, origin=0, destination=4, capacity=3, max_detour_s=0.0, departure=D):
    return simple_plan(
        key,
        origin=origin,
        destination=destination,
        departure_s=departure,
        capacity=capacity,
        max_detour_s=max_detour_s,
        direct_s=t(graph, origin, destination),
    )


def query(p=1, q=3, *, ed=D, la=D + 3600, seats=1, walk_p=0.0, walk_q=0.0):
    return RideQuery(
        [Access(p, walk_s=walk_p, walk_m=walk_p)], [Access(q, walk_s=walk_q, walk_m=walk_q)], ed, la, seats
    )


def fast(graph, plans, q):
    return OfferIndex(graph, {p.key: p for p in plans}).match(q)


def both(graph, plans, q):
    """The fast matcher's answer, checked against the oracle."""
    found = fast(graph, plans, q)
    assert found == oracle_matches(graph, plans, q)
    return found


def test_the_street(street):
    assert street.node_count == 6
    step = t(street, 0, 1)
    assert step == pytest.approx(111.19508 / 10.0, rel=1e-6)
    assert t(street, 0, 4) == pytest.approx(4 * step)
    assert plain_dijkstra_all(street, 0)[4] == t(street, 0, 4)
    assert plain_dijkstra(street, 4, 0) == pytest.approx(4 * step)  # the bypass 4 -> 5 -> 0 is longer (5 steps)


def test_pickup_exactly_at_the_earliest_departure(street):
    offer = plan(street)
    pickup_time = D + t(street, 0, 1)
    [m] = both(street, [offer], query(ed=pickup_time))
    assert (m.pickup_time_s, m.dropoff_time_s, m.added_s, m.detour_s) == (pickup_time, D + t(street, 0, 3), 0.0, 0.0)
    assert (m.pickup_leg, m.dropoff_leg, m.pickup_shift_s) == (0, 0, 0.0)
    assert both(street, [offer], query(ed=pickup_time + 0.01)) == []
    # the walk to the pickup counts: leaving the door 30 s before is exactly in time
    assert len(both(street, [offer], query(ed=pickup_time - 30.0, walk_p=30.0))) == 1
    assert both(street, [offer], query(ed=pickup_time - 29.99, walk_p=30.0)) == []


def test_arrival_exactly_at_the_latest_arrival(street):
    offer = plan(street)
    arrival = D + t(street, 0, 3) + 45.0
    [m] = both(street, [offer], query(la=arrival, walk_q=45.0))
    assert m.arrival_s == arrival and m.walk_m == 45.0
    assert both(street, [offer], query(la=arrival - 0.01, walk_q=45.0)) == []


def test_detour_budget_exactly_used(street):
    # the driver goes 0 -> 2; the rider 1 -> 3 makes him drive on to 3 and back to 2
    added = t(street, 0, 1) + t(street, 1, 3) + t(street, 3, 2) - t(street, 0, 2)
    [m] = both(street, [plan(street, destination=2, max_detour_s=added)], query())
    assert m.added_s == pytest.approx(added, abs=1e-9) and m.detour_s == m.added_s
    assert both(street, [plan(street, destination=2, max_detour_s=added - 0.01)], query()) == []


@pytest.mark.parametrize(("capacity", "seats", "fits"), [(2, 2, True), (2, 3, False), (1, 1, True), (3, 2, True)])
def test_seats_at_the_capacity(street, capacity, seats, fits):
    found = both(street, [plan(street, capacity=capacity)], query(seats=seats))
    assert len(found) == (1 if fits else 0)


def test_offers_outside_the_window_by_departure_and_horizon(street):
    direct = t(street, 0, 4)
    # the rider must arrive by D + 1000: an offer leaving exactly then can still take him from its
    # origin to its origin (a zero ride), one leaving a hundredth later cannot
    late = plan(street, "late", departure=D + 1000.0)
    [m] = both(street, [late], query(p=0, q=0, ed=D, la=D + 1000.0))
    assert (m.key, m.pickup_time_s, m.dropoff_time_s) == ("late", D + 1000.0, D + 1000.0)
    assert both(street, [plan(street, departure=D + 1000.01)], query(p=0, q=0, ed=D, la=D + 1000.0)) == []
    assert both(street, [late], query(p=0, q=1, ed=D, la=D + 1000.0)) == []
    # an offer that ends exactly when the rider may start: its last node can still be a pickup
    early = plan(street, "early", departure=D - direct)
    [m] = both(street, [early], query(p=4, q=4, ed=D, la=D + 10))
    assert (m.key, m.pickup_time_s, m.dropoff_time_s) == ("early", D, D)
    assert both(street, [early], query(p=4, q=4, ed=D + 0.01, la=D + 10)) == []
    assert fast(street, [early], query(ed=D, la=D)) == []  # an empty window
    assert fast(street, [], query()) == []
    assert OfferIndex(street, {"o": plan(street)}).match(RideQuery([], [Access(3)], D, D + 60)) == []
    assert OfferIndex(street, {"o": plan(street)}).match(RideQuery([Access(1)], [], D, D + 60)) == []


def test_best_insertion_with_riders_at_the_promised_times(street):
    step = t(street, 0, 1)

    def with_rider(latest_drop_s: float) -> OfferPlan:
        # a rider on board from node 1 to node 3, promised at node 3 by ``latest_drop_s``
        stops = [
            PlannedStop(0, 0.0),
            PlannedStop(1, step, 1),
            PlannedStop(3, 3 * step, 0, latest_drop_s),
            PlannedStop(4, 4 * step),
        ]
        return OfferPlan("o", D, 2, 600.0, 4 * step, stops)

    def insert(p, q, plan_, seats=1, graph=street):
        nodes = [s.node for s in plan_.stops]
        qy = query(p, q, seats=seats)
        return best_insertion(
            plan_,
            qy,
            qy.pickups[0],
            qy.dropoffs[0],
            to_p=[t(street, s, p) for s in nodes],
            from_p=[t(street, p, s) for s in nodes],
            to_q=[t(street, s, q) for s in nodes],
            from_q=[t(street, q, s) for s in nodes],
            p_to_q=t(street, p, q),
            graph=graph,
        )

    base = with_rider(3 * step + 60.0)
    # riding along 2 -> 3 adds nothing; with the rider on board two seats are taken from 1 to 3
    m = insert(2, 3, base)
    assert (m.pickup_leg, m.dropoff_leg, m.added_s) == (1, 1, pytest.approx(0.0, abs=1e-9))
    assert m.pickup_time_s == pytest.approx(D + 2 * step) and m.detour_s == pytest.approx(0.0, abs=1e-9)
    assert insert(2, 3, base, seats=2) is None  # 1 + 2 seats > 2 on leg 1
    after = insert(3, 4, base, seats=2)
    assert (after.pickup_leg, after.dropoff_leg) == (2, 2)  # after the drop-off both seats are free
    assert insert(0, 3, base, seats=2) is None  # a full leg blocks every later drop-off too
    # a detour before the promised drop-off (rule only, no road check): the rider 1 -> 0 adds two
    # steps and delays node 3 by them; exactly the promise is fine, a hundredth of a second less is
    # not, and the rider then rides along to the end and back (node 3 on time, six steps added)
    detour = insert(1, 0, with_rider(5 * step), graph=None)
    assert detour is not None and detour.added_s == pytest.approx(2 * step)
    assert (detour.pickup_leg, detour.dropoff_leg, detour.pickup_shift_s) == (0, 0, pytest.approx(2 * step))
    later = insert(1, 0, with_rider(5 * step - 0.01), graph=None)
    assert (later.pickup_leg, later.dropoff_leg) == (0, 2)  # picked up at node 1 on the first leg
    assert (later.pickup_shift_s, later.added_s) == (pytest.approx(0.0, abs=1e-9), pytest.approx(6 * step))
    assert later.dropoff_time_s == pytest.approx(D + 10 * step)
    # with the road check the same detour drives 0 -> 1 twice
    assert insert(1, 0, with_rider(5 * step)) is None


def test_a_route_that_drives_a_stretch_twice_is_refused(street):
    assert not drives_a_stretch_twice(street, [0, 0, 2, 2])
    assert not drives_a_stretch_twice(street, [0, 2, 0])  # there and back: each direction once
    assert drives_a_stretch_twice(street, [0, 2, 1, 3])  # 1 -> 2 twice
    assert not drives_a_stretch_twice(street, [])


def test_ranking_rounds_to_the_millisecond_and_breaks_ties_by_key():
    def m(key, arrival, added, walk=0.0):
        return Match(key, Access(1, walk_m=walk), Access(2), 0, 0, arrival - 10, arrival, added, added, added)

    a, b, c = m("b", 100.0004, 5.0), m("a", 100.0, 5.0), m("c", 100.0, 4.9996)
    assert a.rank() == (100.0, 5.0, 0.0)
    assert [x.key for x in ranked([a, b, c])] == ["a", "b", "c"]
    assert [x.key for x in ranked([m("w", 100.0, 5.0, 12.0), m("z", 100.0, 5.0, 3.0)])] == ["z", "w"]
    assert [x.key for x in ranked([m("x", 100.002, 0.0), m("y", 100.0, 9.0)])] == ["y", "x"]


def test_plan_shapes():
    simple = OfferPlan("k", D, 2, 60.0, 100.0, [PlannedStop(0, 0.0), PlannedStop(1, 100.0)])
    assert simple.is_simple and simple.duration_s == 100.0
    assert not OfferPlan("k", D, 2, 60.0, 100.0, [PlannedStop(0, 0.0, 1), PlannedStop(1, 100.0)]).is_simple
    assert not OfferPlan(
        "k", D, 2, 60.0, 100.0, [PlannedStop(0, 0.0), PlannedStop(2, 50.0), PlannedStop(1, 130.0)]
    ).is_simple
    made = simple_plan("k", origin=0, destination=1, departure_s=D, capacity=2, max_detour_s=60.0, direct_s=100.0)
    assert made == simple


def test_index_grows_reuses_slots_and_replaces_plans(street):
    index = OfferIndex(street)
    for k in range(70):
        index.add(plan(street, f"o{k}", departure=D + k))
    assert len(index) == 70 and len(index.active) == 128
    index.remove("o3")
    index.remove("o3")  # twice: nothing more happens
    index.remove("never")
    assert len(index) == 69 and not index.active[3]
    index.add(plan(street, "new", departure=D + 3))
    assert index._slot["new"] == 3 and index.active[3] and len(index) == 70
    index.add(plan(street, "o5", departure=D + 500, capacity=1))  # replaced in place
    assert index._slot["o5"] == 5 and index.departure[5] == D + 500 and index.capacity[5] == 1
    assert index.horizon[5] == pytest.approx(t(street, 0, 4))
    keys = [m.key for m in index.match(query(ed=D, la=D + 60))]
    assert "o3" not in keys and "new" in keys and "o5" not in keys  # o5 now leaves too late


def test_offer_side_and_booking_time_matching(street):
    offer = plan(street, max_detour_s=0.0)
    waiting = [waiting_request(street, "r1", query(1, 3)), waiting_request(street, "r2", query(3, 1))]
    assert waiting[0].p_to_q == {(1, 3): pytest.approx(2 * t(street, 0, 1))}
    found = match_requests_for_offer(street, offer, waiting)
    assert [m.key for m in found] == ["r1"]  # 3 -> 1 runs against the driver's direction
    assert found[0].pickup_time_s == D + t(street, 0, 1)
    direct = match_plan(street, offer, query(1, 3))
    assert direct is not None and (direct.key, direct.pickup_time_s) == ("o", found[0].pickup_time_s)
    assert match_plan(street, offer, query(3, 1)) is None
    # a request whose pickup cannot reach its drop-off in its own window is left out
    tight = waiting_request(street, "r3", query(1, 3, la=D + 1))
    assert tight.p_to_q[(1, 3)] == INF
    assert match_requests_for_offer(street, offer, [tight]) == []


def test_held_seats_that_no_longer_fit_shrink_the_capacity(street):
    offer = plan(street, capacity=3)
    step = t(street, 0, 1)
    fits = HeldSeats(1, 3, 2, D + step, D + 3 * step)
    gone = HeldSeats(3, 1, 2, D, D)  # the wrong way round: cannot be re-inserted
    replanned = plan_with_riders(street, offer, [fits, gone], tolerance_s=30.0)
    assert replanned.capacity == 1
    assert [(s.node, s.load_after) for s in replanned.stops] == [(0, 0), (1, 2), (3, 0), (4, 0)]
    assert [s.latest_offset_s for s in replanned.stops] == [
        INF,
        pytest.approx(step + 30.0),
        pytest.approx(3 * step + 30.0),
        INF,
    ]
    assert plan_with_riders(street, plan(street, capacity=1), [gone], 30.0).capacity == 0
    assert np.isclose(replanned.stops[2].offset_s, 3 * step)

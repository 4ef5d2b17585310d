"""The matcher against a brute-force oracle (plain Dijkstra per offer) on the real Herrenberg graph."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rides.domain.matching import (
    EPS_S,
    Access,
    HeldSeats,
    OfferIndex,
    RideQuery,
    insert_rider,
    match_requests_for_offer,
    oracle_matches,
    plain_dijkstra_all,
    plan_with_riders,
    simple_plan,
    waiting_request,
)
from rides.domain.privacy import coarse_position
from rides.domain.recurrence import occurrence_dates, weekday_mask
from rides.domain.roadgraph import haversine_m

from .helpers import herrenberg_graph

T0 = 1_800_000_000.0
ORACLE_CACHE: dict[int, dict[int, float]] = {}  # one-to-all plain Dijkstra results (Herrenberg)


@pytest.fixture(scope="module")
def graph():
    return herrenberg_graph()


def random_offers(graph, rng: random.Random, count: int, with_riders: int = 0):
    """Offers between random nodes; some get riders inserted (so plans have 4-8 stops)."""
    index = OfferIndex(graph)
    n = graph.node_count
    for key in range(count):
        o, d = rng.randrange(n), rng.randrange(n)
        while d == o:
            d = rng.randrange(n)
        direct = float(graph.times_from(o)[d])
        index.add(
            simple_plan(
                key,
                origin=o,
                destination=d,
                departure_s=T0 + rng.uniform(0, 1800),
                capacity=rng.randint(1, 3),
                max_detour_s=rng.choice([0, 60, 180, 300, 900]),
                direct_s=direct,
            )
        )
    # Riders booked onto some plans through the oracle itself.
    for _ in range(with_riders):
        query = random_query(graph, rng)
        found = oracle_matches(graph, index.plans.values(), query, ORACLE_CACHE)
        if found:
            match = found[0]
            index.add(insert_rider(index.plans[match.key], match, query.seats, rng.choice([0.0, 120.0])))
    return index


def random_query(graph, rng: random.Random, accesses: int = 1) -> RideQuery:
    n = graph.node_count
    pickups = [
        Access(rng.randrange(n), walk_m=w, walk_s=w / 1.2) for w in (rng.uniform(0, 300) for _ in range(accesses))
    ]
    dropoffs = [
        Access(rng.randrange(n), walk_m=w, walk_s=w / 1.2) for w in (rng.uniform(0, 300) for _ in range(accesses))
    ]
    ed = T0 + rng.uniform(-600, 1800)
    return RideQuery(pickups, dropoffs, ed, ed + rng.uniform(300, 3600), rng.randint(1, 2))


def assert_same(found, expected):
    assert [m.key for m in found] == [m.key for m in expected]
    for a, b in zip(found, expected, strict=True):
        assert a.added_s == pytest.approx(b.added_s, rel=1e-6, abs=1e-6)
        assert a.pickup_time_s == pytest.approx(b.pickup_time_s, rel=1e-9)
        assert a.arrival_s == pytest.approx(b.arrival_s, rel=1e-9)


def test_matcher_equals_oracle_on_herrenberg(graph):
    rng = random.Random(11)
    index = random_offers(graph, rng, 80, with_riders=25)
    assert sum(not p.is_simple for p in index.plans.values()) >= 5
    total = 0
    for _ in range(40):
        query = random_query(graph, rng, accesses=rng.choice([1, 2]))
        found = index.match(query)
        expected = oracle_matches(graph, index.plans.values(), query, ORACLE_CACHE)
        assert_same(found, expected)
        total += len(expected)
    assert total > 20  # the comparison saw real matches, not only empty lists


def check_match(graph, plan, query, match):
    """Recompute every limit of a match with plain Dijkstra."""
    p, q = match.pickup.node, match.dropoff.node
    stops = plan.stops
    i, j = match.pickup_leg, match.dropoff_leg
    cache = ORACLE_CACHE

    def t(a: int, b: int) -> float:
        if a not in cache:
            cache[a] = plain_dijkstra_all(graph, a)
        return cache[a].get(b, math.inf)

    if i == j:
        added = t(stops[i].node, p) + t(p, q) + t(q, stops[i + 1].node) - (stops[i + 1].offset_s - stops[i].offset_s)
    else:
        added = (
            t(stops[i].node, p)
            + t(p, stops[i + 1].node)
            - (stops[i + 1].offset_s - stops[i].offset_s)
            + t(stops[j].node, q)
            + t(q, stops[j + 1].node)
            - (stops[j + 1].offset_s - stops[j].offset_s)
        )
    assert match.added_s == pytest.approx(added, rel=1e-6, abs=1e-6)
    assert plan.duration_s + added - plan.direct_s <= plan.max_detour_s + EPS_S
    assert match.pickup_time_s == pytest.approx(plan.departure_s + stops[i].offset_s + t(stops[i].node, p))
    assert match.pickup_time_s >= query.earliest_departure_s + match.pickup.walk_s - EPS_S
    assert match.dropoff_time_s + match.dropoff.walk_s <= query.latest_arrival_s + EPS_S
    assert all(stops[k].load_after + query.seats <= plan.capacity for k in range(i, j + 1))
    after = insert_rider(plan, match, query.seats, 0.0)
    for stop in after.stops:
        assert stop.offset_s <= stop.latest_offset_s + EPS_S  # every promise still kept
        assert stop.load_after <= plan.capacity
    for a, b in zip(after.stops, after.stops[1:], strict=False):
        assert b.offset_s - a.offset_s == pytest.approx(t(a.node, b.node), abs=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10_000), accesses=st.sampled_from([1, 2]))
def test_every_match_keeps_all_limits_and_none_is_missed(graph, seed, accesses):
    rng = random.Random(seed)
    index = random_offers(graph, rng, 25, with_riders=6)
    query = random_query(graph, rng, accesses)
    found = index.match(query)
    for match in found:
        check_match(graph, index.plans[match.key], query, match)
    assert_same(found, oracle_matches(graph, index.plans.values(), query, ORACLE_CACHE))


def test_offer_side_matching_agrees_with_rider_side(graph):
    rng = random.Random(5)
    index = random_offers(graph, rng, 30)
    queries = {k: random_query(graph, rng) for k in range(60)}
    waiting = [waiting_request(graph, k, q) for k, q in queries.items()]
    for plan in list(index.plans.values())[:10]:
        from_offer = {m.key: m for m in match_requests_for_offer(graph, plan, waiting)}
        single = OfferIndex(graph)
        single.add(plan)
        from_requests = {k: single.match(q) for k, q in queries.items()}
        assert set(from_offer) == {k for k, found in from_requests.items() if found}
        for key, match in from_offer.items():
            assert match.added_s == pytest.approx(from_requests[key][0].added_s, abs=1e-6)


def test_held_seats_are_replanned_with_their_promises(graph):
    rng = random.Random(8)
    o, d = 0, graph.node_count - 1
    direct = float(graph.times_from(o)[d])
    plan = simple_plan("x", origin=o, destination=d, departure_s=T0, capacity=1, max_detour_s=0, direct_s=direct)
    route = graph.route(o, d).nodes
    p, q = int(route[len(route) // 3]), int(route[2 * len(route) // 3])
    query = RideQuery([Access(p)], [Access(q)], T0 - 3600, T0 + 7200, 1)
    index = OfferIndex(graph)
    index.add(plan)
    [match] = index.match(query)
    held = HeldSeats(p, q, 1, match.pickup_time_s, match.dropoff_time_s)
    replanned = plan_with_riders(graph, plan, [held], tolerance_s=60)
    assert [s.node for s in replanned.stops] == [o, p, q, d]
    assert [s.load_after for s in replanned.stops] == [0, 1, 0, 0]
    index.add(replanned)
    assert index.match(query) == []  # the only seat is taken on that stretch
    # a rider who travels before the first one gets on still fits (the seat is free there)
    early = RideQuery([Access(int(route[1]))], [Access(p)], T0 - 3600, T0 + 7200, 1)
    assert [m.key for m in index.match(early)] == ["x"]
    del rng


def test_matcher_ignores_offers_outside_the_window(graph):
    index = OfferIndex(graph)
    index.add(
        simple_plan(
            "late",
            origin=0,
            destination=5,
            departure_s=T0 + 86_400,
            capacity=3,
            max_detour_s=900,
            direct_s=float(graph.times_from(0)[5]),
        )
    )
    assert index.match(RideQuery([Access(0)], [Access(5)], T0, T0 + 3600, 1)) == []
    index.remove("late")
    assert len(index) == 0


def test_recurrence_dates():
    mask = weekday_mask([0, 2])  # Monday, Wednesday
    first = date(2026, 3, 2)  # a Monday
    dates = occurrence_dates(
        first,
        weekdays_mask=mask,
        until=date(2026, 3, 13),
        exceptions=[date(2026, 3, 4)],
        start=first,
        end=date(2026, 3, 31),
    )
    assert dates == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 11)]
    assert occurrence_dates(first, weekdays_mask=0, until=None, exceptions=[], start=first, end=first) == [first]
    with pytest.raises(ValueError):
        weekday_mask([7])


@given(lat=st.floats(47.0, 55.0), lon=st.floats(6.0, 15.0))
def test_coarse_position_hides_within_the_grid(lat, lon):
    c_lat, c_lon = coarse_position(lat, lon, 500)
    distance = float(haversine_m(lat, lon, c_lat, c_lon))
    assert distance <= 500 * math.sqrt(2) / 2 + 5
    # every point of the cell gives the same answer
    assert coarse_position(c_lat, c_lon, 500) == (c_lat, c_lon)


def test_point_to_point_times_give_the_same_matches_as_dijkstra(graph, monkeypatch):
    """Offers without riders need only pickup -> drop-off times from each pickup: the CCH answers
    them point to point. Same matches, same times as the whole Dijkstra (and as the oracle)."""
    from rides.domain import matching

    rng = random.Random(23)
    index = random_offers(graph, rng, 60)
    assert all(plan.is_simple for plan in index.plans.values())
    queries = [random_query(graph, rng, accesses=rng.choice([1, 2, 3])) for _ in range(60)]
    with_cch = [index.match(query) for query in queries]
    waiting_cch = [waiting_request(graph, k, q).p_to_q for k, q in enumerate(queries)]
    monkeypatch.setattr(matching, "FEW_TARGETS", 0)  # every time from a Dijkstra, as before
    with_dijkstra = [index.match(query) for query in queries]
    waiting_dijkstra = [waiting_request(graph, k, q).p_to_q for k, q in enumerate(queries)]
    assert sum(map(len, with_cch)) >= 15  # real matches were compared
    for query, fast, slow in zip(queries, with_cch, with_dijkstra, strict=True):
        assert [(m.key, m.pickup.node, m.dropoff.node) for m in fast] == [
            (m.key, m.pickup.node, m.dropoff.node) for m in slow
        ]
        for a, b in zip(fast, slow, strict=True):
            assert (a.pickup_time_s, a.dropoff_time_s, a.added_s) == pytest.approx(
                (b.pickup_time_s, b.dropoff_time_s, b.added_s), abs=1e-9
            )
        assert_same(fast, oracle_matches(graph, index.plans.values(), query, ORACLE_CACHE))
    for fast, slow in zip(waiting_cch, waiting_dijkstra, strict=True):
        assert fast.keys() == slow.keys()
        assert all(
            (math.isinf(fast[k]) and math.isinf(slow[k])) or fast[k] == pytest.approx(slow[k], abs=1e-9) for k in fast
        )

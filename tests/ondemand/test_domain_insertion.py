"""The on-demand insertion: exact cases, and a property test against the brute-force oracle."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ondemand.domain.insertion import (
    Request,
    Run,
    apply_insertion,
    best_insertion,
    brute_force_insertion,
    brute_force_insertion_vectorized,
    inserted,
    nearest_feasible,
    remove_booking,
    schedule,
)

# A line of nodes 0-1-2-3-4, 60 s per step both ways: t(a, b) = 60 |a - b|.
LINE = lambda a, b: 60.0 * abs(a - b)  # noqa: E731


def _run(**changes) -> Run:
    values = {"key": "bus", "capacity": 2, "start_node": 0, "end_node": 0, "start_s": 0.0, "end_s": 3600.0}
    values.update(changes)
    return Run(**values)


def test_empty_run_takes_the_rider_at_once_and_adds_the_round_trip():
    request = Request("r1", 1, 3, earliest_pickup_s=0, latest_pickup_s=900)
    found = best_insertion([_run()], request, LINE)
    assert (found.i, found.j, found.pickup_s, found.dropoff_s) == (0, 0, 60.0, 180.0)
    assert found.added_s == 360.0  # 0 -> 1 -> 3 -> 0


def test_vehicle_waits_for_the_window_and_the_end_is_kept():
    request = Request("r1", 1, 3, earliest_pickup_s=1000, latest_pickup_s=1300)
    found = best_insertion([_run(end_s=1000 + 120 + 180)], request, LINE)
    assert (found.pickup_s, found.dropoff_s) == (1000.0, 1120.0)
    # one second less and the bus is back too late
    assert best_insertion([_run(end_s=1000 + 120 + 180 - 1)], request, LINE) is None


def test_window_end_is_inclusive():
    run = _run(start_node=4)
    assert best_insertion([run], Request("r", 1, 2, earliest_pickup_s=0, latest_pickup_s=180), LINE).pickup_s == 180
    assert best_insertion([run], Request("r", 1, 2, earliest_pickup_s=0, latest_pickup_s=179), LINE) is None


def test_seats_per_stretch_never_exceed_capacity():
    runs = [_run(capacity=1)]
    first = Request("a", 1, 3, earliest_pickup_s=0, latest_pickup_s=600)
    runs = apply_insertion(runs, first, best_insertion(runs, first, LINE))
    # a second rider over the same stretch must wait until the first is out
    second = Request("b", 2, 4, earliest_pickup_s=0, latest_pickup_s=3000)
    found = best_insertion(runs, second, LINE)
    new = apply_insertion(runs, second, found)[0]
    assert [(s.booking, s.pickup) for s in new.stops] == [("a", True), ("a", False), ("b", True), ("b", False)]
    # a rider beside the first one's stretch fits before it
    two_seats = Request("c", 1, 3, earliest_pickup_s=0, latest_pickup_s=600, seats=2)
    assert best_insertion(runs, two_seats, LINE) is None or best_insertion(runs, two_seats, LINE).i >= 2


def test_rider_on_board_keeps_the_detour_limit():
    runs = [_run(end_node=4)]
    first = Request("a", 1, 4, earliest_pickup_s=0, latest_pickup_s=600, max_ride_s=180)
    runs = apply_insertion(runs, first, best_insertion(runs, first, LINE))
    assert [s.booking for s in runs[0].stops] == ["a", "a"]
    # someone from 2 to 3 rides along without any detour
    assert best_insertion(runs, Request("b", 2, 3, earliest_pickup_s=0, latest_pickup_s=600), LINE).added_s == 0.0
    # from 2 back to 1 while a is on board (0 -> 1 -> 2 -> 1 -> 4) would make a ride 300 s > 180 s
    back = Request("c", 2, 1, earliest_pickup_s=0, latest_pickup_s=600)
    assert schedule(runs[0], inserted(runs[0], back, 1, 1).stops, LINE) is None
    patient = replace(runs[0], stops=tuple(replace(s, max_ride_s=math.inf) for s in runs[0].stops))
    assert schedule(patient, inserted(patient, back, 1, 1).stops, LINE) is not None
    # so c goes before a is picked up: 0 -> 2 -> 1 (c out, a in) -> 4, 120 s more
    found = best_insertion(runs, back, LINE)
    assert (found.i, found.j, found.pickup_s, found.dropoff_s, found.added_s) == (0, 0, 120.0, 180.0, 120.0)


def test_cancelling_gives_back_the_old_run_and_nearest_times_are_offered():
    runs = [_run(capacity=1, end_s=900)]
    first = Request("a", 1, 4, earliest_pickup_s=0, latest_pickup_s=300)
    runs = apply_insertion(runs, first, best_insertion(runs, first, LINE))
    clash = Request("b", 1, 4, earliest_pickup_s=60, latest_pickup_s=120)
    assert best_insertion(runs, clash, LINE) is None
    alternatives = nearest_feasible(runs, clash, LINE, step_s=60, horizon_s=900)
    # nothing earlier (one seat, a is on board from 60 to 240); the bus is back at 1 at 420
    assert [(a.earliest_pickup_s, a.latest_pickup_s, a.pickup_s) for a in alternatives] == [(360, 420, 420.0)]
    assert remove_booking(runs[0], "a").stops == ()


# -- property: the fast insertion equals the brute force on small random instances ---------
def _metric(n: int, weights: list[int]) -> list[list[float]]:
    """All-pairs shortest paths (Floyd-Warshall) of a random complete digraph: an exact metric."""
    d = [[0.0 if a == b else float(weights[(a * n + b) % len(weights)]) for b in range(n)] for a in range(n)]
    for k in range(n):
        for a in range(n):
            for b in range(n):
                if d[a][k] + d[k][b] < d[a][b]:
                    d[a][b] = d[a][k] + d[k][b]
    return d


request_strategy = st.tuples(
    st.integers(0, 5),
    st.integers(0, 5),
    st.integers(0, 1800),
    st.integers(0, 900),
    st.integers(1, 2),
    st.sampled_from([math.inf, 300.0, 600.0]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weights=st.lists(st.integers(30, 400), min_size=36, max_size=36),
    capacities=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    ends=st.lists(st.integers(600, 4000), min_size=3, max_size=3),
    dwell=st.sampled_from([0.0, 30.0]),
    booked=st.lists(request_strategy, min_size=0, max_size=7),
    new=request_strategy,
    bounded=st.booleans(),
)
def test_insertion_is_the_cheapest_feasible_one(weights, capacities, ends, dwell, booked, new, bounded):
    d = _metric(6, weights)

    def tt(a: int, b: int) -> float:
        return d[a][b]

    lower = (lambda a, b: 0.5 * d[a][b]) if bounded else None
    runs = [
        Run(f"v{k}", cap, k % 6, (k + 1) % 6, 0.0, float(ends[k]), dwell_s=dwell) for k, cap in enumerate(capacities)
    ]

    def request(key, spec) -> Request:
        p, q, start, width, seats, max_ride = spec
        return Request(key, p, q, float(start), float(start + width), max_ride_s=max_ride, seats=seats)

    for number, spec in enumerate(booked):  # build busy runs with the oracle itself
        r = request(f"b{number}", spec)
        chosen = brute_force_insertion(runs, r, tt)
        if chosen is not None:
            runs = apply_insertion(runs, r, chosen)
    r = request("new", new)
    fast = best_insertion(runs, r, tt, lower_bound=lower)
    oracle = brute_force_insertion(runs, r, tt)
    vectorized = brute_force_insertion_vectorized(runs, r, tt)
    assert (fast is None) == (oracle is None) == (vectorized is None)
    if fast is None:
        return
    assert fast.rank() == oracle.rank() == vectorized.rank()
    assert (fast.run_key, fast.pickup_s, fast.dropoff_s) == (oracle.run_key, oracle.pickup_s, oracle.dropoff_s)
    after = apply_insertion(runs, r, fast)[fast.run_position]
    timing = schedule(after, after.stops, tt)
    assert timing is not None
    assert timing.times[fast.i] == fast.pickup_s and timing.times[fast.j + 1] == fast.dropoff_s

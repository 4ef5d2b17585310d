"""RAPTOR against the Connection Scan oracle on the real feeds in ``../shared/data/gtfs/``."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from journeys.domain.raptor import Place, earliest_arrival, earliest_arrival_by_trips, latest_departure, range_query
from journeys.domain.timetable import haversine_m
from tests.journeys.feeds import check_journey_legs, feed, random_queries

INF = float("inf")
MAX_TRANSFERS = 4

FEEDS = [
    ("vvs-bus-752.zip", 150),
    ("herrenberg-vvs-2021.zip", 150),
    ("buergerbus-maulbronn-wiernsheim.zip", 150),
    ("cairns.zip", 100),
]


def _oracle(csa, o, d, dep, max_trips=MAX_TRANSFERS + 1):
    return [None if x == INF else int(x) for x in csa.earliest_arrival_by_trips(o, d, dep, max_trips)]


@pytest.mark.parametrize(("name", "n_queries"), FEEDS)
def test_earliest_arrival_per_transfer_count_equals_connection_scan(name, n_queries):
    source, tt, csa, _date = feed(name)
    answered = 0
    for o, d, dep in random_queries(tt, n_queries, seed=6):
        expected = _oracle(csa, o, d, dep)
        assert earliest_arrival_by_trips(tt, o, d, dep, max_transfers=MAX_TRANSFERS) == expected, (o, d, dep)
        answered += expected[-1] is not None
    assert answered >= n_queries // 5  # the comparison is not vacuous


@pytest.mark.parametrize(("name", "n_queries"), FEEDS)
def test_journeys_are_the_pareto_set_with_valid_legs(name, n_queries):
    source, tt, csa, _date = feed(name)
    for o, d, dep in random_queries(tt, n_queries // 2, seed=7):
        best = _oracle(csa, o, d, dep)
        journeys = earliest_arrival(tt, Place.at_stop(o), Place.at_stop(d), dep, max_transfers=MAX_TRANSFERS)
        # exactly one journey per number of trips at which the oracle's arrival improves
        improving = [k for k in range(len(best)) if best[k] is not None and (k == 0 or best[k - 1] != best[k])]
        assert [j.trips for j in journeys] == improving, (o, d, dep)
        assert [j.arrival for j in journeys] == [best[k] for k in improving]
        for j in journeys:
            assert j.departure >= dep
            check_journey_legs(tt, source, j)


@pytest.mark.parametrize(("name", "n_queries"), FEEDS)
def test_latest_departure_is_exact(name, n_queries):
    """The latest departure D found with k trips arrives by the deadline; departing at D + 1
    with at most k trips cannot (checked with the forward oracle)."""
    source, tt, csa, _date = feed(name)
    checked = 0
    for o, d, t in random_queries(tt, n_queries // 3, seed=8):
        deadline = t + 3600
        journeys = latest_departure(tt, Place.at_stop(o), Place.at_stop(d), deadline, max_transfers=MAX_TRANSFERS)
        for j in journeys:
            assert j.arrival <= deadline
            check_journey_legs(tt, source, j)
            if j.trips == 0:
                continue
            checked += 1
            now = _oracle(csa, o, d, j.departure)
            later = _oracle(csa, o, d, j.departure + 1)
            assert now[j.trips] is not None and now[j.trips] <= deadline, (o, d, deadline, j)
            assert later[j.trips] is None or later[j.trips] > deadline, (o, d, deadline, j)
        # Pareto: fewer trips means an earlier latest departure
        deps = [j.departure for j in journeys]
        assert deps == sorted(deps) and len(set(deps)) == len(deps)
        # nothing missing: if no journey was found, even leaving at the start of the timetable
        # does not arrive by the deadline
        if journeys == []:
            earliest = _oracle(csa, o, d, int(tt.times_dep.min()))[-1]
            assert earliest is None or earliest > deadline
    assert checked > 0


@pytest.mark.parametrize(("name", "n_queries"), FEEDS)
def test_coordinates_with_walking_equal_connection_scan(name, n_queries):
    """Origin and destination are points near random stops; the oracle gets the walks computed
    here by brute force (walking metres = haversine × detour, seconds rounded up)."""
    source, tt, csa, _date = feed(name)
    rng = random.Random(11)
    max_walk = 600.0
    cfg = tt.config
    served = [s for s in range(tt.n_stops) if tt.stop_served[s]]

    def walks(lat, lon):
        out = {}
        for s in served:
            metres = haversine_m(lat, lon, tt.stop_lat[s], tt.stop_lon[s]) * cfg.detour_factor
            if metres <= max_walk:
                out[s] = math.ceil(metres / cfg.walk_speed_mps - 1e-9)
        return out

    answered = 0
    for o, d, dep in random_queries(tt, n_queries // 3, seed=12):
        p = (tt.stop_lat[o] + rng.uniform(-0.003, 0.003), tt.stop_lon[o] + rng.uniform(-0.003, 0.003))
        q = (tt.stop_lat[d] + rng.uniform(-0.003, 0.003), tt.stop_lon[d] + rng.uniform(-0.003, 0.003))
        direct = haversine_m(p[0], p[1], q[0], q[1]) * cfg.detour_factor
        walk_only = math.ceil(direct / cfg.walk_speed_mps - 1e-9) if direct <= max_walk else None
        expected = csa.earliest_arrival_by_trips(
            None, None, dep, MAX_TRANSFERS + 1, access=walks(*p), egress=walks(*q), walk_only=walk_only
        )
        journeys = earliest_arrival(tt, Place.at(*p), Place.at(*q), dep, max_walk_m=max_walk)
        improving = [
            k for k in range(len(expected)) if expected[k] != INF and (k == 0 or expected[k - 1] != expected[k])
        ]
        assert [(j.trips, j.arrival) for j in journeys] == [(k, expected[k]) for k in improving], (p, q, dep)
        for j in journeys:
            check_journey_legs(tt, source, j)
            assert j.legs[0].kind == "walk" and j.legs[-1].kind == "walk"
        answered += bool(journeys)
    assert answered > 0


def test_stops_near_equals_brute_force():
    _source, tt, _csa, _date = feed("herrenberg-vvs-2021.zip")
    served = np.flatnonzero(tt.stop_served)
    for s in served[:40]:
        lat, lon = tt.stop_lat[s] + 0.001, tt.stop_lon[s] - 0.002
        stops, metres = tt.stops_near(lat, lon, 800.0)
        brute = haversine_m(lat, lon, tt.stop_lat[served], tt.stop_lon[served]) * tt.config.detour_factor
        assert sorted(stops.tolist()) == sorted(served[brute <= 800.0].tolist())
        assert np.all(np.diff(metres) >= 0)


@pytest.mark.parametrize(
    ("name", "n_queries"), [("vvs-bus-752.zip", 15), ("herrenberg-vvs-2021.zip", 15), ("cairns.zip", 3)]
)
def test_range_query_returns_non_dominated_departures(name, n_queries):
    source, tt, csa, _date = feed(name)
    found = 0
    for o, d, t in random_queries(tt, n_queries, seed=9):
        journeys = range_query(tt, Place.at_stop(o), Place.at_stop(d), t, t + 2 * 3600)
        found += len(journeys)
        for j in journeys:
            assert t <= j.departure <= t + 2 * 3600
            check_journey_legs(tt, source, j)
            # each is the earliest arrival for its departure and trip count
            assert _oracle(csa, o, d, j.departure)[j.trips] == j.arrival
        # complete: whatever the oracle reaches from any departure in the window (and not as well
        # from after it) is matched or beaten by a listed journey leaving no earlier, with no
        # more trips
        if _oracle(csa, o, d, t)[0] is not None:
            # within walking distance: one walk-only journey, vehicles only when faster
            walks = [j for j in journeys if j.trips == 0]
            assert len(walks) == 1 and walks[0].departure == t
            assert all(j.duration_s < walks[0].duration_s for j in journeys if j.trips)
            continue
        after_window = _oracle(csa, o, d, t + 2 * 3600 + 1)
        for start in range(t, t + 2 * 3600 + 1, 240):
            best = _oracle(csa, o, d, start)
            for k, arrival in enumerate(best):
                if arrival is None or k == 0:
                    continue
                if after_window[k] is not None and after_window[k] <= arrival:
                    continue  # as good when leaving after the window: not a journey of the window
                assert any(j.departure >= start and j.arrival <= arrival and j.trips <= k for j in journeys), (
                    o,
                    d,
                    start,
                    k,
                    arrival,
                    journeys,
                )
        for a in journeys:
            for b in journeys:
                if a is not b:
                    assert not (b.departure >= a.departure and b.arrival <= a.arrival and b.trips <= a.trips), (a, b)


@pytest.mark.slow
def test_rnv_earliest_arrival_equals_connection_scan():
    source, tt, csa, _date = feed("rnv-2016-11.zip")
    for o, d, dep in random_queries(tt, 25, seed=10):
        assert earliest_arrival_by_trips(tt, o, d, dep, max_transfers=MAX_TRANSFERS) == _oracle(csa, o, d, dep)

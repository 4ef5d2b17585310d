"""RAPTOR against the Connection Scan oracle on the real feeds in ``../shared/data/gtfs/``."""

from __future__ import annotations

import pytest

from journeys.domain.raptor import Place, earliest_arrival, earliest_arrival_by_trips, latest_departure, range_query
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


@pytest.mark.parametrize("name", ["vvs-bus-752.zip", "herrenberg-vvs-2021.zip"])
def test_range_query_returns_non_dominated_departures(name):
    source, tt, csa, _date = feed(name)
    for o, d, t in random_queries(tt, 15, seed=9):
        journeys = range_query(tt, Place.at_stop(o), Place.at_stop(d), t, t + 2 * 3600)
        for j in journeys:
            assert t <= j.departure <= t + 2 * 3600
            check_journey_legs(tt, source, j)
            # each is the earliest arrival for its departure and trip count
            assert _oracle(csa, o, d, j.departure)[j.trips] == j.arrival
        for a in journeys:
            for b in journeys:
                if a is not b:
                    assert not (b.departure >= a.departure and b.arrival <= a.arrival and b.trips <= a.trips), (a, b)


@pytest.mark.slow
def test_rnv_earliest_arrival_equals_connection_scan():
    source, tt, csa, _date = feed("rnv-2016-11.zip")
    for o, d, dep in random_queries(tt, 25, seed=10):
        assert earliest_arrival_by_trips(tt, o, d, dep, max_transfers=MAX_TRANSFERS) == _oracle(csa, o, d, dep)

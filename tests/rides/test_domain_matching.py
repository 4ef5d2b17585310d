"""Inserting a booked rider into a plan (no database, no road graph): offsets, loads, promises."""

from __future__ import annotations

from rides.domain.matching import INF, Access, Match, OfferPlan, PlannedStop, insert_rider

DEPARTURE = 1_800_000_000.0


def _plan() -> OfferPlan:
    # Origin (node 1), one rider already on board from 2 to 3, destination (node 4).
    return OfferPlan(
        key="offer",
        departure_s=DEPARTURE,
        capacity=4,
        max_detour_s=900.0,
        direct_s=1200.0,
        stops=[
            PlannedStop(1, 0.0, 0),
            PlannedStop(2, 300.0, 1, 420.0),
            PlannedStop(3, 900.0, 0, 1000.0),
            PlannedStop(4, 1500.0, 0),
        ],
    )


def _match(i: int, j: int) -> Match:
    return Match(
        key="offer",
        pickup=Access(10),
        dropoff=Access(20),
        pickup_leg=i,
        dropoff_leg=j,
        pickup_time_s=DEPARTURE + 400.0,
        dropoff_time_s=DEPARTURE + 1100.0,
        added_s=240.0,
        detour_s=540.0,
        pickup_shift_s=120.0,
    )


def test_rider_between_other_stops_shifts_and_loads_the_right_legs():
    after = insert_rider(_plan(), _match(1, 2), 2, 60.0)
    assert after.stops == [
        PlannedStop(1, 0.0, 0, INF),
        PlannedStop(2, 300.0, 1, 420.0),
        PlannedStop(10, 400.0, 3, 400.0 + 60.0),  # pickup: promised time + tolerance
        PlannedStop(3, 900.0 + 120.0, 2, 1000.0),  # between pickup and drop-off: the pickup shift
        PlannedStop(20, 1100.0, 0, 1100.0 + 60.0),
        PlannedStop(4, 1500.0 + 240.0, 0, INF),  # after the drop-off: all the added time
    ]
    assert (after.key, after.departure_s, after.capacity, after.max_detour_s, after.direct_s) == (
        "offer",
        DEPARTURE,
        4,
        900.0,
        1200.0,
    )


def test_pickup_and_dropoff_on_one_leg():
    after = insert_rider(_plan(), _match(0, 0), 1, 0.0)
    assert [(s.node, s.offset_s, s.load_after, s.latest_offset_s) for s in after.stops] == [
        (1, 0.0, 0, INF),
        (10, 400.0, 1, 400.0),
        (20, 1100.0, 0, 1100.0),
        (2, 300.0 + 240.0, 1, 420.0),
        (3, 900.0 + 240.0, 0, 1000.0),
        (4, 1500.0 + 240.0, 0, INF),
    ]


def test_promised_times_override_the_match_times():
    after = insert_rider(
        _plan(),
        _match(1, 2),
        1,
        30.0,
        promised_pickup_s=DEPARTURE + 380.0,
        promised_dropoff_s=DEPARTURE + 1050.0,
    )
    pickup = next(s for s in after.stops if s.node == 10)
    dropoff = next(s for s in after.stops if s.node == 20)
    assert (pickup.offset_s, pickup.latest_offset_s) == (400.0, 410.0)
    assert (dropoff.offset_s, dropoff.latest_offset_s) == (1100.0, 1080.0)


def _simple_plan() -> OfferPlan:
    return OfferPlan(
        key="simple",
        departure_s=DEPARTURE,
        capacity=3,
        max_detour_s=300.0,
        direct_s=600.0,
        stops=[PlannedStop(1, 0.0, 0), PlannedStop(2, 600.0, 0)],
    )


def _insert(latest_arrival_s: float, earliest_departure_s: float = DEPARTURE):
    from rides.domain.matching import RideQuery, best_insertion

    query = RideQuery([Access(10)], [Access(20, walk_s=30.0)], earliest_departure_s, latest_arrival_s, 1)
    return best_insertion(
        _simple_plan(),
        query,
        query.pickups[0],
        query.dropoffs[0],
        to_p=[100.0, INF],
        from_p=[INF, 500.0],
        to_q=[INF, INF],
        from_q=[INF, 200.0],
        p_to_q=400.0,
    )


def test_arrival_exactly_at_the_latest_arrival_is_feasible():
    # Pickup at +100 s, drop-off at +500 s, 30 s walk: arrival at +530 s; 100 s added.
    at_limit = _insert(DEPARTURE + 530.0)
    assert at_limit is not None
    assert (at_limit.pickup_time_s, at_limit.dropoff_time_s, at_limit.added_s) == (
        DEPARTURE + 100.0,
        DEPARTURE + 500.0,
        100.0,
    )
    assert at_limit.arrival_s == DEPARTURE + 530.0
    assert _insert(DEPARTURE + 529.0) is None
    # Likewise the pickup: exactly at the earliest departure is fine, one second later is not.
    assert _insert(DEPARTURE + 600.0, earliest_departure_s=DEPARTURE + 100.0) is not None
    assert _insert(DEPARTURE + 600.0, earliest_departure_s=DEPARTURE + 101.0) is None

"""RAPTOR at its limits, on the numba kernel and on the numpy rounds alike: parameter bounds,
walks exactly at the walking limit, journeys exactly at the duration limit, window edges of
range queries, walks that begin or end a journey at a stop, and transfer limits that must not
touch same-stop transfers."""

from __future__ import annotations

import math

import pytest

from journeys.domain import raptor
from journeys.domain.raptor import (
    Journey,
    Place,
    TransitLeg,
    WalkLeg,
    earliest_arrival,
    earliest_arrival_by_trips,
    latest_departure,
    range_query,
)
from journeys.domain.timetable import TransferInput, haversine_m
from tests.journeys.test_raptor_unit import TRANSFER_TRIPS, WALK_TRIPS, at, hm, rides, timetable, trip


@pytest.fixture(params=["kernel", "numpy"], autouse=True)
def rounds(request, monkeypatch):
    """Every test runs on both implementations of the rounds."""
    monkeypatch.setattr(raptor, "_KERNEL", None if request.param == "kernel" else False)
    assert (raptor._kernel() is None) == (request.param == "numpy")
    return request.param


# C -> C2: the only footpath of the test stops (72.95 m straight x 1.3 = 94.84 walking metres, 80 s)
C_C2_M = float(haversine_m(49.0, 8.04, 49.0, 8.041)) * 1.3
C_C2_S = math.ceil(C_C2_M / 1.2)


def test_max_transfers_bounds_and_messages():
    _source, tt = timetable(TRANSFER_TRIPS)
    a, d = at(tt, "A"), at(tt, "D")
    for ok in (0, 10):
        assert [j.trips for j in earliest_arrival(tt, a, d, hm("07:50"), max_transfers=ok)] == ([] if ok == 0 else [2])
    for bad in (-1, 11):
        with pytest.raises(ValueError, match="^max_transfers must be between 0 and 10$"):
            earliest_arrival(tt, a, d, hm("07:50"), max_transfers=bad)
    assert earliest_arrival(tt, a, at(tt, "B"), hm("07:50"), max_walk_m=0)[0].arrival == hm("08:10")
    with pytest.raises(ValueError, match="^max_walk_m must not be negative$"):
        earliest_arrival(tt, a, d, hm("07:50"), max_walk_m=-0.001)
    with pytest.raises(ValueError, match="^stop index 5 out of range$"):
        earliest_arrival(tt, Place.at_stop(5), d, 0)
    with pytest.raises(ValueError, match="^stop index -1 out of range$"):
        earliest_arrival(tt, a, Place.at_stop(-1), 0)
    with pytest.raises(ValueError, match="^a place needs a stop or a coordinate$"):
        earliest_arrival(tt, a, Place(lat=49.0), 0)


def test_a_walk_from_the_origin_stop_to_the_boarding_stop_names_both_stops():
    _source, tt = timetable(WALK_TRIPS)
    c, c2 = tt.stop_index("C"), tt.stop_index("C2")
    [journey] = earliest_arrival(tt, Place.at_stop(c), at(tt, "D"), hm("08:00"))
    walk, ride = journey.legs
    assert walk == WalkLeg(c, c2, hm("08:25") - C_C2_S, hm("08:25"), C_C2_M)
    assert C_C2_S == 80
    assert (ride.board_stop, ride.alight_stop, ride.trip_id, ride.depart, ride.arrive) == (
        c2,
        tt.stop_index("D"),
        "from_c2",
        hm("08:25"),
        hm("08:40"),
    )
    assert (journey.departure, journey.arrival, journey.trips, journey.transfers) == (
        hm("08:25") - C_C2_S,
        hm("08:40"),
        1,
        0,
    )
    assert journey.duration_s == hm("08:40") - hm("08:25") + C_C2_S


def test_a_walk_from_the_alighting_stop_to_the_destination_stop_names_both_stops():
    _source, tt = timetable(WALK_TRIPS)
    c, c2 = tt.stop_index("C"), tt.stop_index("C2")
    [journey] = earliest_arrival(tt, at(tt, "A"), Place.at_stop(c2), hm("07:00"))
    ride, walk = journey.legs
    assert (ride.trip_id, ride.alight_stop, ride.arrive) == ("to_c", c, hm("08:20"))
    assert walk == WalkLeg(c, c2, hm("08:20"), hm("08:20") + C_C2_S, C_C2_M)
    assert journey.arrival == hm("08:20") + C_C2_S
    # arrive-by: the same journey, found backwards
    [back] = latest_departure(tt, at(tt, "A"), Place.at_stop(c2), hm("08:20") + C_C2_S)
    assert back == journey


def test_walking_limit_is_inclusive_for_the_walk_only_option():
    _source, tt = timetable(WALK_TRIPS)
    c, c2 = at(tt, "C"), at(tt, "C2")
    [walk_only] = earliest_arrival(tt, c, c2, hm("09:00"), max_walk_m=C_C2_M)
    assert (walk_only.trips, walk_only.departure, walk_only.arrival) == (0, hm("09:00"), hm("09:00") + C_C2_S)
    leg = WalkLeg(tt.stop_index("C"), tt.stop_index("C2"), hm("09:00"), hm("09:00") + C_C2_S, C_C2_M)
    assert walk_only.legs == (leg,)
    assert walk_only.walk_m == round(C_C2_M, 1) == 94.8
    assert earliest_arrival(tt, c, c2, hm("09:00"), max_walk_m=C_C2_M - 1e-6) == []
    # "at most k trips": the walk stays the best with one trip allowed (no bus leaves C after 08:20)
    assert earliest_arrival_by_trips(tt, tt.stop_index("C"), tt.stop_index("C2"), hm("09:00"), max_transfers=0) == [
        hm("09:00") + C_C2_S,
        hm("09:00") + C_C2_S,
    ]
    assert earliest_arrival_by_trips(tt, tt.stop_index("A"), tt.stop_index("C"), hm("09:00"), max_transfers=0) == [
        None,
        None,
    ]


def test_duration_limit_is_inclusive():
    _source, tt = timetable(TRANSFER_TRIPS)
    a, d = at(tt, "A"), at(tt, "D")
    # leave 07:50, arrive 08:30: 40 minutes exactly
    [j] = earliest_arrival(tt, a, d, hm("07:50"), max_duration_s=40 * 60)
    assert (j.departure, j.arrival) == (hm("08:00"), hm("08:30"))
    assert earliest_arrival(tt, a, d, hm("07:50"), max_duration_s=40 * 60 - 1) == []
    # arrive by 08:40: both connections leave A at 08:00; the reverse scan rides the later one
    [j] = latest_departure(tt, a, d, hm("08:40"), max_duration_s=40 * 60)
    assert (j.departure, j.arrival, [leg.trip_id for leg in rides(j)]) == (hm("08:00"), hm("08:40"), ["in", "later"])
    assert latest_departure(tt, a, d, hm("08:40"), max_duration_s=40 * 60 - 1) == []


def test_duration_limit_applies_to_the_walk_only_option():
    _source, tt = timetable(WALK_TRIPS)
    c, c2 = at(tt, "C"), at(tt, "C2")
    assert [j.trips for j in earliest_arrival(tt, c, c2, hm("09:00"), max_duration_s=C_C2_S)] == [0]
    assert earliest_arrival(tt, c, c2, hm("09:00"), max_duration_s=C_C2_S - 1) == []
    assert [j.trips for j in latest_departure(tt, c, c2, hm("09:00"), max_duration_s=C_C2_S)] == [0]
    assert latest_departure(tt, c, c2, hm("09:00"), max_duration_s=C_C2_S - 1) == []


def test_a_transfer_walk_limit_keeps_same_stop_transfers():
    # the footpath C -> C2 (95 m) is above the limit; changing at B needs no footpath at all
    _source, tt = timetable([*TRANSFER_TRIPS, *WALK_TRIPS])
    [j] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50"), max_transfer_walk_m=50)
    assert [leg.trip_id for leg in rides(j)] == ["in", "quick"]
    assert j.arrival == hm("08:30")
    # the footpath itself: allowed at exactly its length, refused a centimetre below
    _source, tt = timetable(WALK_TRIPS)
    a, d = at(tt, "A"), at(tt, "D")
    metres = float(tt.fp_metres[0])
    assert [j.arrival for j in earliest_arrival(tt, a, d, hm("07:55"), max_transfer_walk_m=metres)] == [hm("08:40")]
    assert earliest_arrival(tt, a, d, hm("07:55"), max_transfer_walk_m=metres - 0.01) == []


def test_range_query_window_edges_are_inclusive():
    trips = [
        trip("t1", [("A", "08:00"), ("B", "08:10")]),
        trip("t2", [("A", "09:00"), ("B", "09:10")]),
        trip("t3", [("A", "10:00"), ("B", "10:10")]),
    ]
    _source, tt = timetable(trips)
    a, b = at(tt, "A"), at(tt, "B")
    found = range_query(tt, a, b, hm("08:00"), hm("10:00"))
    assert [(j.departure, j.arrival) for j in found] == [(hm(t), hm(t) + 600) for t in ("08:00", "09:00", "10:00")]
    found = range_query(tt, a, b, hm("08:00") + 1, hm("10:00") - 1)
    assert [j.departure for j in found] == [hm("09:00")]
    assert [j.departure for j in range_query(tt, a, b, hm("09:00"), hm("09:00"))] == [hm("09:00")]
    with pytest.raises(ValueError, match="^window_end before window_start$"):
        range_query(tt, a, b, hm("09:00"), hm("09:00") - 1)


def test_range_query_boards_at_a_stop_where_another_route_ends():
    # R1 ends at B (no boarding there, listed first among B's positions); R2 starts at B
    trips = [
        trip("in", [("A", "07:00"), ("B", "07:30")], route="R1"),
        trip("out1", [("B", "08:00"), ("D", "08:20")], route="R2"),
        trip("out2", [("B", "09:00"), ("D", "09:20")], route="R2"),
    ]
    _source, tt = timetable(trips)
    found = range_query(tt, at(tt, "B"), at(tt, "D"), hm("07:00"), hm("09:30"))
    assert [(j.departure, j.arrival, [leg.trip_id for leg in rides(j)]) for j in found] == [
        (hm("08:00"), hm("08:20"), ["out1"]),
        (hm("09:00"), hm("09:20"), ["out2"]),
    ]


@pytest.mark.parametrize("max_transfers", [0, 1])
def test_range_query_with_few_rounds(max_transfers):
    _source, tt = timetable(TRANSFER_TRIPS)
    found = range_query(tt, at(tt, "A"), at(tt, "D"), hm("07:00"), hm("09:00"), max_transfers=max_transfers)
    if max_transfers == 0:
        assert found == []
    else:
        assert [(j.departure, j.arrival, j.trips) for j in found] == [(hm("08:00"), hm("08:30"), 2)]
    direct = range_query(tt, at(tt, "B"), at(tt, "D"), hm("08:00"), hm("09:00"), max_transfers=max_transfers)
    assert [(j.departure, j.arrival, j.trips) for j in direct] == [
        (hm("08:13"), hm("08:30"), 1),
        (hm("08:20"), hm("08:40"), 1),
    ]


def test_range_query_with_a_walk_lists_only_faster_vehicle_journeys():
    # C -> C2 on foot takes 80 s; no vehicle is that fast, so only the walk remains
    _source, tt = timetable(WALK_TRIPS)
    found = range_query(tt, at(tt, "C"), at(tt, "C2"), hm("08:00"), hm("09:00"))
    assert found == [
        Journey(
            departure=hm("08:00"),
            arrival=hm("08:00") + C_C2_S,
            transfers=0,
            trips=0,
            walk_m=94.8,
            legs=(WalkLeg(tt.stop_index("C"), tt.stop_index("C2"), hm("08:00"), hm("08:00") + C_C2_S, C_C2_M),),
        )
    ]


def test_a_dominated_departure_is_left_out_of_a_range_query():
    # t1 leaves 08:00 and arrives 09:00; t2 leaves later (08:10) and arrives earlier (08:50)
    trips = [
        trip("t1", [("A", "08:00"), ("B", "09:00")], route="SLOW"),
        trip("t2", [("A", "08:10"), ("B", "08:50")], route="FAST"),
    ]
    _source, tt = timetable(trips)
    found = range_query(tt, at(tt, "A"), at(tt, "B"), hm("07:00"), hm("09:00"))
    assert [(j.departure, j.arrival, rides(j)[0].trip_id) for j in found] == [(hm("08:10"), hm("08:50"), "t2")]


def test_transit_leg_fields_come_from_the_trip_ridden():
    _source, tt = timetable(TRANSFER_TRIPS)
    [j] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50"))
    first, second = j.legs
    assert isinstance(first, TransitLeg) and isinstance(second, TransitLeg)
    assert (first.trip_id, first.route_id, first.board_stop_id, first.alight_stop_id) == ("in", "R1", "A", "B")
    assert (first.depart, first.arrive, first.service_day_offset) == (hm("08:00"), hm("08:10"), 0)
    assert (second.trip_id, second.route_id, second.board_stop_id, second.alight_stop_id) == ("quick", "R2", "B", "D")
    assert (second.depart, second.arrive) == (hm("08:13"), hm("08:30"))
    assert tt.trip_ids[int(tt.inst_trip[first.trip_instance])] == "in"
    assert tt.trip_ids[int(tt.inst_trip[second.trip_instance])] == "quick"
    assert (j.departure, j.arrival, j.trips, j.transfers, j.walk_m) == (hm("08:00"), hm("08:30"), 2, 1, 0.0)


def test_arrive_by_allows_exactly_max_transfers():
    _source, tt = timetable(TRANSFER_TRIPS)
    a, d = at(tt, "A"), at(tt, "D")
    [j] = latest_departure(tt, a, d, hm("08:40"), max_transfers=1)
    assert (j.departure, j.trips, j.transfers) == (hm("08:00"), 2, 1)
    assert latest_departure(tt, a, d, hm("08:40"), max_transfers=0) == []
    [direct] = latest_departure(tt, at(tt, "B"), d, hm("08:40"), max_transfers=0)
    assert (direct.departure, direct.arrival, direct.trips) == (hm("08:20"), hm("08:40"), 1)


def test_range_query_walks_out_of_the_origin_not_into_it():
    # the footpath C -> C2 exists, C2 -> C is forbidden: from C one walks to C2 and rides on
    _source, tt = timetable(WALK_TRIPS, [TransferInput("C2", "C", 3)])
    found = range_query(tt, at(tt, "C"), at(tt, "D"), hm("08:00"), hm("09:00"))
    assert [(j.departure, j.arrival, [leg.trip_id for leg in rides(j)]) for j in found] == [
        (hm("08:25") - C_C2_S, hm("08:40"), ["from_c2"])
    ]

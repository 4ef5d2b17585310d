"""RAPTOR on tiny hand-made timetables: each test pins one rule of the semantics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from journeys.domain.raptor import (
    Place,
    TransitLeg,
    WalkLeg,
    earliest_arrival,
    earliest_arrival_by_trips,
    latest_departure,
    range_query,
)
from journeys.domain.timetable import (
    ServiceCalendar,
    StopInput,
    TimetableConfig,
    TimetableSource,
    TransferInput,
    TripInput,
    build_timetable,
    haversine_m,
    load_timetable,
    merge_sources,
    save_timetable,
)
from tests.journeys.oracle import ConnectionScan


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


# Stops on a line going east at 49.0 N; 0.01° of longitude ≈ 730 m, so only C and C2
# (about 73 m apart) are within walking distance of each other.
STOPS = [
    StopInput("A", 49.0, 8.00, "A"),
    StopInput("B", 49.0, 8.02, "B"),
    StopInput("C", 49.0, 8.04, "C"),
    StopInput("C2", 49.0, 8.041, "C2"),
    StopInput("D", 49.0, 8.06, "D"),
]


def trip(trip_id, stops_and_times, *, route="R1", service="WK", pickup=None, dropoff=None):
    stops = [s for s, _t in stops_and_times]
    times = [hm(t) for _s, t in stops_and_times]
    return TripInput(trip_id, route, service, stops, times, times, pickup, dropoff)


def timetable(trips, transfers=(), *, days=((0, {"WK"}),), **config):
    source = TimetableSource.from_inputs(STOPS, trips, transfers)
    return source, build_timetable(source, list(days), config=TimetableConfig(**config))


def at(tt, stop_id):
    return Place.at_stop(tt.stop_index(stop_id))


def rides(journey):
    return [leg for leg in journey.legs if isinstance(leg, TransitLeg)]


def test_overtaking_trips_are_split_into_separate_routes():
    # same stop sequence; the express leaves later and arrives first
    source, tt = timetable(
        [
            trip("slow", [("A", "08:00"), ("B", "08:30"), ("C", "09:00")]),
            trip("express", [("A", "08:10"), ("B", "08:20"), ("C", "08:30")]),
        ]
    )
    assert tt.n_routes == 2
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("07:55"))
    assert journey.arrival == hm("08:30")
    assert [leg.trip_id for leg in rides(journey)] == ["express"]
    # from B the slow trip is the only one still to come after 08:20
    [journey] = earliest_arrival(tt, at(tt, "B"), at(tt, "C"), hm("08:25"))
    assert (journey.arrival, rides(journey)[0].trip_id) == (hm("09:00"), "slow")


def test_non_overtaking_trips_share_a_route():
    _source, tt = timetable(
        [
            trip("t1", [("A", "08:00"), ("B", "08:10"), ("C", "08:20")]),
            trip("t2", [("A", "09:00"), ("B", "09:10"), ("C", "09:20")]),
        ]
    )
    assert tt.n_routes == 1
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("08:01"))
    assert journey.arrival == hm("09:20")


def test_after_midnight_trip_of_yesterday_is_found_at_half_past_midnight():
    trips = [trip("late", [("A", "24:20"), ("B", "24:40"), ("C", "25:00")], service="SAT")]
    # service SAT ran yesterday (offset -1): its trip runs today from 00:20 to 01:00
    _source, tt = timetable(trips, days=((-1, {"SAT"}), (0, {"SUN"})))
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("00:10"))
    leg = rides(journey)[0]
    assert (leg.trip_id, leg.service_day_offset, leg.depart, journey.arrival) == ("late", -1, hm("00:20"), hm("01:00"))
    # not active yesterday but today: the next departure is today's, 24 hours later
    _source, tt = timetable(trips, days=((-1, {"SUN"}), (0, {"SAT"})))
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("00:10"))
    assert (journey.arrival, rides(journey)[0].service_day_offset) == (hm("25:00"), 0)
    # active on neither day: nothing
    _source, tt = timetable(trips, days=((-1, {"SUN"}), (0, {"SUN"})))
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("00:10")) == []


def test_evening_query_continues_into_next_service_day():
    trips = [trip("early", [("A", "05:00"), ("C", "05:30")], service="MON")]
    _source, tt = timetable(trips, days=((0, {"SUN"}), (1, {"MON"})))
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "C"), hm("23:00"))
    assert journey.arrival == hm("29:30")
    assert rides(journey)[0].service_day_offset == 1


TRANSFER_TRIPS = [
    trip("in", [("A", "08:00"), ("B", "08:10")], route="R1"),
    trip("quick", [("B", "08:13"), ("D", "08:30")], route="R2"),
    trip("later", [("B", "08:20"), ("D", "08:40")], route="R2"),
]


def test_default_minimum_transfer_time_allows_the_quick_connection():
    _source, tt = timetable(TRANSFER_TRIPS, default_transfer_s=120)
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50"))
    assert [leg.trip_id for leg in rides(journey)] == ["in", "quick"]
    assert (journey.arrival, journey.transfers) == (hm("08:30"), 1)
    # 4 minutes of default transfer time miss it
    _source, tt = timetable(TRANSFER_TRIPS, default_transfer_s=240)
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50"))
    assert [leg.trip_id for leg in rides(journey)] == ["in", "later"]


def test_transfers_txt_minimum_time_is_respected():
    _source, tt = timetable(TRANSFER_TRIPS, [TransferInput("B", "B", 2, 300)], default_transfer_s=60)
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50"))
    assert [leg.trip_id for leg in rides(journey)] == ["in", "later"]
    assert journey.arrival == hm("08:40")


def test_forbidden_transfer_at_a_stop():
    _source, tt = timetable(TRANSFER_TRIPS, [TransferInput("B", "B", 3)])
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:50")) == []
    # riding to B is still possible, and boarding at B as the first trip too
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "B"), hm("07:50"))[0].arrival == hm("08:10")
    assert earliest_arrival(tt, at(tt, "B"), at(tt, "D"), hm("08:00"))[0].arrival == hm("08:30")


WALK_TRIPS = [
    trip("to_c", [("A", "08:00"), ("C", "08:20")], route="R1"),
    trip("from_c2", [("C2", "08:25"), ("D", "08:40")], route="R2"),
]


def test_transfer_by_footpath_between_nearby_stops():
    _source, tt = timetable(WALK_TRIPS)
    metres = haversine_m(49.0, 8.04, 49.0, 8.041) * 1.3
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55"))
    walk = [leg for leg in journey.legs if isinstance(leg, WalkLeg)]
    assert [type(leg).__name__ for leg in journey.legs] == ["TransitLeg", "WalkLeg", "TransitLeg"]
    assert walk[0].walk_m == pytest.approx(metres, abs=0.01)
    assert walk[0].arrive - walk[0].depart == int(np.ceil(metres / 1.2))
    assert journey.walk_m == pytest.approx(metres, abs=0.1)
    assert journey.arrival == hm("08:40")


def test_footpaths_from_a_road_graph_walk_function():
    source = TimetableSource.from_inputs(STOPS, WALK_TRIPS)
    calls = []

    def road_metres(a, b):
        calls.append((a.copy(), b.copy()))
        return np.where(np.isin(a, [2, 3]) & np.isin(b, [2, 3]), 250.0, np.inf)

    tt = build_timetable(source, [(0, {"WK"})], walk_metres=road_metres)
    to, secs, metres = tt.footpaths_from(tt.stop_index("C"))
    assert to.tolist() == [tt.stop_index("C2")] and metres.tolist() == [250.0]
    assert secs.tolist() == [int(np.ceil(250.0 / 1.2))]
    assert len(calls) == 1
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55"))
    assert journey.walk_m == 250.0
    # too long by road: no footpath, no journey
    tt = build_timetable(source, [(0, {"WK"})], walk_metres=lambda a, b: np.full(len(a), 900.0))
    assert len(tt.fp_to) == 0
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55")) == []


def test_footpath_forbidden_by_transfers_txt_and_overridden_time():
    _source, tt = timetable(WALK_TRIPS, [TransferInput("C", "C2", 3)])
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55")) == []
    # a type-2 row makes the walk take 10 minutes: the 08:25 departure is missed
    late = [*WALK_TRIPS, trip("from_c2_late", [("C2", "08:35"), ("D", "08:50")], route="R2")]
    _source, tt = timetable(late, [TransferInput("C", "C2", 2, 600)])
    [journey] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55"))
    assert journey.arrival == hm("08:50")
    # the transfer limit of the query excludes the footpath altogether
    _source, tt = timetable(WALK_TRIPS)
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:55"), max_transfer_walk_m=50) == []


def test_walking_access_and_egress_from_coordinates():
    _source, tt = timetable([trip("t", [("A", "08:00"), ("B", "08:10"), ("D", "08:30")])])
    origin = Place.at(49.002, 8.0)  # about 222 m north of A
    destination = Place.at(49.0, 8.063)  # about 219 m east of D
    [journey] = earliest_arrival(tt, origin, destination, hm("07:50"), max_walk_m=500)
    first, ride, last = journey.legs
    assert isinstance(first, WalkLeg) and first.from_stop is None and first.to_stop == tt.stop_index("A")
    assert first.arrive == hm("08:00")  # leave as late as possible
    assert journey.departure == hm("08:00") - first.arrive + first.depart
    assert isinstance(last, WalkLeg) and last.from_stop == tt.stop_index("D") and last.to_stop is None
    egress_m = haversine_m(49.0, 8.06, 49.0, 8.063) * 1.3
    assert last.walk_m == pytest.approx(egress_m, abs=0.01)
    assert journey.arrival == hm("08:30") + int(np.ceil(egress_m / 1.2))
    assert journey.walk_m == pytest.approx(first.walk_m + last.walk_m, abs=0.1)
    # a walking limit below the access distance: no stop reachable
    assert earliest_arrival(tt, origin, destination, hm("07:50"), max_walk_m=200) == []


def test_walk_only_journey_when_close_enough():
    _source, tt = timetable(WALK_TRIPS)
    journeys = earliest_arrival(tt, Place.at(49.0, 8.04), Place.at(49.0, 8.0405), hm("08:00"), max_walk_m=100)
    assert [(j.trips, len(j.legs)) for j in journeys] == [(0, 1)]
    assert journeys[0].arrival - journeys[0].departure == int(np.ceil(haversine_m(49, 8.04, 49, 8.0405) * 1.3 / 1.2))


def test_pareto_set_keeps_slower_direct_and_faster_transfer_journey():
    _source, tt = timetable(
        [
            trip("direct", [("A", "08:00"), ("B", "08:40"), ("D", "09:00")], route="SLOW"),
            trip("fast1", [("A", "08:01"), ("C", "08:10")], route="F1"),
            trip("fast2", [("C", "08:15"), ("D", "08:30")], route="F2"),
        ]
    )
    journeys = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:59"))
    assert [(j.transfers, j.arrival) for j in journeys] == [(0, hm("09:00")), (1, hm("08:30"))]
    assert [leg.trip_id for leg in rides(journeys[0])] == ["direct"]
    assert [leg.trip_id for leg in rides(journeys[1])] == ["fast1", "fast2"]
    # with no transfers allowed only the direct one remains
    [only] = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:59"), max_transfers=0)
    assert only.arrival == hm("09:00")
    assert earliest_arrival_by_trips(tt, 0, 4, hm("07:59"), max_transfers=1) == [None, hm("09:00"), hm("08:30")]


def test_max_duration_drops_slow_journeys_exactly():
    _source, tt = timetable(
        [
            trip("direct", [("A", "08:00"), ("B", "08:40"), ("D", "09:00")], route="SLOW"),
            trip("fast1", [("A", "08:01"), ("C", "08:10")], route="F1"),
            trip("fast2", [("C", "08:15"), ("D", "08:30")], route="F2"),
        ]
    )
    journeys = earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:59"), max_duration_s=45 * 60)
    assert [(j.transfers, j.arrival) for j in journeys] == [(1, hm("08:30"))]
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:59"), max_duration_s=30 * 60) == []
    # arrive by 09:00: the direct trip leaves 60 min before, the fast pair 59 min before
    journeys = latest_departure(tt, at(tt, "A"), at(tt, "D"), hm("09:00"), max_duration_s=59 * 60)
    assert [(j.departure, j.arrival) for j in journeys] == [(hm("08:01"), hm("08:30"))]
    journeys = latest_departure(tt, at(tt, "A"), at(tt, "D"), hm("09:00"), max_duration_s=60 * 60)
    assert [(j.departure, j.trips) for j in journeys] == [(hm("08:00"), 1), (hm("08:01"), 2)]


def test_pickup_and_drop_off_restrictions():
    # boarding at B is not allowed, alighting at B is not allowed either
    t = trip(
        "t", [("A", "08:00"), ("B", "08:10"), ("D", "08:30")], pickup=[True, False, True], dropoff=[True, False, True]
    )
    _source, tt = timetable([t])
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "B"), hm("07:00")) == []
    assert earliest_arrival(tt, at(tt, "B"), at(tt, "D"), hm("07:00")) == []
    assert earliest_arrival(tt, at(tt, "A"), at(tt, "D"), hm("07:00"))[0].arrival == hm("08:30")


ARRIVE_BY_TRIPS = [
    trip("t1", [("A", "07:00"), ("B", "07:20"), ("D", "07:40")], route="R1"),
    trip("t2", [("A", "08:00"), ("B", "08:20"), ("D", "08:40")], route="R1"),
    trip("t3", [("A", "09:00"), ("B", "09:20"), ("D", "09:40")], route="R1"),
    trip("x1", [("A", "08:30"), ("C", "08:40")], route="X1"),
    trip("x2", [("C", "08:45"), ("D", "08:55")], route="X2"),
]


def test_arrive_by_finds_the_latest_departure_and_no_later_one_arrives_in_time():
    _source, tt = timetable(ARRIVE_BY_TRIPS)
    journeys = latest_departure(tt, at(tt, "A"), at(tt, "D"), hm("09:00"))
    assert [(j.trips, j.departure, j.arrival) for j in journeys] == [
        (1, hm("08:00"), hm("08:40")),
        (2, hm("08:30"), hm("08:55")),
    ]
    for j in journeys:
        assert j.arrival <= hm("09:00")
        later = earliest_arrival_by_trips(tt, 0, 4, j.departure + 1, max_transfers=4)[j.trips]
        assert later is None or later > hm("09:00")
    assert [leg.trip_id for leg in rides(journeys[1])] == ["x1", "x2"]
    assert rides(journeys[1])[0].board_stop_id == "A"
    # deadline before the first arrival: nothing
    assert latest_departure(tt, at(tt, "A"), at(tt, "D"), hm("07:39")) == []


def test_arrive_by_with_walks_at_both_ends():
    _source, tt = timetable(ARRIVE_BY_TRIPS)
    origin = Place.at(49.002, 8.0)
    journeys = latest_departure(tt, origin, Place.at(49.0, 8.063), hm("08:50"), max_walk_m=500)
    [j] = journeys
    assert j.arrival <= hm("08:50")
    assert isinstance(j.legs[0], WalkLeg) and j.legs[0].arrive == hm("08:00")
    assert isinstance(j.legs[-1], WalkLeg) and j.legs[-1].depart == hm("08:40")


def test_range_query_lists_every_good_departure():
    _source, tt = timetable(ARRIVE_BY_TRIPS)
    journeys = range_query(tt, at(tt, "A"), at(tt, "D"), hm("06:30"), hm("09:30"))
    assert [(j.departure, j.arrival, j.trips) for j in journeys] == [
        (hm("07:00"), hm("07:40"), 1),
        (hm("08:00"), hm("08:40"), 1),
        (hm("08:30"), hm("08:55"), 2),
        (hm("09:00"), hm("09:40"), 1),
    ]


def test_save_and_load_round_trip(tmp_path):
    _source, tt = timetable(ARRIVE_BY_TRIPS)
    path = tmp_path / "day.npz"
    save_timetable(tt, path)
    for loaded in (load_timetable(path), load_timetable(path, mmap=True)):
        assert loaded.stop_ids == tt.stop_ids and loaded.trip_ids == tt.trip_ids
        assert loaded.config == tt.config
        assert np.array_equal(loaded.dep_key, tt.dep_key) and np.array_equal(loaded.fp_metres, tt.fp_metres)
        for o, d, t in [(0, 4, hm("07:59")), (0, 2, hm("06:00")), (2, 4, hm("08:41"))]:
            assert earliest_arrival(loaded, Place.at_stop(o), Place.at_stop(d), t) == earliest_arrival(
                tt, Place.at_stop(o), Place.at_stop(d), t
            )
        assert latest_departure(loaded, at(loaded, "A"), at(loaded, "D"), hm("09:00")) == latest_departure(
            tt, at(tt, "A"), at(tt, "D"), hm("09:00")
        )
    assert isinstance(load_timetable(path, mmap=True).dep_key, np.memmap)
    # the reversed (arrive-by) arrays come from the file, equal to deriving them
    loaded = load_timetable(path, mmap=True)
    assert loaded._reversed is not None and loaded.reversed().reversed() is loaded
    for name in ("dep_key", "pos_stop", "fp_to", "times_arr"):
        assert np.array_equal(getattr(loaded.reversed(), name), getattr(tt.reversed(), name))
    save_timetable(tt, tmp_path / "fwd.npz", with_reversed=False)
    assert load_timetable(tmp_path / "fwd.npz")._reversed is None


def test_merged_feeds_connect_by_walking():
    regional = TimetableSource.from_inputs(
        [StopInput("x", 49.0, 8.0), StopInput("hub", 49.0, 8.04)], [trip("r", [("x", "08:00"), ("hub", "08:20")])]
    )
    buergerbus = TimetableSource.from_inputs(
        [StopInput("hub", 49.0, 8.0405), StopInput("village", 49.0, 8.1)],
        [trip("b", [("hub", "08:30"), ("village", "08:50")], route="BB")],
    )
    source = merge_sources([regional, buergerbus], ["reg:", "bb:"])
    tt = build_timetable(source, [(0, {"reg:WK", "bb:WK"})])
    [journey] = earliest_arrival(tt, at(tt, "reg:x"), at(tt, "bb:village"), hm("07:00"))
    assert [leg.trip_id for leg in rides(journey)] == ["reg:r", "bb:b"]
    assert [leg.route_id for leg in rides(journey)] == ["reg:R1", "bb:BB"]
    assert journey.arrival == hm("08:50") and journey.transfers == 1


def test_oracle_agrees_on_the_hand_made_timetables():
    for trips, transfers in [
        (ARRIVE_BY_TRIPS, []),
        (TRANSFER_TRIPS, [TransferInput("B", "B", 2, 300)]),
        (WALK_TRIPS, [TransferInput("C", "C2", 2, 60)]),
    ]:
        source, tt = timetable(trips, transfers)
        csa = ConnectionScan(source, [(0, {"WK"})])
        for o in range(5):
            for d in range(5):
                for t in range(hm("06:00"), hm("10:00"), 600):
                    expected = [None if x == float("inf") else x for x in csa.earliest_arrival_by_trips(o, d, t, 5)]
                    assert earliest_arrival_by_trips(tt, o, d, t) == expected


def test_service_calendar_resolves_weekdays_and_exceptions():
    cal = ServiceCalendar(
        weekly={"WK": ((True,) * 5 + (False,) * 2, dt.date(2024, 1, 1), dt.date(2024, 1, 31))},
        added={dt.date(2024, 1, 6): {"EXTRA"}},
        removed={dt.date(2024, 1, 3): {"WK"}},
    )
    assert cal.active_service_ids(dt.date(2024, 1, 2)) == {"WK"}  # Tuesday
    assert cal.active_service_ids(dt.date(2024, 1, 3)) == set()  # removed
    assert cal.active_service_ids(dt.date(2024, 1, 6)) == {"EXTRA"}  # Saturday, added
    assert cal.active_service_ids(dt.date(2024, 2, 1)) == set()  # after the range


def test_bad_query_parameters_raise_value_error():
    _source, tt = timetable(ARRIVE_BY_TRIPS)
    with pytest.raises(ValueError):
        earliest_arrival(tt, at(tt, "A"), at(tt, "D"), 0, max_transfers=-1)
    with pytest.raises(ValueError):
        earliest_arrival(tt, Place.at_stop(99), at(tt, "D"), 0)
    with pytest.raises(ValueError):
        earliest_arrival(tt, Place(), at(tt, "D"), 0)
    with pytest.raises(ValueError):
        range_query(tt, at(tt, "A"), at(tt, "D"), 10, 5)
    with pytest.raises(ValueError, match="unknown stop ids"):
        TimetableSource.from_inputs(STOPS, [trip("bad", [("A", "08:00"), ("Z", "08:10")])])
